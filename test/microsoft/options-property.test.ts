// Property tests of every [MS-DHCPF] option (codes 30-41): the byte layout each definition gives,
// the round trip, and the isc profile's raw handling of the same codes.

import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../src/errors.js';
import { MessageType, OptionCode } from '../../src/wire/codes.js';
import { decodeOptions, encodeOption } from '../../src/wire/options.js';
import type { FailoverOption, KnownOption } from '../../src/wire/types.js';

const octet = fc.integer({ min: 0, max: 0xff });
const ipv4 = fc.tuple(octet, octet, octet, octet).map((parts) => parts.join('.'));
const uint32 = fc.integer({ min: 0, max: 0xffffffff });
/** Any UTF-16 code units without NUL, unpaired surrogates included. */
const utf16 = fc.string({
  unit: fc.integer({ min: 1, max: 0xffff }).map((code) => String.fromCharCode(code)),
  maxLength: 40,
});
const STRING_CODES = [31, 32, 35, 40] as const;

function decodeOne(bytes: Uint8Array, profile: 'isc' | 'microsoft' = 'microsoft'): FailoverOption {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const [decoded] = decodeOptions(view, 0, bytes.length, profile, MessageType.BNDUPD);
  if (decoded === undefined) {
    throw new Error('no option decoded');
  }

  return decoded;
}

function lengthOf(bytes: Uint8Array): number {
  return (bytes[2]! << 8) | bytes[3]!;
}

function known(code: number, value: unknown): KnownOption {
  // The tests pair each code with a value of its OptionValueMap type.
  return { code, value } as KnownOption;
}

/** Every Microsoft option, with a value of its type. */
const microsoftOption: fc.Arbitrary<KnownOption> = fc.oneof(
  fc.array(ipv4, { maxLength: 8 }).map((value) => known(30, value)),
  ...STRING_CODES.map((code) => utf16.map((value) => known(code, value))),
  ...[33, 34].map((code) => ipv4.map((value) => known(code, value))),
  ...[36, 39].map((code) => octet.map((value) => known(code, value))),
  ...[37, 38, 41].map((code) => uint32.map((value) => known(code, value))),
);

describe('[MS-DHCPF] options in the microsoft profile', () => {
  test.prop([microsoftOption], { numRuns: 1000 })(
    'decodes the encoding of any option 30-41 to an equal option (MSF-2.2-a)',
    (option) => {
      const bytes = encodeOption(option, 'microsoft');

      expect(decodeOne(bytes)).toEqual(option);
      expect(lengthOf(bytes)).toBe(bytes.length - 4);
    },
  );

  test.prop([fc.array(ipv4, { maxLength: 8 })])(
    'writes scope IDs as 4 little-endian bytes each (MSF-2.2.1-b, MSF-2.2.1-c, AMB-22)',
    (scopes) => {
      const bytes = encodeOption(known(30, scopes), 'microsoft');

      expect(lengthOf(bytes)).toBe(scopes.length * 4);
      scopes.forEach((scope, index) => {
        const value = Array.from(bytes.subarray(4 + index * 4, 8 + index * 4));
        expect(value).toEqual(scope.split('.').map(Number).reverse());
      });
    },
  );

  test.prop([fc.constantFrom(...STRING_CODES), utf16])(
    'writes strings as UTF-16LE with a counted NUL (MSF-2.2.2-c, MSF-2.2.3-c, MSF-2.2.6-c, MSF-2.2.11-c, AMB-23)',
    (code, text) => {
      const bytes = encodeOption(known(code, text), 'microsoft');
      const view = new DataView(bytes.buffer);

      expect(lengthOf(bytes)).toBe((text.length + 1) * 2);
      for (let index = 0; index < text.length; index++) {
        expect(view.getUint16(4 + index * 2, true)).toBe(text.charCodeAt(index));
      }
      expect(view.getUint16(bytes.length - 2)).toBe(0);
    },
  );

  test.prop([fc.constantFrom(...STRING_CODES), utf16])(
    'reads a string without its NUL as the same text (AMB-23)',
    (code, text) => {
      const withNul = encodeOption(known(code, text), 'microsoft');
      const withoutNul = Uint8Array.from(withNul.subarray(0, withNul.length - 2));
      new DataView(withoutNul.buffer).setUint16(2, text.length * 2);

      expect(decodeOne(withoutNul)).toEqual(known(code, text));
    },
  );

  test.prop([fc.constantFrom(33, 34), ipv4])(
    'writes subnet mask and server IP as 4 bytes in network order (MSF-2.2.4-b, MSF-2.2.5-b, AMB-12)',
    (code, address) => {
      const bytes = encodeOption(known(code, address), 'microsoft');

      expect(lengthOf(bytes)).toBe(4);
      expect(Array.from(bytes.subarray(4))).toEqual(address.split('.').map(Number));
    },
  );

  test.prop([fc.constantFrom(36, 39), octet])(
    'writes client type and NAP capable as 1 byte (MSF-2.2.7-b, MSF-2.2.10-b)',
    (code, value) => {
      const bytes = encodeOption(known(code, value), 'microsoft');

      expect(lengthOf(bytes)).toBe(1);
      expect(bytes[4]).toBe(value);
    },
  );

  test.prop([fc.constantFrom(38, 41), uint32])(
    'writes NAP probation and extended address state as 4 big-endian bytes (MSF-2.2.9-b, MSF-2.2.12-b)',
    (code, value) => {
      const bytes = encodeOption(known(code, value), 'microsoft');

      expect(lengthOf(bytes)).toBe(4);
      expect(new DataView(bytes.buffer).getUint32(4)).toBe(value);
    },
  );

  test.prop([octet])(
    'writes NAP status as 1 byte and reads the 4-byte form too (MSF-2.2.8-b, AMB-1)',
    (value) => {
      const bytes = encodeOption(known(37, value), 'microsoft');
      const wide = Uint8Array.of(0x00, 0x25, 0x00, 0x04, 0, 0, 0, value);

      expect(lengthOf(bytes)).toBe(1);
      expect(decodeOne(wide)).toEqual(known(37, value));
    },
  );

  test.prop([fc.integer({ min: 30, max: 41 }), fc.uint8Array({ maxLength: 12 })], {
    numRuns: 2000,
  })('decodes any value bytes of codes 30-41 or raises a DecodeError', (code, value) => {
    const bytes = Uint8Array.of(0, code, 0, value.length, ...value);
    try {
      const decoded = decodeOne(bytes);
      expect(decoded.code).toBe(code);
    } catch (error) {
      expect(error).toBeInstanceOf(DecodeError);
    }
  });
});

describe('[MS-DHCPF] option codes', () => {
  it('are 30 to 41 in the order of [MS-DHCPF] section 2.2 (MSF-2.2.1-a, MSF-2.2.2-a, MSF-2.2.3-a, MSF-2.2.4-a, MSF-2.2.5-a, MSF-2.2.6-a, MSF-2.2.7-a, MSF-2.2.8-a, MSF-2.2.9-a, MSF-2.2.10-a, MSF-2.2.11-a, MSF-2.2.12-a)', () => {
    expect([
      OptionCode.MS_SCOPE_ID_LIST,
      OptionCode.MS_CLIENT_NAME,
      OptionCode.MS_CLIENT_DESCRIPTION,
      OptionCode.MS_CLIENT_SUBNET_MASK,
      OptionCode.MS_SERVER_IP,
      OptionCode.MS_SERVER_NAME,
      OptionCode.MS_CLIENT_TYPE,
      OptionCode.MS_CLIENT_NAP_STATUS,
      OptionCode.MS_CLIENT_NAP_PROBATION,
      OptionCode.MS_CLIENT_NAP_CAPABLE,
      OptionCode.MS_CLIENT_MATCHED_POLICY,
      OptionCode.MS_EXTENDED_ADDRESS_STATE,
    ]).toEqual([30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41]);
  });

  test.prop([microsoftOption])(
    'writes the code and the byte count of the value in the option header (MSF-2.2.1-b, MSF-2.2.2-b, MSF-2.2.3-b, MSF-2.2.6-b, MSF-2.2.11-b)',
    (option) => {
      const bytes = encodeOption(option, 'microsoft');

      expect((bytes[0]! << 8) | bytes[1]!).toBe(option.code);
      expect(lengthOf(bytes)).toBe(bytes.length - 4);
    },
  );
});

describe('[MS-DHCPF] option codes in the isc profile', () => {
  test.prop([fc.integer({ min: 30, max: 41 }), fc.uint8Array({ maxLength: 12 })])(
    'keeps codes 30-41 raw and re-encodes them byte for byte (AMB-21)',
    (code, value) => {
      const bytes = Uint8Array.of(0, code, 0, value.length, ...value);
      const decoded = decodeOne(bytes, 'isc');

      expect(decoded).toEqual({ code, raw: value });
      expect(encodeOption(decoded, 'isc')).toEqual(bytes);
    },
  );
});
