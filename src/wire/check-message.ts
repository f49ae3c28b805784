// Checks a decoded message against the per-message rules of draft-12 section 7 (and the
// [MS-DHCPF] changes to them with a Windows partner). The codec accepts anything well formed;
// this is where a receiver learns which rules the partner broke.

import { MessageType as M, OptionCode as O, SERVER_FLAG_STARTUP, ServerState } from './codes.js';
import { checkTransactions } from './check-transactions.js';
import { hasOption, optionValue } from './message-builder.js';
import { repeatedOptionProblems, type MessageProblem } from './message-problem.js';
import { isKnownMessageType, messageTypeName, optionName } from './names.js';
import type { FailoverMessage, WireProfile } from './types.js';

export interface CheckOptions {
  /**
   * Report the relaxed forms that ISC dhcpd sends too (ISC-13, ISC-14): set it to check messages
   * this implementation sends, leave it unset for received ones.
   */
  strict?: boolean;
}

interface OptionRule {
  codes: readonly number[];
  rule: string;
}

/** Options every message of a type carries, whatever its content (draft-12 section 7). */
const MANDATORY: Readonly<Record<number, readonly OptionRule[]>> = {
  [M.POOLRESP]: [{ codes: [O.ADDRESSES_TRANSFERRED], rule: 'FO-7.7.1-a' }],
  [M.CONNECT]: [
    { codes: [O.RELATIONSHIP_NAME], rule: 'FO-7.8.1-b' },
    { codes: [O.MAX_UNACKED_BNDUPD], rule: 'FO-7.8.1-c' },
    {
      codes: [O.RECEIVE_TIMER, O.VENDOR_CLASS_IDENTIFIER, O.PROTOCOL_VERSION, O.MCLT],
      rule: 'FO-7.8.1-d',
    },
    { codes: [O.HASH_BUCKET_ASSIGNMENT], rule: 'FO-7.8.1-d' },
  ],
  [M.CONNECTACK]: [{ codes: [O.RELATIONSHIP_NAME, O.PROTOCOL_VERSION], rule: 'FO-7.9.1-a' }],
  [M.STATE]: [
    { codes: [O.SERVER_STATE, O.SERVER_FLAGS, O.START_TIME_OF_STATE], rule: 'FO-7.10.1-a' },
  ],
  [M.DISCONNECT]: [{ codes: [O.REJECT_REASON], rule: 'FO-8.6-c' }],
};

/** TLS-request is mandatory in a draft CONNECT; a Windows partner never sends it (MSF-3.2.7.1-b). */
const CONNECT_TLS_REQUEST: OptionRule = { codes: [O.TLS_REQUEST], rule: 'FO-7.8.1-d' };
const CONNECTACK_ACCEPT_MANDATORY: OptionRule = {
  codes: [O.MAX_UNACKED_BNDUPD, O.RECEIVE_TIMER, O.VENDOR_CLASS_IDENTIFIER],
  rule: 'FO-7.9.1-e',
};
const CONNECTACK_ACCEPT_FORBIDDEN: OptionRule = {
  codes: [O.MESSAGE, O.MCLT, O.HASH_BUCKET_ASSIGNMENT],
  rule: 'FO-7.9.1-e',
};
const CONNECTACK_REJECT_FORBIDDEN: OptionRule = {
  codes: [
    O.MAX_UNACKED_BNDUPD,
    O.RECEIVE_TIMER,
    O.VENDOR_CLASS_IDENTIFIER,
    O.MCLT,
    O.HASH_BUCKET_ASSIGNMENT,
  ],
  rule: 'FO-7.9.1-b',
};
const KNOWN_SERVER_STATES = new Set<number>(Object.values(ServerState));
const FIRST_OPTIONAL_MESSAGE_TYPE = 128;

/**
 * Returns every rule a decoded message breaks, in message order; an empty list means none. It
 * never throws: the caller chooses the reaction (reject a transaction with `rejectReason`, send a
 * rejecting CONNECTACK, close the connection, or log).
 *
 * It checks the mandatory options of each message type, options repeated outside BNDUPD and BNDACK
 * transactions (FO-6.2-c), the transaction layout (FO-6.3-b) and Table 7.1-1 for every BNDUPD
 * transaction, and the position of message-digest (FO-12.17-a). The relaxed BNDUPDs of ISC
 * dhcpd pass unless `strict` is set (ISC-13, ISC-14). An unknown message type yields one FO_ERR_UNKNOWN_MESSAGE_TYPE
 * problem and nothing else (FO-6.1-d).
 */
export function checkMessage(
  message: FailoverMessage,
  profile: WireProfile,
  options: CheckOptions = {},
): MessageProblem[] {
  if (!isKnownMessageType(message.type)) {
    return [unknownTypeProblem(message.type)];
  }

  const name = messageTypeName(message.type);
  const problems = [...messageWideProblems(message, name)];
  if (message.type === M.BNDUPD || message.type === M.BNDACK) {
    return [
      ...problems,
      ...checkTransactions(message, { profile, strict: options.strict ?? false }),
    ];
  }

  problems.push(...repeatedOptionProblems(message.options, name));
  for (const rule of mandatoryRules(message, profile)) {
    problems.push(...missingOptions(message, name, rule));
  }

  return [...problems, ...forbiddenOptions(message, name), ...valueProblems(message, name)];
}

function unknownTypeProblem(type: number): MessageProblem {
  const action =
    type >= FIRST_OPTIONAL_MESSAGE_TYPE ? 'ignore the message' : 'close the connection';
  return {
    code: 'FO_ERR_UNKNOWN_MESSAGE_TYPE',
    rule: type === FIRST_OPTIONAL_MESSAGE_TYPE ? 'E-4' : 'FO-6.1-d',
    message: `message type ${type} is unknown, so the receiver must ${action}`,
  };
}

/** message-digest first (FO-12.17-a, E-7); vendor-specific-options with a vendor (FO-12.29-a). */
function messageWideProblems(message: FailoverMessage, name: string): MessageProblem[] {
  const problems: MessageProblem[] = [];
  const digestIndex = message.options.findIndex((candidate) => candidate.code === O.MESSAGE_DIGEST);
  if (digestIndex > 0) {
    problems.push({
      code: 'FO_ERR_OPTION_ORDER',
      rule: 'FO-12.17-a',
      message: `${name} message-digest is option ${digestIndex + 1}, expected the first option`,
      optionCode: O.MESSAGE_DIGEST,
    });
  }

  if (
    hasOption(message, O.VENDOR_SPECIFIC_OPTIONS) &&
    !hasOption(message, O.VENDOR_CLASS_IDENTIFIER)
  ) {
    problems.push({
      code: 'FO_ERR_MISSING_OPTION',
      rule: 'FO-12.29-a',
      message: `${name} has vendor-specific-options without vendor-class-identifier, so they must be ignored`,
      optionCode: O.VENDOR_CLASS_IDENTIFIER,
    });
  }

  return problems;
}

function isRejectingCONNECTACK(message: FailoverMessage): boolean {
  return message.type === M.CONNECTACK && hasOption(message, O.REJECT_REASON);
}

function mandatoryRules(message: FailoverMessage, profile: WireProfile): readonly OptionRule[] {
  const rules = MANDATORY[message.type] ?? [];
  if (message.type === M.CONNECT && profile === 'isc') {
    return [...rules, CONNECT_TLS_REQUEST];
  }

  if (message.type === M.CONNECTACK) {
    const accepting = !isRejectingCONNECTACK(message);
    return accepting ? [...rules, CONNECTACK_ACCEPT_MANDATORY] : rules;
  }

  return rules;
}

function missingOptions(
  message: FailoverMessage,
  name: string,
  rule: OptionRule,
): MessageProblem[] {
  return rule.codes
    .filter((code) => !hasOption(message, code))
    .map((code) => ({
      code: 'FO_ERR_MISSING_OPTION',
      rule: rule.rule,
      message: `${name} has no ${optionName(code)}, which is mandatory`,
      optionCode: code,
    }));
}

/** CONNECTACK options that the accept or the reject column forbids (draft-12 section 7.9). */
function forbiddenOptions(message: FailoverMessage, name: string): MessageProblem[] {
  if (message.type !== M.CONNECTACK) {
    return [];
  }

  const rejecting = isRejectingCONNECTACK(message);
  const rule = rejecting ? CONNECTACK_REJECT_FORBIDDEN : CONNECTACK_ACCEPT_FORBIDDEN;
  const kind = rejecting ? 'rejecting' : 'accepting';
  return rule.codes
    .filter((code) => hasOption(message, code))
    .map((code) => ({
      code: 'FO_ERR_FORBIDDEN_OPTION',
      rule: rule.rule,
      message: `${kind} ${name} has ${optionName(code)}, which it must not carry`,
      optionCode: code,
    }));
}

/** Values that section 12 restricts in the messages that carry them. */
function valueProblems(message: FailoverMessage, name: string): MessageProblem[] {
  const problems: MessageProblem[] = [];
  const add = (rule: string, code: number, problem: string): void => {
    problems.push({
      code: 'FO_ERR_INVALID_VALUE',
      rule,
      message: `${name} ${problem}`,
      optionCode: code,
    });
  };
  const state = optionValue(message, O.SERVER_STATE);
  if (state === ServerState.STARTUP) {
    add(
      'FO-12.24-a',
      O.SERVER_STATE,
      'server-state 1 (STARTUP), which is signalled by server-flags instead',
    );
  } else if (state !== undefined && !KNOWN_SERVER_STATES.has(state)) {
    add('FO-7.10.1-a', O.SERVER_STATE, `server-state ${state}, expected 2-11 or 254`);
  }

  const flags = optionValue(message, O.SERVER_FLAGS);
  if (flags !== undefined && (flags & ~SERVER_FLAG_STARTUP) !== 0) {
    add(
      'FO-12.23-a',
      O.SERVER_FLAGS,
      `server-flags 0x${flags.toString(16)}, expected bits 1-7 zero`,
    );
  }

  const delay = optionValue(message, O.DELAYED_SERVICE_PARAMETER);
  if (delay === 0) {
    add('FO-12.10-a', O.DELAYED_SERVICE_PARAMETER, 'delayed-service-parameter 0, expected 1-255');
  }

  if (delay !== undefined && !hasOption(message, O.HASH_BUCKET_ASSIGNMENT)) {
    add(
      'FO-12.10-a',
      O.DELAYED_SERVICE_PARAMETER,
      'delayed-service-parameter without hash-bucket-assignment',
    );
  }

  const payload = message.options.filter((candidate) => candidate.code !== O.MESSAGE_DIGEST);
  if (message.type === M.POOLRESP && payload.length > 1) {
    add(
      'FO-7.7.1-a',
      O.ADDRESSES_TRANSFERRED,
      `has ${payload.length} options, expected only addresses-transferred`,
    );
  }

  return problems;
}
