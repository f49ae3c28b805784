// The message-digest (17) of the microsoft profile: HMAC-SHA256 keyed with the relationship's
// shared secret (MSF-2.2-c, MSF-2.2-d, MSF-2.2-e).
//
// NOTE: [MS-DHCPF] leaves the construction undocumented (AMB-11), and this one has not been
// checked against a Windows server. Every choice below is this module's alone, so a capture of
// real Windows traffic can correct them here without touching any other file:
//   - digest type byte 2, the value Wireshark labels "Microsoft-specific" (OBS-5);
//   - 32 digest bytes, the whole SHA-256 output;
//   - the option is the first option of the message (FO-11.1-b, E-7);
//   - HMAC key = the secret's UTF-8 bytes; HMAC data = the whole message, header included, with
//     the 32 digest bytes set to zero. The secret is not appended to the data (the variant E-8
//     leaves open).

import { createHmac, timingSafeEqual } from 'node:crypto';
import type { SharedSecret } from '../config/shared-secret.js';
import { FIXED_HEADER_LENGTH, OptionCode } from '../wire/codes.js';
import { encodeMessage } from '../wire/message.js';
import type { FailoverMessage, WireProfile } from '../wire/types.js';

/** Digest type byte of HMAC-SHA256 (OBS-5, unverified against Windows). */
export const HMAC_SHA256_DIGEST_TYPE = 2;
export const HMAC_SHA256_LENGTH = 32;

/** The payload-offset a Windows partner writes although its options start at byte 12 (OBS-1). */
const WINDOWS_PAYLOAD_OFFSET = 8;
const OPTION_HEADER_LENGTH = 4;
/** Value length of the digest option: the type byte and the digest. */
const DIGEST_VALUE_LENGTH = 1 + HMAC_SHA256_LENGTH;

/** Reason a received message failed the digest check, a stable code for logs and tests. */
export type DigestProblem =
  /** No message-digest option in the first position (MSF-3.1.5-a, FO-11.1-b). */
  | 'FO_ERR_DIGEST_MISSING'
  /** A message-digest option that is not a 33-byte type 2 value. */
  | 'FO_ERR_DIGEST_FORMAT'
  /** The digest does not match the HMAC computed with our secret (MSF-3.1.5-a). */
  | 'FO_ERR_DIGEST_MISMATCH';

/**
 * Encodes a message with a digest as its first option, in place of any message-digest among its
 * options. Raises what encodeMessage raises.
 */
export function encodeSignedMessage(
  message: FailoverMessage,
  profile: WireProfile,
  secret: SharedSecret,
): Uint8Array {
  const placeholder = {
    code: OptionCode.MESSAGE_DIGEST,
    value: {
      digestType: HMAC_SHA256_DIGEST_TYPE,
      digest: new Uint8Array(HMAC_SHA256_LENGTH),
    },
  } as const;
  const options = message.options.filter((item) => item.code !== OptionCode.MESSAGE_DIGEST);
  const bytes = encodeMessage({ ...message, options: [placeholder, ...options] }, profile);
  const digestOffset = payloadStartOf(bytes) + OPTION_HEADER_LENGTH + 1;
  bytes.set(hmacOf(bytes, digestOffset, secret), digestOffset);
  return bytes;
}

/** Checks the digest of one received frame; returns undefined when it is valid. */
export function checkMessageDigest(
  frame: Uint8Array,
  secret: SharedSecret,
): DigestProblem | undefined {
  const start = payloadStartOf(frame);
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  if (start + OPTION_HEADER_LENGTH > frame.length) {
    return 'FO_ERR_DIGEST_MISSING';
  }

  if (view.getUint16(start) !== OptionCode.MESSAGE_DIGEST) {
    return 'FO_ERR_DIGEST_MISSING';
  }

  const length = view.getUint16(start + 2);
  const digestOffset = start + OPTION_HEADER_LENGTH + 1;
  const typeOffset = start + OPTION_HEADER_LENGTH;
  if (
    length !== DIGEST_VALUE_LENGTH ||
    digestOffset + HMAC_SHA256_LENGTH > frame.length ||
    frame[typeOffset] !== HMAC_SHA256_DIGEST_TYPE
  ) {
    return 'FO_ERR_DIGEST_FORMAT';
  }

  const received = frame.slice(digestOffset, digestOffset + HMAC_SHA256_LENGTH);
  const expected = hmacOf(frame, digestOffset, secret);
  return timingSafeEqual(received, expected) ? undefined : 'FO_ERR_DIGEST_MISMATCH';
}

/**
 * Returns whether any option of the frame is a message-digest, wherever it sits. A frame whose
 * options run past its end counts up to the first broken one; the decoder reports the rest.
 */
export function hasMessageDigest(frame: Uint8Array): boolean {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  let offset = payloadStartOf(frame);
  while (offset + OPTION_HEADER_LENGTH <= frame.length) {
    if (view.getUint16(offset) === OptionCode.MESSAGE_DIGEST) {
      return true;
    }

    offset += OPTION_HEADER_LENGTH + view.getUint16(offset + 2);
  }

  return false;
}

/** HMAC-SHA256 of the whole message, computed on a copy whose digest bytes are zero. */
function hmacOf(bytes: Uint8Array, digestOffset: number, secret: SharedSecret): Uint8Array {
  const zeroed = Uint8Array.from(bytes).fill(0, digestOffset, digestOffset + HMAC_SHA256_LENGTH);
  return createHmac('sha256', secret.keyBytes()).update(zeroed).digest();
}

/** Returns where the options start: payload-offset 8 means byte 12, as Windows sends it (OBS-1). */
function payloadStartOf(bytes: Uint8Array): number {
  const payloadOffset = bytes[3] ?? FIXED_HEADER_LENGTH;
  return payloadOffset === WINDOWS_PAYLOAD_OFFSET ? FIXED_HEADER_LENGTH : payloadOffset;
}
