import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../src/errors.js';
import { decodeMessage } from '../../src/wire/message.js';
import type { WireProfile } from '../../src/wire/types.js';

/** A message of `type` whose options area is `payload`, with a correct length field. */
function messageWith(type: number, payload: number[], payloadOffset = 12): Uint8Array {
  const length = 12 + payload.length;
  return Uint8Array.from([
    length >> 8,
    length & 0xff,
    type,
    payloadOffset,
    0,
    0,
    0,
    1,
    0,
    0,
    0,
    2,
    ...payload,
  ]);
}

/** One option with `length` value bytes of 0x01. */
function optionBytes(code: number, length: number): number[] {
  return [code >> 8, code & 0xff, length >> 8, length & 0xff, ...new Array<number>(length).fill(1)];
}

function decodeError(bytes: Uint8Array, profile: WireProfile = 'isc'): DecodeError {
  try {
    decodeMessage(bytes, profile);
  } catch (error) {
    if (error instanceof DecodeError) {
      return error;
    }

    throw error;
  }

  throw new Error('expected a DecodeError');
}

describe('message header', () => {
  it('rejects fewer than 12 bytes with FO_ERR_MESSAGE_LENGTH (FO-6.1-c)', () => {
    const error = decodeError(Uint8Array.from([0x00, 0x0b, 0x0a]));

    expect(error.code).toBe('FO_ERR_MESSAGE_LENGTH');
    expect(error.offset).toBe(0);
    expect(error.messageType).toBe(10);
    expect(error.message).toBe('message of 3 bytes, expected at least 12 at offset 0');
  });

  it.each([0, 11, 2049, 0xffff])('rejects a length field of %i (FO-6.1-c)', (length) => {
    const bytes = messageWith(11, new Array<number>(2100).fill(0)).subarray(
      0,
      Math.max(12, Math.min(length, 2112)),
    );
    const withLength = Uint8Array.from(bytes);
    withLength[0] = length >> 8;
    withLength[1] = length & 0xff;
    const error = decodeError(withLength);

    expect(error.code).toBe('FO_ERR_MESSAGE_LENGTH');
    expect(error.message).toContain(`message length ${length}, expected 12-2048`);
    expect(error.rule).toBe('FO-6.1-c');
  });

  it('accepts the extreme lengths 12 and 2048 (FO-6.1-c)', () => {
    expect(decodeMessage(messageWith(11, []), 'isc').options).toEqual([]);
    expect(decodeMessage(messageWith(11, optionBytes(99, 2032)), 'isc').options).toHaveLength(1);
  });

  it('rejects a length field that disagrees with the byte count', () => {
    const bytes = messageWith(11, [0, 0]);
    const error = decodeError(bytes.subarray(0, 13));

    expect(error.code).toBe('FO_ERR_MESSAGE_LENGTH');
    expect(error.message).toBe('CONTACT message length 14, but 13 bytes were given at offset 0');
  });

  it.each([0, 1, 7, 9, 11])(
    'rejects payload-offset %i with FO_ERR_PAYLOAD_OFFSET (E-1)',
    (payloadOffset) => {
      const error = decodeError(messageWith(3, [], payloadOffset));

      expect(error.code).toBe('FO_ERR_PAYLOAD_OFFSET');
      expect(error.offset).toBe(3);
      expect(error.messageType).toBe(3);
      expect(error.message).toBe(
        `BNDUPD payload-offset ${payloadOffset}, expected 8 or 12-12 at offset 3`,
      );
    },
  );

  it('rejects a payload-offset past the end of the message', () => {
    const error = decodeError(messageWith(11, [0, 0, 0, 0], 17));

    expect(error.code).toBe('FO_ERR_PAYLOAD_OFFSET');
  });

  it('reads payload-offset 8 as 12, as Windows sends it (E-1, FO-6.1-i)', () => {
    const message = decodeMessage(messageWith(11, optionBytes(99, 1), 8), 'isc');

    expect(message.payloadOffset).toBe(8);
    expect(message.options).toEqual([{ code: 99, raw: Uint8Array.of(1) }]);
  });

  it('skips and keeps header bytes before a payload-offset above 12 (E-1, ISC-1)', () => {
    const message = decodeMessage(messageWith(11, [0xaa, 0xbb, ...optionBytes(99, 1)], 14), 'isc');

    expect(message.extraHeader).toEqual(Uint8Array.of(0xaa, 0xbb));
    expect(message.options).toEqual([{ code: 99, raw: Uint8Array.of(1) }]);
  });

  it.each([0, 13, 127, 128, 200, 255])(
    'decodes unknown message type %i for the receiver to judge (FO-6.1-d)',
    (type) => {
      expect(decodeMessage(messageWith(type, optionBytes(2, 4)), 'isc').type).toBe(type);
    },
  );
});

describe('option framing', () => {
  it('rejects an option header cut by the message end with FO_ERR_OPTION_OVERRUN', () => {
    const error = decodeError(messageWith(3, [...optionBytes(3, 1), 0, 3, 0]));

    expect(error.code).toBe('FO_ERR_OPTION_OVERRUN');
    expect(error.offset).toBe(17);
    expect(error.optionCode).toBeUndefined();
    expect(error.message).toBe(
      'BNDUPD option header at offset 17 runs past the message end at offset 20',
    );
  });

  it('rejects an option length that runs past the message end', () => {
    const error = decodeError(messageWith(3, [0, 2, 0, 5, 10, 0, 0, 1]));

    expect(error.code).toBe('FO_ERR_OPTION_OVERRUN');
    expect(error.offset).toBe(12);
    expect(error.optionCode).toBe(2);
    expect(error.messageType).toBe(3);
    expect(error.message).toBe(
      'BNDUPD assigned-IP-address length 5 at offset 12 runs past the message end at offset 20',
    );
  });

  it('rejects a vendor-specific-options entry that runs past the option', () => {
    const error = decodeError(messageWith(5, [0, 29, 0, 6, 0, 1, 0, 3, 9, 9]));

    expect(error.code).toBe('FO_ERR_OPTION_OVERRUN');
    expect(error.optionCode).toBe(29);
    expect(error.offset).toBe(16);
  });
});

const ISC_FIXED_LENGTHS: [number, number][] = [
  [1, 4],
  [2, 4],
  [3, 1],
  [6, 4],
  [10, 1],
  [11, 32],
  [12, 2],
  [13, 4],
  [14, 4],
  [15, 4],
  [18, 4],
  [19, 4],
  [20, 1],
  [21, 1],
  [23, 1],
  [24, 1],
  [25, 4],
  [26, 1],
  [27, 1],
];
const MS_FIXED_LENGTHS: [number, number][] = [
  ...ISC_FIXED_LENGTHS.filter(([code]) => code !== 12),
  [12, 1],
  [33, 4],
  [34, 4],
  [36, 1],
  [38, 4],
  [39, 1],
  [41, 4],
];

describe.each([
  ['isc', ISC_FIXED_LENGTHS],
  ['microsoft', MS_FIXED_LENGTHS],
] as const)('fixed-length options in the %s profile', (profile, lengths) => {
  it.each(lengths)('decodes option %i with its length %i', (code, length) => {
    expect(decodeMessage(messageWith(3, optionBytes(code, length)), profile).options).toHaveLength(
      1,
    );
  });

  it.each(lengths)(
    'rejects option %i with any length but %i (FO_ERR_OPTION_LENGTH)',
    (code, length) => {
      for (const wrong of [0, length - 1, length + 1].filter(
        (candidate) => candidate >= 0 && candidate !== length,
      )) {
        const error = decodeError(messageWith(3, optionBytes(code, wrong)), profile);

        expect(error.code).toBe('FO_ERR_OPTION_LENGTH');
        expect(error.optionCode).toBe(code);
        expect(error.offset).toBe(12);
        expect(error.messageType).toBe(3);
      }
    },
  );
});

describe('variable-length options', () => {
  it('names message type, option, lengths and offset in the error message', () => {
    const error = decodeError(messageWith(3, [...optionBytes(2, 4), ...optionBytes(3, 2)]));

    expect(error.message).toBe('BNDUPD binding-status length 2, expected 1 at offset 20');
  });

  it('rejects IP-flags of 1 byte from an ISC partner and 2 bytes from Windows (E-2)', () => {
    expect(decodeError(messageWith(3, optionBytes(12, 1)), 'isc').rule).toBe('E-2');
    expect(decodeError(messageWith(3, optionBytes(12, 2)), 'microsoft').rule).toBe('E-2');
  });

  it.each([
    ['isc', 5, 0],
    ['microsoft', 5, 4],
    ['isc', 7, 3],
    ['isc', 8, 3],
    ['isc', 9, 1],
    ['isc', 17, 0],
    ['microsoft', 30, 6],
    ['microsoft', 37, 2],
  ] as const)('rejects in the %s profile option %i of length %i', (profile, code, length) => {
    const error = decodeError(messageWith(3, optionBytes(code, length)), profile);

    expect(error.code).toBe('FO_ERR_OPTION_LENGTH');
    expect(error.optionCode).toBe(code);
  });

  it('rejects an HMAC-MD5 message-digest that is not 16 bytes (FO-12.17-a)', () => {
    const error = decodeError(messageWith(11, [0, 17, 0, 16, 1, ...new Array<number>(15).fill(0)]));

    expect(error.code).toBe('FO_ERR_OPTION_LENGTH');
    expect(error.message).toBe('CONTACT message-digest length 16, expected 17 at offset 12');
  });

  it('keeps a digest of another type at any length (AMB-11)', () => {
    const message = decodeMessage(messageWith(11, [0, 17, 0, 3, 2, 0xaa, 0xbb]), 'microsoft');

    expect(message.options).toEqual([
      { code: 17, value: { digestType: 2, digest: Uint8Array.of(0xaa, 0xbb) } },
    ]);
  });

  it.each([22, 28, 31, 32, 35, 40])(
    'rejects UTF-16LE option %i of odd length from Windows (OBS-3, AMB-23)',
    (code) => {
      expect(decodeError(messageWith(5, optionBytes(code, 3)), 'microsoft').code).toBe(
        'FO_ERR_OPTION_LENGTH',
      );
    },
  );

  it('reads relationship-name of odd length from an ISC partner as ASCII (OBS-3)', () => {
    expect(decodeMessage(messageWith(5, [0, 22, 0, 3, 0x61, 0x62, 0x63]), 'isc').options).toEqual([
      { code: 22, value: 'abc' },
    ]);
  });

  it('accepts NAP status of length 1 and 4 (AMB-1)', () => {
    expect(decodeMessage(messageWith(3, [0, 37, 0, 1, 3]), 'microsoft').options).toEqual([
      { code: 37, value: 3 },
    ]);
    expect(decodeMessage(messageWith(3, [0, 37, 0, 4, 0, 0, 0, 2]), 'microsoft').options).toEqual([
      { code: 37, value: 2 },
    ]);
  });

  it('drops one trailing NUL of a Microsoft string and keeps a string without one (AMB-23)', () => {
    const withNul = decodeMessage(messageWith(3, [0, 31, 0, 4, 0x61, 0, 0, 0]), 'microsoft');
    const withoutNul = decodeMessage(messageWith(3, [0, 31, 0, 2, 0x61, 0]), 'microsoft');

    expect(withNul.options).toEqual([{ code: 31, value: 'a' }]);
    expect(withoutNul.options).toEqual([{ code: 31, value: 'a' }]);
  });

  it('rejects client-hardware-address with hardware type 0 (FO-12.5-a)', () => {
    const error = decodeError(messageWith(3, [0, 5, 0, 3, 0, 0xaa, 0xbb]));

    expect(error.code).toBe('FO_ERR_OPTION_VALUE');
    expect(error.offset).toBe(16);
    expect(error.message).toBe(
      'BNDUPD client-hardware-address hardware type 0, expected 1-255 at offset 16',
    );
  });

  it('reads the little-endian scope ID before a Windows client-hardware-address (OBS-2)', () => {
    const message = decodeMessage(
      messageWith(3, [0, 5, 0, 6, 0x00, 0x01, 0xa8, 0xc0, 1, 0xaa]),
      'microsoft',
    );

    expect(message.options).toEqual([
      { code: 5, value: { scopeId: 0xc0a80100, htype: 1, chaddr: Uint8Array.of(0xaa) } },
    ]);
  });

  it('decodes the Windows scope ID list as little-endian addresses (AMB-22)', () => {
    const message = decodeMessage(
      messageWith(9, [0, 30, 0, 4, 0x00, 0x01, 0xa8, 0xc0]),
      'microsoft',
    );

    expect(message.options).toEqual([{ code: 30, value: ['192.168.1.0'] }]);
  });
});
