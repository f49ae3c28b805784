// CONNECT and CONNECTACK: what a primary sends, how a secondary checks a CONNECT in the order of
// FO-7.8.2, and how a primary checks the CONNECTACK (FO-7.9.2). Pure functions; the link sends.

import { OptionCode, PROTOCOL_VERSION, RejectReason } from '../wire/codes.js';
import type { FailoverMessage, FailoverOption } from '../wire/types.js';
import { HASH_BUCKET_ASSIGNMENT_LENGTH } from './hash-buckets.js';
import { findOption, hasOption, option, optionByteLength, rejectOptions } from './options.js';

/** Parameters this server sends its partner in CONNECT or CONNECTACK. */
export interface LocalParameters {
  relationshipName: string;
  maxUnackedUpdates: number;
  /** receive-timer, seconds (FO-7.8.1-d, FO-7.9.1-e). */
  receiveTimer: number;
  vendorClassIdentifier: string;
}

/** Parameters from the partner's CONNECT or CONNECTACK, after the checks passed. */
export interface PartnerParameters {
  maxUnackedUpdates: number;
  /** The partner's receive-timer, seconds: our tSend is a third of it (E-10, ISC-5). */
  receiveTimer: number;
  vendorClassIdentifier: string | undefined;
  /** Partner clock minus ours, seconds; subtract it from every partner time (FO-7.8.2-g). */
  clockDelta: number;
  /** MCLT from the primary's CONNECT; undefined on the primary's side. */
  mclt?: number;
  /** hash-bucket-assignment from the primary's CONNECT, kept for NORMAL (FO-7.8.2-i). */
  hashBucketAssignment?: Uint8Array;
}

export type CheckResult =
  | { accepted: true; partner: PartnerParameters; tlsRequested: boolean }
  | {
      accepted: false;
      rejectReason: number;
      /** Text for the message option; ISC dhcpd's wording where it has one. */
      message: string;
      /** Details of the problem, for the log. */
      detail: string;
      rule: string;
    };

/** CONNECT options in ISC dhcpd's fixed order (ISC-3, FO-7.8.1-b..d). */
export function buildCONNECTOptions(
  local: LocalParameters,
  mclt: number,
  hashBucketAssignment: Uint8Array,
): FailoverOption[] {
  return [
    option(OptionCode.RELATIONSHIP_NAME, local.relationshipName),
    option(OptionCode.MAX_UNACKED_BNDUPD, local.maxUnackedUpdates),
    option(OptionCode.RECEIVE_TIMER, local.receiveTimer),
    option(OptionCode.VENDOR_CLASS_IDENTIFIER, local.vendorClassIdentifier),
    option(OptionCode.PROTOCOL_VERSION, PROTOCOL_VERSION),
    // This peer has no TLS, so it sends 0. FO-7.8.1-d still requires the option.
    option(OptionCode.TLS_REQUEST, 0),
    option(OptionCode.MCLT, mclt),
    option(OptionCode.HASH_BUCKET_ASSIGNMENT, hashBucketAssignment),
  ];
}

/** Builds an accepting CONNECTACK (FO-7.9.1-a, -e), with TLS-reply 0 when CONNECT had TLS-request. */
export function buildAcceptingCONNECTACKOptions(
  local: LocalParameters,
  connect: FailoverMessage,
): FailoverOption[] {
  const options = [
    option(OptionCode.RELATIONSHIP_NAME, local.relationshipName),
    option(OptionCode.MAX_UNACKED_BNDUPD, local.maxUnackedUpdates),
    option(OptionCode.RECEIVE_TIMER, local.receiveTimer),
    option(OptionCode.VENDOR_CLASS_IDENTIFIER, local.vendorClassIdentifier),
    option(OptionCode.PROTOCOL_VERSION, PROTOCOL_VERSION),
  ];
  if (hasOption(connect, OptionCode.TLS_REQUEST)) {
    options.push(option(OptionCode.TLS_REPLY, 0));
  }

  return options;
}

/**
 * Builds a rejecting CONNECTACK: our configured relationship-name, protocol-version, TLS-reply when
 * CONNECT had TLS-request, reject-reason and message (FO-7.9.1-a, FO-7.9.1-b). ISC dhcpd echoes
 * the received name instead. Sending ours keeps the reply's length independent of the CONNECT, so
 * a long name cannot push the CONNECTACK past 2048 bytes (FO-6.1-c).
 */
export function buildRejectingCONNECTACKOptions(
  local: LocalParameters,
  connect: FailoverMessage,
  rejectReason: number,
  text: string,
): FailoverOption[] {
  const options = [
    option(OptionCode.RELATIONSHIP_NAME, local.relationshipName),
    option(OptionCode.PROTOCOL_VERSION, PROTOCOL_VERSION),
  ];
  if (hasOption(connect, OptionCode.TLS_REQUEST)) {
    options.push(option(OptionCode.TLS_REPLY, 0));
  }

  return [...options, ...rejectOptions(rejectReason, text)];
}

export interface SkewLimits {
  relationshipName: string;
  maxClockSkew: number;
}

function reject(
  rejectReason: number,
  message: string,
  rule: string,
  detail = message,
): CheckResult {
  return { accepted: false, rejectReason, message, detail, rule };
}

/**
 * Checks a CONNECT as a secondary, step by step in the order of FO-7.8.2-c..i, and returns the
 * first rejection or the partner's parameters. `receivedAt` is the local arrival time (step 1).
 */
export function checkCONNECT(
  connect: FailoverMessage,
  receivedAt: number,
  limits: SkewLimits,
): CheckResult {
  const versionCheck = checkProtocolVersion(connect, 'FO-7.8.2-c');
  if (versionCheck !== undefined) {
    return versionCheck;
  }

  // Step 3: this peer has no TLS, so a partner that requires it cannot connect (reason 9).
  const tlsRequest = findOption(connect, OptionCode.TLS_REQUEST);
  if (tlsRequest === 2) {
    return reject(RejectReason.TLS_NOT_SUPPORTED, 'TLS is not supported', 'FO-7.8.2-d');
  }

  // Step 4: a digest cannot be checked, so it is rejected with reason 12.
  // GAP(FO-11-a): the isc profile has no shared secret, because no partner in use sends the
  // HMAC-MD5 digest (ISC dhcpd has none, ISC-3). The microsoft profile checks its digests in the
  // connection, before this step, and removes the option (MSF-3.1.5-a).
  if (hasOption(connect, OptionCode.MESSAGE_DIGEST)) {
    return reject(
      RejectReason.MESSAGE_DIGEST_NOT_SUPPORTED,
      'message digest is not supported',
      'FO-7.8.2-e',
    );
  }

  const name = findOption(connect, OptionCode.RELATIONSHIP_NAME);
  if (name !== limits.relationshipName) {
    return reject(
      RejectReason.INVALID_FAILOVER_PARTNER,
      'unknown failover relationship name',
      'FO-7.8.2-f',
      `relationship-name ${JSON.stringify(name ?? null)}, expected ${JSON.stringify(limits.relationshipName)}`,
    );
  }

  const skewCheck = checkClockSkew(connect.time, receivedAt, limits.maxClockSkew, 'FO-7.8.2-g');
  if (skewCheck !== undefined) {
    return skewCheck;
  }

  return checkCONNECTParameters(connect, receivedAt, tlsRequest !== undefined);
}

function checkCONNECTParameters(
  connect: FailoverMessage,
  receivedAt: number,
  tlsRequested: boolean,
): CheckResult {
  const mclt = findOption(connect, OptionCode.MCLT);
  if (mclt === undefined || mclt === 0) {
    const found = mclt === undefined ? 'missing' : '0';
    return reject(
      RejectReason.INVALID_MCLT,
      'invalid MCLT',
      'FO-7.8.2-h',
      `MCLT ${found}, expected 1 or more`,
    );
  }

  const hashBucketAssignment = findOption(connect, OptionCode.HASH_BUCKET_ASSIGNMENT);
  const hbaLength = optionByteLength(connect, OptionCode.HASH_BUCKET_ASSIGNMENT);
  if (hashBucketAssignment === undefined || hbaLength !== HASH_BUCKET_ASSIGNMENT_LENGTH) {
    const found = hbaLength === undefined ? 'missing' : `length ${hbaLength}`;
    return reject(
      RejectReason.HASH_BUCKET_ASSIGNMENT_CONFLICT,
      'invalid HBA',
      'FO-7.8.2-i',
      `hash-bucket-assignment ${found}, expected 32 bytes`,
    );
  }

  const partner = readPartnerParameters(connect, receivedAt);
  if (typeof partner === 'string') {
    return reject(RejectReason.UNKNOWN_REASON_CONNECT, partner, 'FO-7.8.1-c');
  }

  return { accepted: true, partner: { ...partner, mclt, hashBucketAssignment }, tlsRequested };
}

/**
 * Checks a CONNECTACK as the primary (FO-7.9.2-c..f). A rejection here means: close (after a
 * DISCONNECT with the reason when the skew is too large, FO-7.9.2-f).
 */
export function checkCONNECTACK(
  connectack: FailoverMessage,
  receivedAt: number,
  maxClockSkew: number,
): CheckResult {
  const rejectReason = findOption(connectack, OptionCode.REJECT_REASON);
  if (rejectReason !== undefined) {
    const text = findOption(connectack, OptionCode.MESSAGE) ?? 'no message';
    return reject(rejectReason, text, 'FO-7.9.2-c', `partner rejected CONNECT: ${text}`);
  }

  if (findOption(connectack, OptionCode.TLS_REPLY) === 1) {
    return reject(
      RejectReason.TLS_NOT_SUPPORTED,
      'TLS-reply 1, but no TLS was requested',
      'FO-7.9.2-d',
    );
  }

  const versionCheck = checkProtocolVersion(connectack, 'FO-7.9.2-e');
  if (versionCheck !== undefined) {
    return versionCheck;
  }

  const skewCheck = checkClockSkew(connectack.time, receivedAt, maxClockSkew, 'FO-7.9.2-f');
  if (skewCheck !== undefined) {
    return skewCheck;
  }

  const partner = readPartnerParameters(connectack, receivedAt);
  if (typeof partner === 'string') {
    return reject(RejectReason.UNKNOWN, partner, 'FO-7.9.1-e');
  }

  return { accepted: true, partner, tlsRequested: false };
}

function checkProtocolVersion(message: FailoverMessage, rule: string): CheckResult | undefined {
  const version = findOption(message, OptionCode.PROTOCOL_VERSION);
  if (version === PROTOCOL_VERSION) {
    return undefined;
  }

  const found = version === undefined ? 'missing' : String(version);
  return reject(
    RejectReason.PROTOCOL_VERSION_MISMATCH,
    `protocol-version ${found}, expected ${PROTOCOL_VERSION}`,
    rule,
  );
}

function checkClockSkew(
  partnerTime: number,
  receivedAt: number,
  maxClockSkew: number,
  rule: string,
): CheckResult | undefined {
  const skew = partnerTime - receivedAt;
  if (Math.abs(skew) <= maxClockSkew) {
    return undefined;
  }

  return reject(
    RejectReason.TIME_MISMATCH_TOO_GREAT,
    'time offset too large',
    rule,
    `partner clock ${skew} s from ours, at most ${maxClockSkew} s allowed`,
  );
}

/** Reads max-unacked-bndupd and receive-timer; returns a message naming what is wrong. */
function readPartnerParameters(
  message: FailoverMessage,
  receivedAt: number,
): Omit<PartnerParameters, 'mclt' | 'hashBucketAssignment'> | string {
  const maxUnackedUpdates = findOption(message, OptionCode.MAX_UNACKED_BNDUPD);
  if (maxUnackedUpdates === undefined || maxUnackedUpdates < 1) {
    return `max-unacked-bndupd ${maxUnackedUpdates ?? 'missing'}, expected 1 or more`;
  }

  const receiveTimer = findOption(message, OptionCode.RECEIVE_TIMER);
  if (receiveTimer === undefined || receiveTimer < 1) {
    return `receive-timer ${receiveTimer ?? 'missing'}, expected 1 or more`;
  }

  return {
    maxUnackedUpdates,
    receiveTimer,
    vendorClassIdentifier: findOption(message, OptionCode.VENDOR_CLASS_IDENTIFIER),
    clockDelta: message.time - receivedAt,
  };
}
