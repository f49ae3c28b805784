// The one place the peer calls the wire codec, so the rest of src/peer depends on a few names.

import { FramingError, MessageFramer } from '../wire/framer.js';
import { FailoverError } from '../errors.js';
import { decodeMessage, encodeMessage } from '../wire/message.js';
import { encodeOption } from '../wire/options.js';
import { messageTypeName } from '../wire/names.js';
import type { FailoverMessage, FailoverOption, WireProfile } from '../wire/types.js';

export { FramingError };

/** The fixed message header: length, type, payload-offset, time and xid (draft-12 section 6.1). */
const HEADER_LENGTH = 12;

export interface Framer {
  /** Returns the frames this chunk completes; raises FramingError on a bad message-length. */
  push(chunk: Uint8Array): Uint8Array[];
}

export function createFramer(): Framer {
  return new MessageFramer();
}

/**
 * Decodes one received frame; raises DecodeError for malformed bytes. A repeated option is one of
 * them, so that neither copy is acted on and the connection closes (FO-6.2-c).
 */
export function decodeFrame(frame: Uint8Array, profile: WireProfile): FailoverMessage {
  return decodeMessage(frame, profile, { rejectRepeatedOptions: true });
}

export function encodeFrame(message: FailoverMessage, profile: WireProfile): Uint8Array {
  return encodeMessage(message, profile);
}

/**
 * Returns the length in bytes that a message with these options would have, header included, or
 * undefined when one of the options cannot be encoded. It is for the log of a message that failed
 * to encode.
 */
export function encodedLength(options: FailoverOption[], profile: WireProfile): number | undefined {
  try {
    return options.reduce((sum, item) => sum + encodeOption(item, profile).length, HEADER_LENGTH);
  } catch (error) {
    if (!(error instanceof FailoverError)) {
      throw error;
    }

    return undefined;
  }
}

/** Spec mnemonic of a message type ("BNDUPD"), for logs. */
export function messageTypeLabel(type: number): string {
  return messageTypeName(type);
}
