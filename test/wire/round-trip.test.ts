import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { decodeMessage, encodeMessage } from '../../src/wire/message.js';
import type { WireProfile } from '../../src/wire/types.js';
import { messageArbitrary } from './arbitraries.js';

const profiles: WireProfile[] = ['isc', 'microsoft'];

describe.each(profiles)('codec round trip in the %s profile', (profile) => {
  test.prop([messageArbitrary(profile)], { numRuns: 500 })(
    'decodes the encoding of any valid message to an equal message',
    (message) => {
      expect(decodeMessage(encodeMessage(message, profile), profile)).toEqual(message);
    },
  );

  test.prop([messageArbitrary(profile)], { numRuns: 300 })(
    'encodes the decoding of its own bytes to the same bytes',
    (message) => {
      const bytes = encodeMessage(message, profile);

      expect(encodeMessage(decodeMessage(bytes, profile), profile)).toEqual(bytes);
    },
  );

  test.prop([messageArbitrary(profile)], { numRuns: 200 })(
    'writes the message length into the first two bytes (FO-6.1-c)',
    (message) => {
      const bytes = encodeMessage(message, profile);

      expect((bytes[0]! << 8) | bytes[1]!).toBe(bytes.length);
    },
  );
});

describe('profile differences', () => {
  test.prop([fc.integer({ min: 0, max: 0xff })])(
    'sends IP-flags as 2 bytes to ISC and 1 byte to Windows (E-2)',
    (flags) => {
      const message = {
        type: 3,
        payloadOffset: 12,
        time: 0,
        xid: 1,
        extraHeader: new Uint8Array(0),
        options: [{ code: 12 as const, value: flags }],
      };

      expect(encodeMessage(message, 'isc')).toHaveLength(18);
      expect(encodeMessage(message, 'microsoft')).toHaveLength(17);
    },
  );
});
