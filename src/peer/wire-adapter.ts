// The one place the peer calls the wire codec, so the rest of src/peer depends on a few names.

import { FramingError, MessageFramer } from '../wire/framer.js';
import { decodeMessage, encodeMessage } from '../wire/message.js';
import { messageTypeName } from '../wire/names.js';
import type { FailoverMessage, WireProfile } from '../wire/types.js';

export { FramingError };

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

/** Spec mnemonic of a message type ("BNDUPD"), for logs. */
export function messageTypeLabel(type: number): string {
  return messageTypeName(type);
}
