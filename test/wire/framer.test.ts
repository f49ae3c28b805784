import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../src/errors.js';
import { FramingError, MessageFramer } from '../../src/wire/framer.js';
import { encodeMessage } from '../../src/wire/message.js';
import { ISC_BNDUPD_BYTES } from '../fixtures/wire/isc-bndupd.js';
import { ISC_CONNECT_BYTES } from '../fixtures/wire/isc-connect.js';
import { ISC_STATE_BYTES } from '../fixtures/wire/isc-state.js';
import { messageArbitrary } from './arbitraries.js';

function concatenate(parts: readonly Uint8Array[]): Uint8Array {
  const joined = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }

  return joined;
}

/** Cuts `bytes` at the given positions (taken modulo the length, sorted, duplicates kept). */
function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [
    0,
    ...cuts.map((cut) => cut % (bytes.length + 1)).sort((a, b) => a - b),
    bytes.length,
  ];
  return points.slice(1).map((end, index) => bytes.subarray(points[index], end));
}

function pushAll(framer: MessageFramer, chunks: readonly Uint8Array[]): Uint8Array[] {
  return chunks.flatMap((chunk) => framer.push(chunk));
}

describe('MessageFramer', () => {
  test.prop([
    fc.array(
      messageArbitrary('isc').map((message) => encodeMessage(message, 'isc')),
      { minLength: 1, maxLength: 8 },
    ),
    fc.array(fc.nat(), { maxLength: 20 }),
  ])('returns the same frames for any split of a concatenation', (messages, cuts) => {
    const framer = new MessageFramer();
    const frames = pushAll(framer, split(concatenate(messages), cuts));

    expect(frames).toEqual(messages);
    expect(framer.bufferedLength).toBe(0);
  });

  it('returns every message of a chunk that holds 21 of them', () => {
    const messages = Array.from({ length: 21 }, (_, index) =>
      index % 2 === 0 ? ISC_STATE_BYTES : ISC_BNDUPD_BYTES,
    );

    expect(new MessageFramer().push(concatenate(messages))).toEqual(messages);
  });

  it('returns whole messages as views into the chunk without copying', () => {
    const chunk = concatenate([ISC_STATE_BYTES, ISC_CONNECT_BYTES]);
    const frames = new MessageFramer().push(chunk);

    expect(frames[0]?.buffer).toBe(chunk.buffer);
    expect(frames[1]?.byteOffset).toBe(ISC_STATE_BYTES.length);
  });

  it('assembles a message fed one byte at a time', () => {
    const framer = new MessageFramer();
    const frames = pushAll(
      framer,
      split(
        ISC_CONNECT_BYTES,
        Array.from({ length: 104 }, (_, index) => index),
      ),
    );

    expect(frames).toEqual([ISC_CONNECT_BYTES]);
  });

  it('holds a partial message until its last byte arrives', () => {
    const framer = new MessageFramer();

    expect(framer.push(ISC_STATE_BYTES.subarray(0, 29))).toEqual([]);
    expect(framer.bufferedLength).toBe(29);
    expect(framer.push(ISC_STATE_BYTES.subarray(29))).toEqual([ISC_STATE_BYTES]);
  });

  it('rejects a length above 2048 as soon as both length bytes arrive (FO-6.1-c)', () => {
    const framer = new MessageFramer();
    framer.push(ISC_STATE_BYTES);
    framer.push(Uint8Array.of(0x08));

    const push = (): Uint8Array[] => framer.push(Uint8Array.of(0x01));

    expect(push).toThrow(DecodeError);
    expect(push).toThrow('message length 2049, expected 12-2048 at stream offset 30');
    expect(framer.bufferedLength).toBe(1);
  });

  it('rejects a length below 12 with code, offset and message type', () => {
    const framer = new MessageFramer();
    let caught: unknown;
    try {
      framer.push(Uint8Array.of(0x00, 0x0b, 0x03));
    } catch (error) {
      caught = error;
    }

    expect(caught).toBeInstanceOf(FramingError);
    expect(caught).toMatchObject({
      code: 'FO_ERR_MESSAGE_LENGTH',
      offset: 0,
      messageType: 3,
      rule: 'FO-6.1-c',
    });
  });

  it('hands back the messages completed before a bad length in the same chunk', () => {
    const framer = new MessageFramer();
    let caught: FramingError | undefined;
    try {
      framer.push(
        concatenate([ISC_STATE_BYTES, ISC_BNDUPD_BYTES, Uint8Array.of(0xff, 0xff, 0x03)]),
      );
    } catch (error) {
      caught = error as FramingError;
    }

    expect(caught?.frames).toEqual([ISC_STATE_BYTES, ISC_BNDUPD_BYTES]);
    expect(caught?.offset).toBe(ISC_STATE_BYTES.length + ISC_BNDUPD_BYTES.length);
  });

  it('keeps failing after a bad length, with no frames', () => {
    const framer = new MessageFramer();
    expect(() => framer.push(Uint8Array.of(0, 0))).toThrow(FramingError);

    expect(() => framer.push(ISC_STATE_BYTES)).toThrow(expect.objectContaining({ frames: [] }));
  });
});
