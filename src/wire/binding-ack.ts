// BNDACK transactions (draft-12 section 7.2): one per address of the BNDUPD, rejected when a
// reject-reason follows the address (FO-6.3-d).

import { OptionCode as O } from './codes.js';
import { isOptionOf, option } from './options.js';
import { splitTransactions } from './transactions.js';
import type { BindingAck, FailoverMessage, FailoverOption } from './types.js';

/**
 * Reads the transactions of a BNDACK in message order. A transaction is accepted unless a
 * reject-reason follows its assigned-IP-address; the first reject-reason and message count.
 */
export function bindingAcksOf(message: FailoverMessage): BindingAck[] {
  return splitTransactions(message.options).transactions.map((transaction) => {
    const ack: BindingAck = { address: transaction.address };
    for (const candidate of transaction.options) {
      if (isOptionOf(candidate, O.REJECT_REASON)) {
        ack.rejectReason ??= candidate.value;
      } else if (isOptionOf(candidate, O.MESSAGE)) {
        ack.message ??= candidate.value;
      }
    }

    return ack;
  });
}

/**
 * Builds the options of a BNDACK in the order of `acks`, which a Windows partner requires to be
 * the BNDUPD's order (MSF-3.1.5.2-j). An accept carries only assigned-IP-address; a reject adds
 * reject-reason and, when given, message (FO-7.2.1-c). A message on an accept is left out.
 */
export function bindingAckOptions(acks: readonly BindingAck[]): FailoverOption[] {
  return acks.flatMap((ack) => {
    const options = [option(O.ASSIGNED_IP_ADDRESS, ack.address)];
    if (ack.rejectReason === undefined) {
      return options;
    }

    options.push(option(O.REJECT_REASON, ack.rejectReason));
    if (ack.message !== undefined) {
      options.push(option(O.MESSAGE, ack.message));
    }

    return options;
  });
}
