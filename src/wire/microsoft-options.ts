// Codecs of the [MS-DHCPF] options 30-41 ([MS-DHCPF] section 2.2). The codec decodes them only in
// the microsoft profile, because other vendors reuse these private codes (AMB-21).

import { OptionCode } from './codes.js';
import { formatIPv4LittleEndian, parseIPv4 } from './ipv4.js';
import {
  checkUnsigned,
  encodeValueError,
  ipv4Codec,
  optionLengthError,
  uint32Codec,
  uint8Codec,
  type OptionCodec,
} from './option-codec.js';
import { decodeUTF16LE, encodeUTF16LE } from './text.js';
import type { OptionValueMap } from './types.js';

/**
 * MS scope ID list (30): IPv4 scope IDs in the sender's host byte order, which is little-endian on
 * every Windows machine (MSF-2.2.1-c, AMB-22).
 */
const scopeIdList: OptionCodec<string[]> = {
  decode(view, offset, length, context) {
    if (length % 4 !== 0) {
      throw optionLengthError(
        OptionCode.MS_SCOPE_ID_LIST,
        length,
        'a multiple of 4',
        context,
        'AMB-22',
      );
    }

    const scopes: string[] = [];
    for (let position = offset; position < offset + length; position += 4) {
      scopes.push(formatIPv4LittleEndian(view, position));
    }

    return scopes;
  },
  encode(value) {
    const bytes = new Uint8Array(value.length * 4);
    value.forEach((scope, index) => {
      const address = parseIPv4(scope);
      if (address === undefined) {
        throw encodeValueError(
          OptionCode.MS_SCOPE_ID_LIST,
          `entry "${scope}", expected a dotted-quad IPv4 address`,
        );
      }

      bytes.set(address.reverse(), index * 4);
    });
    return bytes;
  },
};

/**
 * MS strings (31, 32, 35, 40): UTF-16LE whose length counts a 2-byte NUL terminator. Decoding
 * drops one trailing NUL when present, and encoding always appends one (AMB-23).
 */
function terminatedUTF16Codec(code: number): OptionCodec<string> {
  return {
    decode(view, offset, length, context) {
      if (length % 2 !== 0) {
        throw optionLengthError(code, length, 'an even number for UTF-16LE', context, 'AMB-23');
      }

      const hasNul = length >= 2 && view.getUint16(offset + length - 2, true) === 0;
      return decodeUTF16LE(view, offset, hasNul ? length - 2 : length);
    },
    encode(value) {
      return encodeUTF16LE(value, true);
    },
  };
}

/**
 * MS client NAP status (37): the text requires length 4 but the figure, the example and Windows
 * use 1, so both are accepted and 1 is sent whenever the value fits in a byte (AMB-1).
 */
const napStatus: OptionCodec<number> = {
  decode(view, offset, length, context) {
    if (length === 1) {
      return view.getUint8(offset);
    }

    if (length === 4) {
      return view.getUint32(offset);
    }

    throw optionLengthError(OptionCode.MS_CLIENT_NAP_STATUS, length, '1 or 4', context, 'AMB-1');
  },
  encode(value) {
    checkUnsigned(OptionCode.MS_CLIENT_NAP_STATUS, value, 0xffffffff);
    if (value <= 0xff) {
      return Uint8Array.of(value);
    }

    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setUint32(0, value);
    return bytes;
  },
};

type MicrosoftOptionCode = 30 | 31 | 32 | 33 | 34 | 35 | 36 | 37 | 38 | 39 | 40 | 41;

/** Codec of every [MS-DHCPF] option, by code. */
export const MICROSOFT_OPTION_CODECS: {
  [C in MicrosoftOptionCode]: OptionCodec<OptionValueMap[C]>;
} = {
  30: scopeIdList,
  31: terminatedUTF16Codec(OptionCode.MS_CLIENT_NAME),
  32: terminatedUTF16Codec(OptionCode.MS_CLIENT_DESCRIPTION),
  33: ipv4Codec(OptionCode.MS_CLIENT_SUBNET_MASK),
  34: ipv4Codec(OptionCode.MS_SERVER_IP),
  35: terminatedUTF16Codec(OptionCode.MS_SERVER_NAME),
  36: uint8Codec(OptionCode.MS_CLIENT_TYPE),
  37: napStatus,
  38: uint32Codec(OptionCode.MS_CLIENT_NAP_PROBATION),
  39: uint8Codec(OptionCode.MS_CLIENT_NAP_CAPABLE),
  40: terminatedUTF16Codec(OptionCode.MS_CLIENT_MATCHED_POLICY),
  41: uint32Codec(OptionCode.MS_EXTENDED_ADDRESS_STATE),
};

/** Returns whether a code is one of the [MS-DHCPF] options 30-41. */
export function isMicrosoftOptionCode(code: number): code is MicrosoftOptionCode {
  return code >= OptionCode.MS_SCOPE_ID_LIST && code <= OptionCode.MS_EXTENDED_ADDRESS_STATE;
}
