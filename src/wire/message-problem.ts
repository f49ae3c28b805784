// A rule that a decoded message breaks, as checkMessage reports it.

import { optionName } from './names.js';
import type { FailoverOption } from './types.js';

/** One broken rule. `code` is stable; `message` is for people. */
export interface MessageProblem {
  /** FO_ERR_MISSING_OPTION, FO_ERR_FORBIDDEN_OPTION, FO_ERR_REPEATED_OPTION, FO_ERR_OPTION_ORDER,
   * FO_ERR_NO_TRANSACTION, FO_ERR_INVALID_VALUE, FO_ERR_TOO_MANY_UPDATES or
   * FO_ERR_UNKNOWN_MESSAGE_TYPE. */
  code: string;
  /** ID of the rule broken, from the draft-12 and [MS-DHCPF] rule lists. */
  rule: string;
  message: string;
  optionCode?: number;
  /** assigned-IP-address of the BNDUPD or BNDACK transaction the problem is in. */
  address?: string;
  /** reject-reason the receiver answers the transaction with, when the rule names one. */
  rejectReason?: number;
}

/** Reports every option code that occurs more than once among `options` (FO-6.2-c). */
export function repeatedOptionProblems(
  options: readonly FailoverOption[],
  where: string,
  address?: string,
): MessageProblem[] {
  const seen = new Set<number>();
  const reported = new Set<number>();
  const problems: MessageProblem[] = [];
  for (const { code } of options) {
    if (seen.has(code) && !reported.has(code)) {
      reported.add(code);
      problems.push({
        code: 'FO_ERR_REPEATED_OPTION',
        rule: 'FO-6.2-c',
        message: `${where} has ${optionName(code)} more than once, expected at most once`,
        optionCode: code,
        address,
      });
    }

    seen.add(code);
  }

  return problems;
}
