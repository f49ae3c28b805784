// Whole failover messages: the fixed header of draft-12 section 6.1 followed by the options.

import { DecodeError, FailoverError } from '../errors.js';
import { FIXED_HEADER_LENGTH, MAX_MESSAGE_LENGTH, MIN_MESSAGE_LENGTH } from './codes.js';
import { messageTypeName } from './names.js';
import { decodeOptions, encodeOption } from './options.js';
import type { FailoverMessage, WireProfile } from './types.js';

/** The payload-offset a Windows partner sends although its options start at byte 12 (E-1, OBS-1). */
const WINDOWS_PAYLOAD_OFFSET = 8;

/** Options of decodeMessage: the checks it makes beyond the message layout. */
export interface DecodeOptions {
  /**
   * Raise FO_ERR_REPEATED_OPTION for an option that occurs twice in the message, or in BNDUPD and
   * BNDACK twice in one transaction (FO-6.2-c). A receiver sets it, so that no copy of a repeated
   * option is acted on. Tools that show what was sent leave it unset, and checkMessage reports
   * the repeat instead.
   */
  rejectRepeatedOptions?: boolean;
}

/**
 * Decodes one whole message. `bytes` must hold exactly the message, as MessageFramer returns it.
 * Raises DecodeError, and nothing else, on any input: FO_ERR_MESSAGE_LENGTH, FO_ERR_PAYLOAD_OFFSET,
 * FO_ERR_OPTION_OVERRUN, FO_ERR_OPTION_LENGTH, FO_ERR_OPTION_VALUE or, with
 * `options.rejectRepeatedOptions`, FO_ERR_REPEATED_OPTION. Unknown message types and unknown
 * options decode normally; what to do with them is the receiver's decision (FO-6.1-d).
 */
export function decodeMessage(
  bytes: Uint8Array,
  profile: WireProfile,
  options: DecodeOptions = {},
): FailoverMessage {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  checkMessageLength(view);
  const type = view.getUint8(2);
  const payloadOffset = view.getUint8(3);
  const payloadStart = payloadStartOf(payloadOffset, bytes.length, type);
  const extraHeader = bytes.slice(FIXED_HEADER_LENGTH, Math.max(payloadStart, FIXED_HEADER_LENGTH));
  return {
    type,
    payloadOffset,
    time: view.getUint32(4),
    xid: view.getUint32(8),
    extraHeader,
    options: decodeOptions(
      view,
      payloadStart,
      bytes.length,
      profile,
      type,
      options.rejectRepeatedOptions ?? false,
    ),
  };
}

/** Checks the message-length field: 12..2048 counting itself (FO-6.1-c), equal to the bytes given. */
function checkMessageLength(view: DataView): void {
  const available = view.byteLength;
  const messageType = available >= 3 ? view.getUint8(2) : undefined;
  if (available < MIN_MESSAGE_LENGTH) {
    throw new DecodeError(
      'FO_ERR_MESSAGE_LENGTH',
      `message of ${available} bytes, expected at least ${MIN_MESSAGE_LENGTH} at offset 0`,
      { offset: 0, messageType, rule: 'FO-6.1-c' },
    );
  }

  const length = view.getUint16(0);
  if (length < MIN_MESSAGE_LENGTH || length > MAX_MESSAGE_LENGTH) {
    throw new DecodeError(
      'FO_ERR_MESSAGE_LENGTH',
      `${messageTypeName(view.getUint8(2))} message length ${length}, expected ${MIN_MESSAGE_LENGTH}-${MAX_MESSAGE_LENGTH} at offset 0`,
      { offset: 0, messageType, rule: 'FO-6.1-c' },
    );
  }

  if (length !== available) {
    throw new DecodeError(
      'FO_ERR_MESSAGE_LENGTH',
      `${messageTypeName(view.getUint8(2))} message length ${length}, but ${available} bytes were given at offset 0`,
      { offset: 0, messageType },
    );
  }
}

/**
 * Returns where the options start. 8 means 12, as Windows sends it; a value above 12 leaves extra
 * header bytes that receivers skip; any other value below 12 is malformed (E-1, FO-6.1-i).
 */
function payloadStartOf(payloadOffset: number, length: number, type: number): number {
  if (payloadOffset === WINDOWS_PAYLOAD_OFFSET) {
    return FIXED_HEADER_LENGTH;
  }

  if (payloadOffset < FIXED_HEADER_LENGTH || payloadOffset > length) {
    const expected = `8 or ${FIXED_HEADER_LENGTH}-${length}`;
    throw new DecodeError(
      'FO_ERR_PAYLOAD_OFFSET',
      `${messageTypeName(type)} payload-offset ${payloadOffset}, expected ${expected} at offset 3`,
      { offset: 3, messageType: type, rule: 'E-1' },
    );
  }

  return payloadOffset;
}

/**
 * Encodes a message. The payload-offset field of `message` is not used: the encoder writes 12 in
 * the isc profile and 8 in the microsoft profile (E-1), or 12 + extra bytes when extraHeader is
 * not empty. Raises FailoverError FO_ERR_ENCODE_VALUE for a header or option value out of range,
 * and FO_ERR_ENCODE_LENGTH when the message would exceed 2048 bytes.
 */
export function encodeMessage(message: FailoverMessage, profile: WireProfile): Uint8Array {
  checkHeaderField('type', message.type, 0xff);
  checkHeaderField('time', message.time, 0xffffffff);
  checkHeaderField('xid', message.xid, 0xffffffff);
  const encodedOptions = message.options.map((option) => encodeOption(option, profile));
  const headerLength = FIXED_HEADER_LENGTH + message.extraHeader.length;
  const length = encodedOptions.reduce((sum, bytes) => sum + bytes.length, headerLength);
  checkEncodedLength(message.type, headerLength, length);
  // Written byte by byte: a DataView over `bytes.buffer` costs more than the rest of the
  // encoding for a message this small (see encodeOption).
  const bytes = new Uint8Array(length);
  bytes[0] = length >>> 8;
  bytes[1] = length & 0xff;
  bytes[2] = message.type;
  bytes[3] = payloadOffsetFor(message.extraHeader.length, profile);
  writeUint32(bytes, 4, message.time);
  writeUint32(bytes, 8, message.xid);
  bytes.set(message.extraHeader, FIXED_HEADER_LENGTH);
  let offset = headerLength;
  for (const encoded of encodedOptions) {
    bytes.set(encoded, offset);
    offset += encoded.length;
  }

  return bytes;
}

function writeUint32(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = value >>> 24;
  bytes[offset + 1] = (value >>> 16) & 0xff;
  bytes[offset + 2] = (value >>> 8) & 0xff;
  bytes[offset + 3] = value & 0xff;
}

/** Returns the payload-offset this profile sends: 12 (draft, ISC) or 8 (Windows), E-1. */
export function payloadOffsetFor(extraHeaderLength: number, profile: WireProfile): number {
  if (extraHeaderLength > 0) {
    return FIXED_HEADER_LENGTH + extraHeaderLength;
  }

  return profile === 'microsoft' ? WINDOWS_PAYLOAD_OFFSET : FIXED_HEADER_LENGTH;
}

function checkHeaderField(name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new FailoverError(
      'FO_ERR_ENCODE_VALUE',
      `message ${name} ${value}, expected an integer 0-${max}`,
    );
  }
}

function checkEncodedLength(type: number, headerLength: number, length: number): void {
  if (headerLength > 0xff) {
    throw new FailoverError(
      'FO_ERR_ENCODE_VALUE',
      `${messageTypeName(type)} header length ${headerLength}, expected at most 255 for payload-offset`,
    );
  }

  if (length > MAX_MESSAGE_LENGTH) {
    throw new FailoverError(
      'FO_ERR_ENCODE_LENGTH',
      `${messageTypeName(type)} length ${length}, expected at most ${MAX_MESSAGE_LENGTH} (FO-6.1-c)`,
    );
  }
}
