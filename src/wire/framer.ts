// Splits a TCP byte stream into failover messages by their 2-byte message-length field
// (draft-12 section 6.1), whatever way the stream was cut into reads.

import { DecodeError } from '../errors.js';
import { MAX_MESSAGE_LENGTH, MIN_MESSAGE_LENGTH } from './codes.js';
import { messageTypeName } from './names.js';

/**
 * An invalid message-length field. The stream cannot be split after it, so the connection has to
 * close. `frames` contains the messages that completed earlier in the same chunk, so the caller
 * can still process them.
 */
export class FramingError extends DecodeError {
  readonly frames: Uint8Array[];

  constructor(
    message: string,
    offset: number,
    messageType: number | undefined,
    frames: Uint8Array[],
  ) {
    super('FO_ERR_MESSAGE_LENGTH', message, { offset, messageType, rule: 'FO-6.1-c' });
    this.frames = frames;
  }
}

/**
 * Collects message frames from the chunks of one TCP stream.
 *
 * A frame that lies wholly inside one chunk is returned as a view into that chunk, without a copy,
 * so the caller must not reuse a chunk's memory after pushing it. A frame split over chunks is
 * copied into a buffer of its exact length. A length outside 12..2048 raises FramingError as soon
 * as both length bytes have arrived, before any of the body is buffered. Every later push raises
 * the error again, with no frames.
 */
export class MessageFramer {
  /** Frame under construction, sized from its length field; undefined between frames. */
  private partial: Uint8Array | undefined;
  private partialFilled = 0;
  /** First byte of a length field whose second byte has not arrived yet, or -1. */
  private firstLengthByte = -1;
  /** Stream offset of the first byte of the next chunk, for error offsets. */
  private streamOffset = 0;
  private failure: FramingError | undefined;

  /** Bytes held for a frame that has not completed yet. */
  get bufferedLength(): number {
    return this.firstLengthByte >= 0 ? 1 : this.partialFilled;
  }

  /** Bytes pushed so far, the stream offset of the next chunk. */
  get pushedLength(): number {
    return this.streamOffset;
  }

  /** Returns every frame completed by this chunk, in stream order. */
  push(chunk: Uint8Array): Uint8Array[] {
    if (this.failure !== undefined) {
      const { message, offset, messageType } = this.failure;
      throw new FramingError(message, offset, messageType, []);
    }

    const frames: Uint8Array[] = [];
    let position = this.completeLengthField(chunk);
    position = this.fillPartial(chunk, position, frames);
    while (position < chunk.length) {
      position = this.takeFrame(chunk, position, frames);
    }

    this.streamOffset += chunk.length;
    return frames;
  }

  /** Joins a length field split after its first byte; returns the position after the used byte. */
  private completeLengthField(chunk: Uint8Array): number {
    if (this.firstLengthByte < 0 || chunk.length === 0) {
      return 0;
    }

    const length = (this.firstLengthByte << 8) | (chunk[0] ?? 0);
    this.checkLength(length, this.streamOffset - 1, chunk[1], []);
    this.partial = new Uint8Array(length);
    this.partial[0] = this.firstLengthByte;
    this.partial[1] = chunk[0] ?? 0;
    this.partialFilled = 2;
    this.firstLengthByte = -1;
    return 1;
  }

  /** Adds chunk bytes to a frame under construction; returns the position after them. */
  private fillPartial(chunk: Uint8Array, position: number, frames: Uint8Array[]): number {
    if (this.partial === undefined) {
      return position;
    }

    const take = Math.min(this.partial.length - this.partialFilled, chunk.length - position);
    this.partial.set(chunk.subarray(position, position + take), this.partialFilled);
    this.partialFilled += take;
    if (this.partialFilled === this.partial.length) {
      frames.push(this.partial);
      this.partial = undefined;
      this.partialFilled = 0;
    }

    return position + take;
  }

  /** Takes the frame that starts at `position`, whole or as the start of a partial frame. */
  private takeFrame(chunk: Uint8Array, position: number, frames: Uint8Array[]): number {
    const remaining = chunk.length - position;
    if (remaining < 2) {
      this.firstLengthByte = chunk[position] ?? 0;
      return chunk.length;
    }

    const length = ((chunk[position] ?? 0) << 8) | (chunk[position + 1] ?? 0);
    this.checkLength(length, this.streamOffset + position, chunk[position + 2], frames);
    if (length <= remaining) {
      frames.push(chunk.subarray(position, position + length));
      return position + length;
    }

    this.partial = new Uint8Array(length);
    this.partial.set(chunk.subarray(position));
    this.partialFilled = remaining;
    return chunk.length;
  }

  private checkLength(
    length: number,
    offset: number,
    messageType: number | undefined,
    frames: Uint8Array[],
  ): void {
    if (length >= MIN_MESSAGE_LENGTH && length <= MAX_MESSAGE_LENGTH) {
      return;
    }

    const name = messageType === undefined ? 'message' : messageTypeName(messageType);
    const expected = `${MIN_MESSAGE_LENGTH}-${MAX_MESSAGE_LENGTH}`;
    this.failure = new FramingError(
      `${name} message length ${length}, expected ${expected} at stream offset ${offset}`,
      offset,
      messageType,
      frames,
    );
    throw this.failure;
  }
}
