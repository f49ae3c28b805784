// Codecs of the draft-12 options 1-29 (draft-12 section 12) whose layout is not a plain uint8,
// uint32, address or byte string, and the table of all of them.

import { DecodeError } from '../errors.js';
import { OptionCode } from './codes.js';
import {
  bytesCodec,
  checkFixedLength,
  checkUnsigned,
  copyBytes,
  encodeValueError,
  ipv4Codec,
  optionLengthError,
  optionValueError,
  uint32Codec,
  uint8Codec,
  type OptionCodec,
} from './option-codec.js';
import { messageTypeName } from './names.js';
import { decodeLatin1, decodeUTF16LE, encodeLatin1, encodeUTF16LE } from './text.js';
import type {
  DdnsValue,
  HardwareAddress,
  MessageDigestValue,
  OptionValueMap,
  VendorOption,
} from './types.js';

/** HMAC-MD5, the only message-digest type draft-12 defines; its digest is 16 bytes. */
const DIGEST_TYPE_HMAC_MD5 = 1;
const HMAC_MD5_LENGTH = 16;

/**
 * client-hardware-address (5): htype then chaddr (FO-12.5-a). A Windows partner puts a 4-byte
 * little-endian scope ID in front (OBS-2), so the microsoft profile reads and writes that prefix.
 */
const clientHardwareAddress: OptionCodec<HardwareAddress> = {
  decode(view, offset, length, context) {
    const code = OptionCode.CLIENT_HARDWARE_ADDRESS;
    const prefix = context.profile === 'microsoft' ? 4 : 0;
    if (length < prefix + 1) {
      throw optionLengthError(code, length, `at least ${prefix + 1}`, context, 'FO-12.5-a');
    }

    const htype = view.getUint8(offset + prefix);
    if (htype === 0) {
      throw optionValueError(
        code,
        offset + prefix,
        'hardware type 0, expected 1-255',
        context,
        'FO-12.5-a',
      );
    }

    const chaddr = copyBytes(view, offset + prefix + 1, length - prefix - 1);
    if (prefix === 0) {
      return { htype, chaddr };
    }

    return { htype, chaddr, scopeId: view.getUint32(offset, true) };
  },
  encode(value, profile) {
    const code = OptionCode.CLIENT_HARDWARE_ADDRESS;
    checkUnsigned(code, value.htype, 0xff);
    if (value.htype === 0) {
      throw encodeValueError(code, 'hardware type 0, expected 1-255 (FO-12.5-a)');
    }

    if ((profile === 'microsoft') !== (value.scopeId !== undefined)) {
      throw encodeValueError(
        code,
        'scopeId is required in the microsoft profile and absent otherwise (OBS-2)',
      );
    }

    const prefix = value.scopeId === undefined ? 0 : 4;
    const bytes = new Uint8Array(prefix + 1 + value.chaddr.length);
    if (value.scopeId !== undefined) {
      checkUnsigned(code, value.scopeId, 0xffffffff);
      new DataView(bytes.buffer).setUint32(0, value.scopeId, true);
    }

    bytes[prefix] = value.htype;
    bytes.set(value.chaddr, prefix + 1);
    return bytes;
  },
};

/** DDNS (9): 16-bit flags, then the FQDN in DNS wire encoding kept as bytes. */
const ddns: OptionCodec<DdnsValue> = {
  decode(view, offset, length, context) {
    if (length < 2) {
      throw optionLengthError(OptionCode.DDNS, length, 'at least 2', context);
    }

    return { flags: view.getUint16(offset), fqdn: copyBytes(view, offset + 2, length - 2) };
  },
  encode(value) {
    checkUnsigned(OptionCode.DDNS, value.flags, 0xffff);
    const bytes = new Uint8Array(2 + value.fqdn.length);
    new DataView(bytes.buffer).setUint16(0, value.flags);
    bytes.set(value.fqdn, 2);
    return bytes;
  },
};

/**
 * message-digest (17): type byte, then the digest. Type 1 (HMAC-MD5) has exactly 16 digest bytes;
 * other types keep whatever length they arrive with, because the Windows type 2 is undocumented
 * (AMB-11, OBS-5).
 */
const messageDigest: OptionCodec<MessageDigestValue> = {
  decode(view, offset, length, context) {
    const code = OptionCode.MESSAGE_DIGEST;
    if (length < 1) {
      throw optionLengthError(code, length, 'at least 1', context);
    }

    const digestType = view.getUint8(offset);
    if (digestType === DIGEST_TYPE_HMAC_MD5) {
      checkFixedLength(code, length, 1 + HMAC_MD5_LENGTH, context, 'FO-12.17-a');
    }

    return { digestType, digest: copyBytes(view, offset + 1, length - 1) };
  },
  encode(value) {
    const code = OptionCode.MESSAGE_DIGEST;
    checkUnsigned(code, value.digestType, 0xff);
    if (value.digestType === DIGEST_TYPE_HMAC_MD5 && value.digest.length !== HMAC_MD5_LENGTH) {
      throw encodeValueError(code, `HMAC-MD5 digest length ${value.digest.length}, expected 16`);
    }

    const bytes = new Uint8Array(1 + value.digest.length);
    bytes[0] = value.digestType;
    bytes.set(value.digest, 1);
    return bytes;
  },
};

/**
 * IP-flags (12): 2 bytes with draft and ISC partners, 1 byte with a Windows partner. The length
 * follows the profile, never the message, and any other length is an error (E-2, OBS-4).
 */
const ipFlags: OptionCodec<number> = {
  decode(view, offset, length, context) {
    const expected = context.profile === 'microsoft' ? 1 : 2;
    checkFixedLength(OptionCode.IP_FLAGS, length, expected, context, 'E-2');
    return expected === 1 ? view.getUint8(offset) : view.getUint16(offset);
  },
  encode(value, profile) {
    if (profile === 'microsoft') {
      checkUnsigned(OptionCode.IP_FLAGS, value, 0xff);
      return Uint8Array.of(value);
    }

    checkUnsigned(OptionCode.IP_FLAGS, value, 0xffff);
    return Uint8Array.of(value >> 8, value & 0xff);
  },
};

/** message (16): text in an unstated encoding; ISO-8859-1 keeps every byte of it. */
const messageText: OptionCodec<string> = {
  decode(view, offset, length) {
    return decodeLatin1(copyBytes(view, offset, length));
  },
  encode(value) {
    return encodeText(OptionCode.MESSAGE, value);
  },
};

/**
 * relationship-name (22) and vendor-class-identifier (28): ASCII from ISC, UTF-16LE from Windows
 * (OBS-3). Decoding ASCII as ISO-8859-1 keeps every byte, even one above 0x7f.
 * NOTE: whether Windows ends these two strings with a NUL is not documented (OBS-3 names a NUL
 * only for options 31, 32, 35 and 40). None is sent, and a received NUL stays in the string.
 */
function profileTextCodec(code: number): OptionCodec<string> {
  return {
    decode(view, offset, length, context) {
      if (context.profile === 'isc') {
        return decodeLatin1(copyBytes(view, offset, length));
      }

      if (length % 2 !== 0) {
        throw optionLengthError(code, length, 'an even number for UTF-16LE', context, 'OBS-3');
      }

      return decodeUTF16LE(view, offset, length);
    },
    encode(value, profile) {
      return profile === 'isc' ? encodeText(code, value) : encodeUTF16LE(value, false);
    },
  };
}

function encodeText(code: number, value: string): Uint8Array {
  const bytes = encodeLatin1(value);
  if (bytes === undefined) {
    throw encodeValueError(code, `value "${value}" has a character above U+00FF`);
  }

  return bytes;
}

/** vendor-specific-options (29): nested options with the same 2-byte code, 2-byte length layout. */
const vendorSpecificOptions: OptionCodec<VendorOption[]> = {
  decode(view, offset, length, context) {
    const entries: VendorOption[] = [];
    const end = offset + length;
    let position = offset;
    while (position < end) {
      const dataLength = end - position >= 4 ? view.getUint16(position + 2) : -1;
      if (dataLength < 0 || position + 4 + dataLength > end) {
        throw vendorOverrunError(position, end, context.messageType);
      }

      entries.push({
        code: view.getUint16(position),
        data: copyBytes(view, position + 4, dataLength),
      });
      position += 4 + dataLength;
    }

    return entries;
  },
  encode(value) {
    const code = OptionCode.VENDOR_SPECIFIC_OPTIONS;
    const bytes = new Uint8Array(value.reduce((sum, entry) => sum + 4 + entry.data.length, 0));
    const view = new DataView(bytes.buffer);
    let position = 0;
    for (const entry of value) {
      checkUnsigned(code, entry.code, 0xffff);
      checkUnsigned(code, entry.data.length, 0xffff);
      view.setUint16(position, entry.code);
      view.setUint16(position + 2, entry.data.length);
      bytes.set(entry.data, position + 4);
      position += 4 + entry.data.length;
    }

    return bytes;
  },
};

function vendorOverrunError(position: number, end: number, messageType: number): DecodeError {
  const where = `${messageTypeName(messageType)} vendor-specific-options`;
  return new DecodeError(
    'FO_ERR_OPTION_OVERRUN',
    `${where} entry at offset ${position} runs past the option end at offset ${end}`,
    { offset: position, messageType, optionCode: OptionCode.VENDOR_SPECIFIC_OPTIONS },
  );
}

type DraftOptionCode = Exclude<
  keyof OptionValueMap,
  30 | 31 | 32 | 33 | 34 | 35 | 36 | 37 | 38 | 39 | 40 | 41
>;

/** Codec of every draft-12 option, by code (draft-12 section 12). */
export const DRAFT_OPTION_CODECS: { [C in DraftOptionCode]: OptionCodec<OptionValueMap[C]> } = {
  1: uint32Codec(OptionCode.ADDRESSES_TRANSFERRED),
  2: ipv4Codec(OptionCode.ASSIGNED_IP_ADDRESS),
  3: uint8Codec(OptionCode.BINDING_STATUS),
  4: bytesCodec(OptionCode.CLIENT_IDENTIFIER, 0),
  5: clientHardwareAddress,
  6: uint32Codec(OptionCode.CLIENT_LAST_TRANSACTION_TIME),
  7: bytesCodec(OptionCode.CLIENT_REPLY_OPTIONS, 4),
  8: bytesCodec(OptionCode.CLIENT_REQUEST_OPTIONS, 4),
  9: ddns,
  10: uint8Codec(OptionCode.DELAYED_SERVICE_PARAMETER),
  11: bytesCodec(OptionCode.HASH_BUCKET_ASSIGNMENT, 32, 32),
  12: ipFlags,
  13: uint32Codec(OptionCode.LEASE_EXPIRATION_TIME),
  14: uint32Codec(OptionCode.MAX_UNACKED_BNDUPD),
  15: uint32Codec(OptionCode.MCLT),
  16: messageText,
  17: messageDigest,
  18: uint32Codec(OptionCode.POTENTIAL_EXPIRATION_TIME),
  19: uint32Codec(OptionCode.RECEIVE_TIMER),
  20: uint8Codec(OptionCode.PROTOCOL_VERSION),
  21: uint8Codec(OptionCode.REJECT_REASON),
  22: profileTextCodec(OptionCode.RELATIONSHIP_NAME),
  23: uint8Codec(OptionCode.SERVER_FLAGS),
  24: uint8Codec(OptionCode.SERVER_STATE),
  25: uint32Codec(OptionCode.START_TIME_OF_STATE),
  26: uint8Codec(OptionCode.TLS_REPLY),
  27: uint8Codec(OptionCode.TLS_REQUEST),
  28: profileTextCodec(OptionCode.VENDOR_CLASS_IDENTIFIER),
  29: vendorSpecificOptions,
};
