// Checks of the transactions of a received BNDUPD or BNDACK: layout (FO-6.3-b), repeats
// (FO-6.2-c) and the options each binding-status needs (Table 7.1-1, MSF-3.1.5.2-b), with the
// relaxed forms that ISC dhcpd sends accepted unless the check is strict (ISC-13, ISC-14).

import {
  BindingStatus,
  INFINITE_TIME,
  IP_FLAG_BOOTP,
  IP_FLAG_RESERVED,
  MessageType,
  OptionCode as O,
  RejectReason,
} from './codes.js';
import { bindingRequirementsFor, type BindingRequirements } from './binding-requirements.js';
import { optionValue } from './message-builder.js';
import { repeatedOptionProblems, type MessageProblem } from './message-problem.js';
import { messageTypeName, optionName } from './names.js';
import { splitTransactions, type Transaction } from './transactions.js';
import type { FailoverMessage, FailoverOption, WireProfile } from './types.js';

/** Options that apply to the whole message and so may precede the first transaction. */
const MESSAGE_WIDE_CODES = new Set<number>([
  O.MESSAGE_DIGEST,
  O.VENDOR_CLASS_IDENTIFIER,
  O.VENDOR_SPECIFIC_OPTIONS,
]);
/** A Windows partner processes at most 16 updates of one BNDUPD (MSF-3.1.4.2-c). */
const MS_MAX_UPDATES = 16;

/** Profile of the sender, and whether the relaxed dhcpd forms count as problems. */
export interface CheckMode {
  profile: WireProfile;
  strict: boolean;
}

/** Checks the layout and content of every transaction of a BNDUPD or BNDACK. */
export function checkTransactions(message: FailoverMessage, mode: CheckMode): MessageProblem[] {
  const { profile } = mode;
  const name = messageTypeName(message.type);
  const { common, transactions } = splitTransactions(message.options);
  const problems = [
    ...layoutProblems(name, common, transactions),
    ...repeatedOptionProblems(common, name),
  ];
  for (const transaction of transactions) {
    const where = `${name} transaction for ${transaction.address}`;
    problems.push(...repeatedOptionProblems(transaction.options, where, transaction.address));
    if (message.type === MessageType.BNDUPD) {
      problems.push(...bindingUpdateProblems(transaction, where, mode));
    }
  }

  if (
    message.type === MessageType.BNDUPD &&
    profile === 'microsoft' &&
    transactions.length > MS_MAX_UPDATES
  ) {
    problems.push({
      code: 'FO_ERR_TOO_MANY_UPDATES',
      rule: 'MSF-3.1.4.2-c',
      message: `${name} has ${transactions.length} updates, expected at most ${MS_MAX_UPDATES}`,
    });
  }

  return problems;
}

/** FO-6.3-b: per-address options come after an assigned-IP-address, and there is at least one. */
function layoutProblems(
  name: string,
  common: FailoverOption[],
  transactions: Transaction[],
): MessageProblem[] {
  const problems: MessageProblem[] = [];
  if (transactions.length === 0) {
    problems.push({
      code: 'FO_ERR_NO_TRANSACTION',
      rule: 'FO-7.1.1-d',
      message: `${name} has no assigned-IP-address, expected one per transaction`,
      optionCode: O.ASSIGNED_IP_ADDRESS,
    });
  }

  for (const misplaced of common.filter((candidate) => !MESSAGE_WIDE_CODES.has(candidate.code))) {
    problems.push({
      code: 'FO_ERR_OPTION_ORDER',
      rule: 'FO-6.3-b',
      message: `${name} ${optionName(misplaced.code)} comes before the first assigned-IP-address, expected inside a transaction`,
      optionCode: misplaced.code,
    });
  }

  return problems;
}

function bindingUpdateProblems(
  transaction: Transaction,
  where: string,
  mode: CheckMode,
): MessageProblem[] {
  const { profile } = mode;
  const { address, options } = transaction;
  const bindingStatus = optionValue(transaction, O.BINDING_STATUS);
  if (bindingStatus === undefined) {
    return [missingProblem(where, address, O.BINDING_STATUS, profile)];
  }

  const shape = {
    bindingStatus,
    ipFlags: optionValue(transaction, O.IP_FLAGS),
    hasClientHardwareAddress: options.some(
      (candidate) => candidate.code === O.CLIENT_HARDWARE_ADDRESS,
    ),
  };
  const requirements = bindingRequirementsFor(shape, profile);
  if (requirements === undefined) {
    return profile === 'isc' ? [unknownStatusProblem(where, address, bindingStatus)] : [];
  }

  return [
    ...requirementProblems(requirements, options, where, address, mode),
    ...(profile === 'isc' ? draftValueProblems(transaction, where, shape, mode.strict) : []),
  ];
}

function requirementProblems(
  requirements: BindingRequirements,
  options: FailoverOption[],
  where: string,
  address: string,
  { profile, strict }: CheckMode,
): MessageProblem[] {
  const codes = new Set(options.map((candidate) => candidate.code));
  const missing = requirements.must.filter((code) => !codes.has(code));
  const forbidden = options.filter(
    (candidate) =>
      requirements.mustNot.includes(candidate.code) && !isRelaxedForm(candidate, profile, strict),
  );
  return [
    ...missing.map((code) => missingProblem(where, address, code, profile)),
    ...forbidden.map((candidate) => ({
      code: 'FO_ERR_FORBIDDEN_OPTION',
      rule: requirements.rule,
      message: `${where} has ${optionName(candidate.code)}, which ${requirements.column} must not carry`,
      optionCode: candidate.code,
      address,
    })),
  ];
}

/**
 * dhcpd sends lease-expiration-time and potential-expiration-time with every binding-status: 0 or
 * the time of the move on FREE and BACKUP, the old lease times on RELEASED (seen in its
 * captures). No safety rule rests on them, so a receiver accepts them (ISC-13, ISC-14); the
 * strict check, for what this implementation sends, does not.
 */
function isRelaxedForm(candidate: FailoverOption, profile: WireProfile, strict: boolean): boolean {
  const isLeaseTime =
    candidate.code === O.LEASE_EXPIRATION_TIME || candidate.code === O.POTENTIAL_EXPIRATION_TIME;
  return !strict && profile === 'isc' && isLeaseTime;
}

/** Value rules of draft-12 transactions: PET after lease expiry, and IP-flags bits 2-15 zero. */
function draftValueProblems(
  transaction: Transaction,
  where: string,
  shape: { bindingStatus: number; ipFlags: number | undefined },
  strict: boolean,
): MessageProblem[] {
  const { address } = transaction;
  const { bindingStatus, ipFlags } = shape;
  const problems: MessageProblem[] = [];
  const leaseTime = optionValue(transaction, O.LEASE_EXPIRATION_TIME);
  const potentialTime = optionValue(transaction, O.POTENTIAL_EXPIRATION_TIME);
  // ISC-13: dhcpd's resync sends ACTIVE with PET equal to lease-expiration-time, so only the
  // strict check reports an equal PET. No time lies after the infinite time, so an infinite lease
  // passes with an equal PET in either check. A PET of 0 (no PET, ISC-13) or one before the lease
  // end leaves the update without a usable PET, which is reject-reason 3 (FO-7.1.3-a).
  if (
    bindingStatus === BindingStatus.ACTIVE &&
    leaseTime !== undefined &&
    potentialTime !== undefined
  ) {
    const equalNotAllowed = strict && leaseTime !== INFINITE_TIME;
    if (potentialTime < leaseTime || (equalNotAllowed && potentialTime === leaseTime)) {
      problems.push({
        code: 'FO_ERR_INVALID_VALUE',
        rule: 'FO-7.1.1-f',
        message: `${where} has potential-expiration-time ${potentialTime}, expected later than lease-expiration-time ${leaseTime}`,
        optionCode: O.POTENTIAL_EXPIRATION_TIME,
        address,
        rejectReason: RejectReason.MISSING_BINDING_INFORMATION,
      });
    }
  }

  if (ipFlags !== undefined && (ipFlags & ~(IP_FLAG_RESERVED | IP_FLAG_BOOTP)) !== 0) {
    problems.push({
      code: 'FO_ERR_INVALID_VALUE',
      rule: 'FO-12.12-a',
      message: `${where} has IP-flags 0x${ipFlags.toString(16)}, expected bits 2-15 zero`,
      optionCode: O.IP_FLAGS,
      address,
    });
  }

  return problems;
}

function missingProblem(
  where: string,
  address: string,
  code: number,
  profile: WireProfile,
): MessageProblem {
  return {
    code: 'FO_ERR_MISSING_OPTION',
    rule: profile === 'isc' ? 'FO-7.1.3-a' : 'MSF-3.1.5.2-c',
    message: `${where} has no ${optionName(code)}, which its binding-status requires`,
    optionCode: code,
    address,
    rejectReason: RejectReason.MISSING_BINDING_INFORMATION,
  };
}

/**
 * Reports a binding-status this server does not support. It leaves no way to interpret the update
 * (FO-7.1.1-c), so the transaction is rejected as missing binding information (FO-7.1.3-a).
 */
function unknownStatusProblem(where: string, address: string, status: number): MessageProblem {
  return {
    code: 'FO_ERR_INVALID_VALUE',
    rule: 'FO-7.1.1-c',
    message: `${where} has binding-status ${status}, expected 1-7`,
    optionCode: O.BINDING_STATUS,
    address,
    rejectReason: RejectReason.MISSING_BINDING_INFORMATION,
  };
}
