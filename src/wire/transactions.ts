// Splits the options of a BNDUPD or BNDACK into the options common to the message and one group
// per binding update transaction, each starting at its assigned-IP-address (FO-6.3-b).

import { OptionCode } from './codes.js';
import { isOptionOf } from './options.js';
import type { FailoverOption } from './types.js';

/** One transaction: its address and every option from its assigned-IP-address to the next one. */
export interface Transaction {
  address: string;
  /** The transaction's options, assigned-IP-address first. */
  options: FailoverOption[];
}

/** Returns the options before the first assigned-IP-address and the transactions after it. */
export function splitTransactions(options: readonly FailoverOption[]): {
  common: FailoverOption[];
  transactions: Transaction[];
} {
  const common: FailoverOption[] = [];
  const transactions: Transaction[] = [];
  for (const option of options) {
    const current = transactions.at(-1);
    if (isOptionOf(option, OptionCode.ASSIGNED_IP_ADDRESS)) {
      transactions.push({ address: option.value, options: [option] });
    } else if (current === undefined) {
      common.push(option);
    } else {
      current.options.push(option);
    }
  }

  return { common, transactions };
}
