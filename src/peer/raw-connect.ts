// Reads a CONNECT that the codec cannot decode, far enough to reject it with a CONNECTACK: ISC dhcpd rejects a
// CONNECT whose hash-bucket-assignment is not 32 bytes with reason 18 rather than closing (ISC-12).

import { MessageType, OptionCode } from '../wire/codes.js';
import type { FailoverMessage, FailoverOption } from '../wire/types.js';
import { option } from './options.js';

/**
 * Returns the CONNECT's header with the two options a rejecting CONNECTACK echoes, read from the raw
 * option list: relationship-name and whether TLS-request was present (FO-7.9.1-b).
 */
export function headerOnlyCONNECT(frame: Uint8Array): FailoverMessage {
  const raw = rawOptionsOf(frame);
  const options: FailoverOption[] = [];
  const name = raw.get(OptionCode.RELATIONSHIP_NAME);
  if (name !== undefined) {
    options.push(option(OptionCode.RELATIONSHIP_NAME, Buffer.from(name).toString('latin1')));
  }

  if (raw.has(OptionCode.TLS_REQUEST)) {
    options.push(option(OptionCode.TLS_REQUEST, 0));
  }

  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  return {
    type: MessageType.CONNECT,
    payloadOffset: 12,
    time: view.getUint32(4),
    xid: view.getUint32(8),
    extraHeader: new Uint8Array(0),
    options,
  };
}

/** Option values by code, from a frame whose options may not decode; the first of each code. */
function rawOptionsOf(frame: Uint8Array): Map<number, Uint8Array> {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const options = new Map<number, Uint8Array>();
  let offset = Math.max(12, frame[3] ?? 12);
  while (offset + 4 <= frame.length) {
    const code = view.getUint16(offset);
    const length = view.getUint16(offset + 2);
    const end = offset + 4 + length;
    if (end > frame.length) {
      break;
    }

    if (!options.has(code)) {
      options.set(code, frame.subarray(offset + 4, end));
    }

    offset = end;
  }

  return options;
}
