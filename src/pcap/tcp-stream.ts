// Reassembles one direction of a TCP connection from captured segments and splits it into
// failover messages: segments are ordered by sequence number, retransmitted bytes are dropped,
// and segments that arrive ahead of a gap wait until the gap is filled.

import { DecodeError } from '../errors.js';
import { FramingError, MessageFramer } from '../wire/framer.js';
import type { TcpSegment } from './tcp-segment.js';

/** Frames completed by one segment, and the framing error that stopped the stream, if any. */
export interface SegmentResult {
  frames: Uint8Array[];
  error?: DecodeError;
}

/** Signed distance from sequence number `from` to `to`, modulo 2^32. */
function sequenceDistance(from: number, to: number): number {
  return (to - from) | 0;
}

/** One direction of one TCP connection. */
export class TcpStream {
  private framer = new MessageFramer();
  /** Sequence number of the next byte the framer expects; undefined before the first segment. */
  private nextSequence: number | undefined;
  private initialSequence: number | undefined;
  /** Segments that start after a gap, by sequence number. */
  private ahead = new Map<number, Uint8Array>();
  private failed = false;

  /**
   * Bytes that never became a whole message: a message cut off at the end of the capture, or data
   * waiting behind a gap that was never filled.
   */
  get incompleteLength(): number {
    let waiting = 0;
    for (const payload of this.ahead.values()) {
      waiting += payload.length;
    }

    return this.failed ? 0 : this.framer.bufferedLength + waiting;
  }

  /** Stream offset where the incomplete message starts. */
  get incompleteOffset(): number {
    return this.framer.pushedLength - this.framer.bufferedLength;
  }

  /**
   * Returns whether a SYN starts a new connection on this direction's address pair (a new initial
   * sequence number, not a retransmitted SYN).
   */
  isNewConnection(segment: TcpSegment): boolean {
    return segment.syn && this.initialSequence !== (segment.sequence + 1) >>> 0;
  }

  /** Adds one segment; returns the messages it completes, in stream order. */
  accept(segment: TcpSegment): SegmentResult {
    let sequence = segment.sequence;
    if (segment.syn) {
      // The SYN occupies one sequence number, so data starts right after it.
      sequence = (sequence + 1) >>> 0;
      this.initialSequence = sequence;
      this.nextSequence ??= sequence;
    }

    // A capture that starts mid-connection begins the stream at the first segment seen.
    this.nextSequence ??= sequence;
    if (this.failed || segment.payload.length === 0) {
      return { frames: [] };
    }

    const frames: Uint8Array[] = [];
    try {
      this.place(sequence, segment.payload, frames);
      this.drainAhead(frames);
      return { frames };
    } catch (error) {
      if (!(error instanceof FramingError)) {
        throw error;
      }

      this.failed = true;
      this.ahead.clear();
      return { frames: [...frames, ...error.frames], error };
    }
  }

  /** Delivers the new part of a payload now, or keeps it until the bytes before it arrive. */
  private place(sequence: number, payload: Uint8Array, frames: Uint8Array[]): void {
    const next = this.nextSequence ?? sequence;
    const distance = sequenceDistance(next, sequence);
    if (distance > 0) {
      const waiting = this.ahead.get(sequence);
      if (waiting === undefined || waiting.length < payload.length) {
        this.ahead.set(sequence, payload);
      }

      return;
    }

    // Bytes before `next` were delivered already: a retransmission or an overlapping segment.
    if (-distance >= payload.length) {
      return;
    }

    const fresh = payload.subarray(-distance);
    this.nextSequence = (next + fresh.length) >>> 0;
    frames.push(...this.framer.push(fresh));
  }

  /** Delivers waiting segments that the stream has caught up with. */
  private drainAhead(frames: Uint8Array[]): void {
    let progressed = true;
    while (progressed && this.ahead.size > 0) {
      progressed = false;
      for (const [sequence, payload] of this.ahead) {
        if (sequenceDistance(this.nextSequence ?? sequence, sequence) <= 0) {
          this.ahead.delete(sequence);
          this.place(sequence, payload, frames);
          progressed = true;
        }
      }
    }
  }
}
