// Hostile byte strings for the fuzz runs: arbitrary bytes, truncated and mutated failover messages
// from the shared dhcpd captures, wrong message-length fields and option lengths that overrun.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedPath } from '../bench/shared-dir.js';
import { readFailoverMessages } from '../src/pcap/failover-capture.js';
import { FIXED_HEADER_LENGTH, MAX_MESSAGE_LENGTH } from '../src/wire/codes.js';
import type { SeededRandom } from './random.js';

export type FuzzInputKind = 'random' | 'truncated' | 'mutated' | 'length-field' | 'option-overrun';

export interface FuzzInput {
  kind: FuzzInputKind;
  bytes: Uint8Array;
}

const KINDS: readonly FuzzInputKind[] = [
  'random',
  'truncated',
  'mutated',
  'length-field',
  'option-overrun',
];

/** Every failover message of the shared captures, as sent; empty when they are missing. */
export function loadCapturedFrames(maxFrames = 2000): Uint8Array[] {
  const directory = sharedPath('captures');
  if (!existsSync(directory)) {
    return [];
  }

  const frames: Uint8Array[] = [];
  for (const name of readdirSync(directory).filter((file) => file.endsWith('.pcap'))) {
    const bytes = new Uint8Array(readFileSync(join(directory, name)));
    for (const message of readFailoverMessages(bytes, { onStreamError: () => undefined })) {
      frames.push(message.bytes);
      if (frames.length >= maxFrames) {
        return frames;
      }
    }
  }

  return frames;
}

/** Builds one hostile input; `frames` are real messages to damage (random bytes when empty). */
export function fuzzInputOf(random: SeededRandom, frames: readonly Uint8Array[]): FuzzInput {
  const kind = frames.length === 0 ? 'random' : random.pick(KINDS);
  const frame = frames.length === 0 ? new Uint8Array(0) : random.pick(frames);
  switch (kind) {
    case 'random':
      return { kind, bytes: random.bytes(random.integer(1, 80)) };
    case 'truncated':
      return { kind, bytes: frame.slice(0, random.integer(1, Math.max(1, frame.length - 1))) };
    case 'mutated':
      return { kind, bytes: mutated(random, frame) };
    case 'length-field':
      return { kind, bytes: withLengthField(random, frame) };
    case 'option-overrun':
      return { kind, bytes: withOverrunningOption(random, frame) };
  }
}

/** Overwrites one to four bytes, header included. */
function mutated(random: SeededRandom, frame: Uint8Array): Uint8Array {
  const copy = Uint8Array.from(frame);
  const edits = random.integer(1, 4);
  for (let edit = 0; edit < edits; edit++) {
    copy[random.integer(0, copy.length - 1)] = random.integer(0, 255);
  }

  return copy;
}

/** Sets message-length to a value other than the frame's: below 12, above 2048 or just off. */
function withLengthField(random: SeededRandom, frame: Uint8Array): Uint8Array {
  const copy = Uint8Array.from(frame);
  const candidates = [
    random.integer(0, FIXED_HEADER_LENGTH - 1),
    random.integer(MAX_MESSAGE_LENGTH + 1, 0xffff),
    Math.max(0, frame.length - random.integer(1, 8)),
  ];
  const length = random.pick(candidates);
  copy[0] = length >> 8;
  copy[1] = length & 0xff;
  return copy;
}

/** Gives one option a length that runs past the end of the message (FO-6.2-a). */
function withOverrunningOption(random: SeededRandom, frame: Uint8Array): Uint8Array {
  const copy = Uint8Array.from(frame);
  const starts = optionStarts(copy);
  if (starts.length === 0) {
    return mutated(random, frame);
  }

  const start = random.pick(starts);
  const remaining = copy.length - start - 4;
  const length = Math.min(0xffff, remaining + random.integer(1, 300));
  copy[start + 2] = length >> 8;
  copy[start + 3] = length & 0xff;
  return copy;
}

/** Offsets of the option headers of a well-formed message (code 2 bytes, length 2 bytes). */
function optionStarts(frame: Uint8Array): number[] {
  const starts: number[] = [];
  let offset = frame[3] ?? FIXED_HEADER_LENGTH;
  while (offset + 4 <= frame.length) {
    starts.push(offset);
    offset += 4 + (((frame[offset + 2] ?? 0) << 8) | (frame[offset + 3] ?? 0));
  }

  return starts;
}
