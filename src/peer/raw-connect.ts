// Reads a CONNECT that the codec cannot decode, far enough to check it or reject it with a
// CONNECTACK: ISC dhcpd rejects a CONNECT whose hash-bucket-assignment is not 32 bytes with reason
// 18 rather than closing (ISC-12).

import { MessageType, OptionCode } from '../wire/codes.js';
import type { FailoverMessage, FailoverOption, WireProfile } from '../wire/types.js';
import { FailoverError } from '../errors.js';
import { option } from './options.js';
import { decodeFrame } from './wire-adapter.js';

/**
 * Decodes a CONNECT whose hash-bucket-assignment has the wrong length, keeping that option as raw
 * bytes, so the CONNECT checks still run in the order of FO-7.8.2 and reject it with 18 only at
 * their hash-bucket-assignment step (FO-7.8.2-i). Returns undefined when the rest of the frame does
 * not decode either.
 */
export function lenientCONNECT(
  frame: Uint8Array,
  profile: WireProfile,
): FailoverMessage | undefined {
  const split = splitOption(frame, OptionCode.HASH_BUCKET_ASSIGNMENT);
  if (split === undefined) {
    return undefined;
  }

  try {
    const message = decodeFrame(split.rest, profile);
    return { ...message, options: [...message.options, { code: split.code, raw: split.value }] };
  } catch (error) {
    if (!(error instanceof FailoverError)) {
      throw error;
    }

    return undefined;
  }
}

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

/**
 * Returns the first option of `code` and a copy of the frame without it, its message-length
 * fixed; undefined when the frame has no such option, a second one, or a truncated option.
 */
function splitOption(
  frame: Uint8Array,
  code: number,
): { code: number; value: Uint8Array; rest: Uint8Array } | undefined {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const kept: Uint8Array[] = [frame.subarray(0, Math.max(12, frame[3] ?? 12))];
  let value: Uint8Array | undefined;
  let offset = kept[0]?.length ?? 12;
  while (offset < frame.length) {
    if (offset + 4 > frame.length) {
      return undefined;
    }

    const end = offset + 4 + view.getUint16(offset + 2);
    if (end > frame.length || (view.getUint16(offset) === code && value !== undefined)) {
      return undefined;
    }

    if (view.getUint16(offset) === code) {
      value = frame.slice(offset + 4, end);
    } else {
      kept.push(frame.subarray(offset, end));
    }

    offset = end;
  }

  if (value === undefined) {
    return undefined;
  }

  const rest = new Uint8Array(Buffer.concat(kept));
  new DataView(rest.buffer, rest.byteOffset, rest.byteLength).setUint16(0, rest.length);
  return { code, value, rest };
}
