// The per-message checks of [MS-DHCPF] section 3.1.5, which apply to every message on a
// connection with a Windows partner, CONNECT and CONNECTACK included (MSF-3.2.5-a, MSF-3.3.5-a):
// the message digest and the clock difference. A message that fails is dropped and the connection
// closes, with no reject-reason (MSF-3.1.5-a, MSF-3.1.5-c, AMB-24).

import type { RelationshipConfig } from '../config/types.js';
import type { SharedSecret } from '../config/shared-secret.js';
import { LogEvent } from '../log.js';
import { encodeMessage } from '../wire/message.js';
import { messageTypeName } from '../wire/names.js';
import type { FailoverMessage } from '../wire/types.js';
import type { ConnectionGuard, GuardRejection } from './connection-guard.js';
import { checkMessageDigest, encodeSignedMessage, hasMessageDigest } from './digest.js';

const DIGEST_PROBLEMS = {
  FO_ERR_DIGEST_MISSING: 'has no message-digest as its first option',
  FO_ERR_DIGEST_FORMAT: 'has a message-digest that is not a 32-byte HMAC-SHA256 of type 2',
  FO_ERR_DIGEST_MISMATCH: 'has a message-digest that does not match the shared secret',
} as const;

/** Returns the guard of the relationship's profile: the microsoft checks, or none for isc. */
export function connectionGuardFor(config: RelationshipConfig): ConnectionGuard | undefined {
  return config.profile === 'microsoft'
    ? new MicrosoftGuard(config.sharedSecret, config.maxClockSkew)
    : undefined;
}

export class MicrosoftGuard implements ConnectionGuard {
  constructor(
    private readonly secret: SharedSecret | undefined,
    private readonly maxClockSkew: number,
  ) {}

  /** Signs every message when a secret is configured (MSF-2.2-d); otherwise sends none (FO-11.1-c). */
  encode(message: FailoverMessage): Uint8Array {
    return this.secret === undefined
      ? encodeMessage(message, 'microsoft')
      : encodeSignedMessage(message, 'microsoft', this.secret);
  }

  check(frame: Uint8Array, receivedAt: number): GuardRejection | undefined {
    return this.checkDigest(frame) ?? this.checkClock(frame, receivedAt);
  }

  private checkDigest(frame: Uint8Array): GuardRejection | undefined {
    if (this.secret === undefined) {
      // FO-11.1-c: without a secret, a digest from the partner fails authentication.
      return hasMessageDigest(frame)
        ? {
            code: 'FO_ERR_DIGEST_NOT_CONFIGURED',
            rule: 'FO-11.1-c',
            message: `${describe(frame)} has a message-digest, but no shared secret is configured`,
            event: LogEvent.AUTH_FAILED,
          }
        : undefined;
    }

    const problem = checkMessageDigest(frame, this.secret);
    if (problem === undefined) {
      return undefined;
    }

    return {
      code: problem,
      rule: 'MSF-3.1.5-a',
      message: `${describe(frame)} ${DIGEST_PROBLEMS[problem]}`,
      event: LogEvent.AUTH_FAILED,
    };
  }

  /** MSF-3.1.5-b, MSF-3.1.5-c: the header time against our clock, on every message. */
  private checkClock(frame: Uint8Array, receivedAt: number): GuardRejection | undefined {
    const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
    const skew = view.getUint32(4) - receivedAt;
    if (Math.abs(skew) <= this.maxClockSkew) {
      return undefined;
    }

    return {
      code: 'FO_ERR_CLOCK_SKEW',
      rule: 'MSF-3.1.5-c',
      message: `${describe(frame)} has time ${skew} s from our clock, expected at most ${this.maxClockSkew} s`,
      event: LogEvent.MESSAGE_REJECTED,
    };
  }
}

/** Names a frame for a log line by its type and xid: "BNDUPD xid 17". */
function describe(frame: Uint8Array): string {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  return `${messageTypeName(frame[2] ?? 0)} xid ${view.getUint32(8)}`;
}
