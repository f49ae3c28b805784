// The message option of a rejected BNDACK transaction (FO-6.3-d): a short fixed text per
// reject-reason, so the partner's operator sees the same words for the same cause. The detailed
// reason, with the values compared, goes to this server's log instead.

import { RejectReason } from '../wire/codes.js';

const BNDACK_MESSAGES: Readonly<Record<number, string>> = {
  [RejectReason.ILLEGAL_IP_ADDRESS]: 'illegal IP address',
  [RejectReason.FATAL_CONFLICT]: 'address bound to another client',
  [RejectReason.MISSING_BINDING_INFORMATION]: 'missing binding information',
  [RejectReason.OUTDATED_BINDING_INFORMATION]: 'outdated binding information',
  [RejectReason.LESS_CRITICAL_BINDING_INFORMATION]: 'less critical binding information',
  [RejectReason.IP_NOT_RESERVED]: 'not reserved here',
};

/** Returns the message to send with `rejectReason`; `detail` for a reason without a fixed text. */
export function bndackMessageOf(rejectReason: number, detail: string): string {
  return BNDACK_MESSAGES[rejectReason] ?? detail;
}
