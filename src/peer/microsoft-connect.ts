// CONNECT and CONNECTACK with a Windows partner ([MS-DHCPF] sections 3.2.5.1, 3.2.7.1, 3.3.5.1):
// no TLS-request is sent and TLS options are ignored, and the partner's parameters are checked
// for presence but not adopted, because both servers hold the same configuration (MSF-1.5-b).
// `handshakeRulesFor` picks these rules or the draft's by the relationship's profile.

import type { RelationshipConfig } from '../config/types.js';
import { OptionCode, RejectReason } from '../wire/codes.js';
import type { FailoverMessage, FailoverOption } from '../wire/types.js';
import {
  buildCONNECTOptions,
  checkCONNECT,
  checkCONNECTACK,
  type CheckResult,
  type LocalParameters,
  type PartnerParameters,
  type SkewLimits,
} from './connect-messages.js';
import { hasOption } from './options.js';

/** The CONNECT builder and the CONNECT and CONNECTACK checks of one profile. */
export interface HandshakeRules {
  buildCONNECTOptions(
    local: LocalParameters,
    mclt: number,
    hashBucketAssignment: Uint8Array,
  ): FailoverOption[];
  checkCONNECT(connect: FailoverMessage, receivedAt: number, limits: SkewLimits): CheckResult;
  checkCONNECTACK(
    connectack: FailoverMessage,
    receivedAt: number,
    maxClockSkew: number,
  ): CheckResult;
}

const DRAFT_RULES: HandshakeRules = { buildCONNECTOptions, checkCONNECT, checkCONNECTACK };

/** CONNECT options that MSF-3.3.5.1-a requires, TLS-request excepted. */
const MICROSOFT_CONNECT_OPTIONS = [
  OptionCode.RELATIONSHIP_NAME,
  OptionCode.MAX_UNACKED_BNDUPD,
  OptionCode.RECEIVE_TIMER,
  OptionCode.VENDOR_CLASS_IDENTIFIER,
  OptionCode.PROTOCOL_VERSION,
  OptionCode.MCLT,
  OptionCode.HASH_BUCKET_ASSIGNMENT,
];

/** Returns the handshake rules of the relationship's profile. */
export function handshakeRulesFor(config: RelationshipConfig): HandshakeRules {
  return config.profile === 'microsoft' ? microsoftRules(config) : DRAFT_RULES;
}

function microsoftRules(config: RelationshipConfig): HandshakeRules {
  return {
    buildCONNECTOptions: (local, mclt, hashBucketAssignment) =>
      // MSF-3.2.7.1-b: CONNECT carries no TLS-request.
      buildCONNECTOptions(local, mclt, hashBucketAssignment).filter(
        (item) => item.code !== OptionCode.TLS_REQUEST,
      ),
    checkCONNECT: (connect, receivedAt, limits) =>
      checkMicrosoftCONNECT(connect, receivedAt, limits, config),
    checkCONNECTACK: (connectack, receivedAt, maxClockSkew) => {
      // MSF-3.2.5.1-a: TLS-reply is ignored; the rest is the draft's check (MSF-3.2.5.1-b).
      const result = checkCONNECTACK(
        without(connectack, [OptionCode.TLS_REPLY, OptionCode.MESSAGE_DIGEST]),
        receivedAt,
        maxClockSkew,
      );
      return result.accepted ? withOwnTimer(result, config) : result;
    },
  };
}

/**
 * Checks a Windows CONNECT as a secondary: every option of MSF-3.3.5.1-a must be there, then the
 * draft's checks run without TLS-request (MSF-3.3.5.1-d) and without the message-digest, which
 * the connection has already verified. The accepted partner parameters are replaced by our own,
 * so the link adopts neither MCLT nor hash-bucket-assignment, and the update window and tSend
 * come from our configuration (MSF-3.3.5.1-b, MSF-3.3.5.1-c).
 */
export function checkMicrosoftCONNECT(
  connect: FailoverMessage,
  receivedAt: number,
  limits: SkewLimits,
  config: RelationshipConfig,
): CheckResult {
  const missing = MICROSOFT_CONNECT_OPTIONS.filter((code) => !hasOption(connect, code));
  if (missing.includes(OptionCode.VENDOR_CLASS_IDENTIFIER)) {
    // The draft's checks cover the other options with their own reject-reasons.
    return {
      accepted: false,
      rejectReason: RejectReason.UNKNOWN_REASON_CONNECT,
      message: 'missing vendor-class-identifier',
      detail: 'CONNECT has no vendor-class-identifier, which MSF-3.3.5.1-a requires',
      rule: 'MSF-3.3.5.1-a',
    };
  }

  const result = checkCONNECT(
    without(connect, [OptionCode.TLS_REQUEST, OptionCode.MESSAGE_DIGEST]),
    receivedAt,
    limits,
  );
  if (!result.accepted) {
    return result;
  }

  const partner: PartnerParameters = {
    maxUnackedUpdates: config.maxUnackedUpdates,
    receiveTimer: result.partner.receiveTimer,
    vendorClassIdentifier: result.partner.vendorClassIdentifier,
    clockDelta: result.partner.clockDelta,
  };
  return withOwnTimer({ ...result, partner }, config);
}

/**
 * Sets the partner's receive-timer to ours: Windows runs tSend at a third of its own tReceive
 * (MSF-3.1.2.5-a), and the link takes tSend from this value.
 */
function withOwnTimer(
  result: Extract<CheckResult, { accepted: true }>,
  config: RelationshipConfig,
): CheckResult {
  return { ...result, partner: { ...result.partner, receiveTimer: config.receiveTimer } };
}

function without(message: FailoverMessage, codes: readonly number[]): FailoverMessage {
  return { ...message, options: message.options.filter((item) => !codes.includes(item.code)) };
}
