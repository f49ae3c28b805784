import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { DecodeError } from '../../src/errors.js';
import { decodeMessage, encodeMessage } from '../../src/wire/message.js';
import type { WireProfile } from '../../src/wire/types.js';
import { ISC_BNDUPD_BYTES } from '../fixtures/wire/isc-bndupd.js';
import { ISC_CONNECT_BYTES } from '../fixtures/wire/isc-connect.js';
import { MS_BNDUPD_BYTES, MS_CONNECT_BYTES } from '../fixtures/wire/microsoft.js';
import { messageArbitrary } from './arbitraries.js';

const profiles: WireProfile[] = ['isc', 'microsoft'];

/** Decodes and returns the error, failing the test for anything thrown that is not a DecodeError. */
function decodeOrError(bytes: Uint8Array, profile: WireProfile): DecodeError | undefined {
  try {
    decodeMessage(bytes, profile);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(DecodeError);
    return error as DecodeError;
  }
}

/** Changes up to 8 bytes at random offsets, and sometimes the length of the input. */
function mutated(base: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  const edit = fc.tuple(fc.nat(), fc.integer({ min: 0, max: 0xff }));
  return fc
    .tuple(base, fc.array(edit, { maxLength: 8 }), fc.integer({ min: -8, max: 8 }))
    .map(([bytes, edits, resize]) => {
      const copy = Uint8Array.from(bytes);
      for (const [position, value] of edits) {
        copy[position % copy.length] = value;
      }

      if (resize < 0) {
        return copy.subarray(0, Math.max(0, copy.length + resize));
      }

      const grown = new Uint8Array(copy.length + resize);
      grown.set(copy);
      return grown;
    });
}

const realMessages = fc.constantFrom(
  ISC_CONNECT_BYTES,
  ISC_BNDUPD_BYTES,
  MS_BNDUPD_BYTES,
  MS_CONNECT_BYTES,
);

describe.each(profiles)('decoding bad bytes in the %s profile', (profile) => {
  test.prop([fc.uint8Array({ maxLength: 64 })], { numRuns: 2000 })(
    'raises only DecodeError on arbitrary bytes',
    (bytes) => {
      decodeOrError(bytes, profile);
    },
  );

  test.prop([fc.uint8Array({ minLength: 8, maxLength: 200 })], { numRuns: 1000 })(
    'raises only DecodeError on arbitrary bytes behind a matching length field',
    (body) => {
      const bytes = Uint8Array.from([body.length >> 8, body.length & 0xff, ...body.subarray(2)]);
      decodeOrError(bytes, profile);
    },
  );

  test.prop([mutated(realMessages)], { numRuns: 3000 })(
    'raises only DecodeError on mutated real messages',
    (bytes) => {
      decodeOrError(bytes, profile);
    },
  );

  test.prop(
    [mutated(messageArbitrary(profile).map((message) => encodeMessage(message, profile)))],
    {
      numRuns: 1000,
    },
  )('raises only DecodeError on mutated generated messages', (bytes) => {
    decodeOrError(bytes, profile);
  });

  test.prop([mutated(realMessages)], { numRuns: 1000 })(
    'sets an offset inside the input and the message type once the header is read',
    (bytes) => {
      const error = decodeOrError(bytes, profile);
      if (error === undefined) {
        return;
      }

      expect(error.offset).toBeGreaterThanOrEqual(0);
      expect(error.offset).toBeLessThanOrEqual(bytes.length);
      if (bytes.length >= 3) {
        expect(error.messageType).toBe(bytes[2]);
      }
    },
  );
});
