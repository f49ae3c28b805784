// The option area of a message: a run of 2-byte code, 2-byte length, value (draft-12 section 6.2).
// Options the profile decodes become typed values; the others stay raw bytes.

import { DecodeError } from '../errors.js';
import { DRAFT_OPTION_CODECS } from './draft-options.js';
import { isMicrosoftOptionCode, MICROSOFT_OPTION_CODECS } from './microsoft-options.js';
import { messageTypeName, optionName } from './names.js';
import { checkUnsigned, copyBytes, encodeValueError, type OptionCodec } from './option-codec.js';
import { RepeatedOptionCheck } from './repeated-option.js';
import type { FailoverOption, KnownOption, OptionValueMap, WireProfile } from './types.js';

/** Length of an option's code and length fields. */
export const OPTION_HEADER_LENGTH = 4;

const OPTION_CODECS: { [C in keyof OptionValueMap]: OptionCodec<OptionValueMap[C]> } = {
  ...DRAFT_OPTION_CODECS,
  ...MICROSOFT_OPTION_CODECS,
};

/** A known option of one code; `KnownOption` is the union of these over every code. */
export type OptionOf<C extends keyof OptionValueMap> = {
  [K in keyof OptionValueMap]: { code: K; value: OptionValueMap[K] };
}[C];

/**
 * Returns whether the profile decodes this code to a typed value. Codes 30-41 are decoded only in the
 * microsoft profile (AMB-21); unknown codes never are and stay raw so they can be re-sent
 * (FO-6.1-a).
 */
export function isDecodedCode(code: number, profile: WireProfile): code is keyof OptionValueMap {
  if (isMicrosoftOptionCode(code)) {
    return profile === 'microsoft';
  }

  return code >= 1 && code <= 29;
}

/**
 * Decodes the options between `start` and `end` of a message. Raises DecodeError with
 * FO_ERR_OPTION_OVERRUN when an option's header or value runs past `end`, whatever the option's
 * codec raises for bad value bytes, and, when `rejectRepeated` is set, FO_ERR_REPEATED_OPTION for an
 * option that occurs twice in its message or transaction (FO-6.2-c).
 */
export function decodeOptions(
  view: DataView,
  start: number,
  end: number,
  profile: WireProfile,
  messageType: number,
  rejectRepeated = false,
): FailoverOption[] {
  const options: FailoverOption[] = [];
  const repeats = rejectRepeated ? new RepeatedOptionCheck(messageType) : undefined;
  let offset = start;
  while (offset < end) {
    if (end - offset < OPTION_HEADER_LENGTH) {
      throw overrunError(offset, end, messageType, undefined);
    }

    const code = view.getUint16(offset);
    const length = view.getUint16(offset + 2);
    const valueOffset = offset + OPTION_HEADER_LENGTH;
    if (valueOffset + length > end) {
      throw overrunError(offset, end, messageType, code, length);
    }

    repeats?.note(code, offset);
    const context = { profile, messageType, optionOffset: offset };
    options.push(
      isDecodedCode(code, profile)
        ? decodeKnown(code, view, valueOffset, length, context)
        : { code, raw: copyBytes(view, valueOffset, length) },
    );
    offset = valueOffset + length;
  }

  return options;
}

function decodeKnown<C extends keyof OptionValueMap>(
  code: C,
  view: DataView,
  offset: number,
  length: number,
  context: { profile: WireProfile; messageType: number; optionOffset: number },
): OptionOf<C> {
  const codec: OptionCodec<OptionValueMap[C]> = OPTION_CODECS[code];
  const value = codec.decode(view, offset, length, context);
  // TypeScript cannot build a member of a correlated union from a generic code; the table type
  // guarantees that the codec of code C returns OptionValueMap[C].
  return { code, value } as OptionOf<C>;
}

function overrunError(
  offset: number,
  end: number,
  messageType: number,
  code: number | undefined,
  length?: number,
): DecodeError {
  const where = messageTypeName(messageType);
  const message =
    code === undefined
      ? `${where} option header at offset ${offset} runs past the message end at offset ${end}`
      : `${where} ${optionName(code)} length ${length} at offset ${offset} runs past the message end at offset ${end}`;
  return new DecodeError('FO_ERR_OPTION_OVERRUN', message, {
    offset,
    messageType,
    optionCode: code,
  });
}

/**
 * Encodes one option with its code and length. A raw option is written byte for byte; a known
 * option through its codec. Raises FailoverError FO_ERR_ENCODE_VALUE for a value the option cannot
 * carry, and for a typed option 30-41 outside the microsoft profile (AMB-21).
 */
export function encodeOption(option: FailoverOption, profile: WireProfile): Uint8Array {
  const value = 'raw' in option ? option.raw : encodeKnownValue(option, profile);
  checkUnsigned(option.code, option.code, 0xffff);
  if (value.length > 0xffff) {
    throw encodeValueError(option.code, `length ${value.length}, expected at most 65535`);
  }

  // Shifts instead of a DataView: `bytes.buffer` would move this small on-heap array to a
  // separate backing store, which made that one access most of the encoding time.
  const bytes = new Uint8Array(OPTION_HEADER_LENGTH + value.length);
  bytes[0] = option.code >>> 8;
  bytes[1] = option.code & 0xff;
  bytes[2] = value.length >>> 8;
  bytes[3] = value.length & 0xff;
  bytes.set(value, OPTION_HEADER_LENGTH);
  return bytes;
}

function encodeKnownValue<C extends keyof OptionValueMap>(
  option: OptionOf<C>,
  profile: WireProfile,
): Uint8Array {
  if (!isDecodedCode(option.code, profile)) {
    throw encodeValueError(
      option.code,
      `has a typed value, but the ${profile} profile sends it only as raw bytes (AMB-21)`,
    );
  }

  const codec: OptionCodec<OptionValueMap[C]> = OPTION_CODECS[option.code];
  return codec.encode(option.value, profile);
}

/** Narrows an option to the typed option of one code; false for raw options of that code. */
export function isOptionOf<C extends keyof OptionValueMap>(
  option: FailoverOption,
  code: C,
): option is OptionOf<C> {
  return option.code === code && 'value' in option;
}

/** Builds a typed option; a shorthand that checks the value type against the code. */
export function option<C extends keyof OptionValueMap>(
  code: C,
  value: OptionValueMap[C],
): KnownOption {
  // Safe for the same reason as in decodeKnown: the value type is OptionValueMap[C].
  return { code, value } as OptionOf<C>;
}
