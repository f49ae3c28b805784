// Codec throughput: decoding and encoding real BNDUPDs, beside a plain Buffer.copy of the same
// bytes as the ceiling any decoder that reads every byte could approach.

import { bindingUpdatesOf } from '../src/wire/binding-update.js';
import { decodeMessage, encodeMessage } from '../src/wire/message.js';
import type { FailoverMessage } from '../src/wire/types.js';
import { activeOnly, type BNDUPDSamples } from './bndupd-samples.js';
import { cpuRateOf, median, rateOf, timeBox, type RateSample } from './measure.js';

/** Decoded BNDUPDs per second on one thread that the codec aims for. */
export const DECODE_GOAL_PER_SECOND = 1_000_000;

export interface CodecTiming {
  /** Milliseconds of untimed passes before the rounds. */
  warmupMs: number;
  /** Each round runs passes for at least this long; the median round counts. */
  roundMs: number;
  rounds: number;
}

export const DEFAULT_CODEC_TIMING: CodecTiming = { warmupMs: 300, roundMs: 400, rounds: 3 };

export interface CodecRow {
  /** Message set: every BNDUPD of the sample, or only the ACTIVE ones. */
  set: string;
  operation: 'decode' | 'decode + binding updates' | 'encode' | 'Buffer.copy';
  messages: number;
  averageBytes: number;
  /** Messages per second of CPU time: the rate on one core that the goal is checked against. */
  messagesPerCpuSecond: number;
  megabytesPerCpuSecond: number;
  /** Rate relative to Buffer.copy of the same bytes, both per CPU second. */
  ratioToCopy: number;
  /** Messages per second of wall-clock time, lower than per CPU second on a busy machine. */
  messagesPerSecond: number;
}

export interface CodecResult {
  source: string;
  rows: CodecRow[];
  decodeGoal: { perSecond: number; measured: number; met: boolean };
}

type Operation = CodecRow['operation'];

export function runCodecBench(
  samples: BNDUPDSamples,
  timing: CodecTiming = DEFAULT_CODEC_TIMING,
): CodecResult {
  const sets = [
    { set: 'all BNDUPDs', messages: samples.messages },
    { set: 'ACTIVE only', messages: activeOnly(samples.messages) },
  ];
  const rows = sets.flatMap(({ set, messages }) => measureSet(set, messages, timing));
  const measured = rows.find((row) => row.set === 'all BNDUPDs' && row.operation === 'decode');
  const perSecond = measured?.messagesPerCpuSecond ?? 0;
  return {
    source: samples.source,
    rows,
    decodeGoal: {
      perSecond: DECODE_GOAL_PER_SECOND,
      measured: perSecond,
      met: perSecond >= DECODE_GOAL_PER_SECOND,
    },
  };
}

function measureSet(set: string, messages: Uint8Array[], timing: CodecTiming): CodecRow[] {
  const totalBytes = messages.reduce((sum, bytes) => sum + bytes.length, 0);
  const decoded = messages.map((bytes) => decodeMessage(bytes, 'isc'));
  const passes: [Operation, () => number][] = [
    ['Buffer.copy', copyPass(messages)],
    ['decode', decodePass(messages)],
    ['decode + binding updates', decodeUpdatesPass(messages)],
    ['encode', encodePass(decoded)],
  ];
  const rates = new Map<Operation, { wall: number; cpu: number }>();
  for (const [operation, pass] of passes) {
    rates.set(operation, medianRates(pass, timing));
  }

  const copyRate = rates.get('Buffer.copy')?.cpu ?? 0;
  const averageBytes = messages.length === 0 ? 0 : totalBytes / messages.length;
  return [...rates].map(([operation, { wall, cpu }]) => ({
    set,
    operation,
    messages: messages.length,
    averageBytes,
    messagesPerCpuSecond: cpu,
    megabytesPerCpuSecond: (cpu * averageBytes) / 1e6,
    ratioToCopy: copyRate > 0 ? cpu / copyRate : 0,
    messagesPerSecond: wall,
  }));
}

/** Returns the median wall-clock and CPU-time rates over the rounds. */
function medianRates(pass: () => number, timing: CodecTiming): { wall: number; cpu: number } {
  const samples: RateSample[] = [];
  for (let round = 0; round < timing.rounds; round++) {
    samples.push(timeBox(pass, timing.roundMs, round === 0 ? timing.warmupMs : 0));
  }

  return { wall: median(samples.map(rateOf)), cpu: median(samples.map(cpuRateOf)) };
}

/**
 * Each pass returns the number of messages it handled. The count depends on the work's result, so
 * the JIT cannot drop the work as dead code.
 */
function copyPass(messages: readonly Uint8Array[]): () => number {
  const target = Buffer.alloc(2048);
  const sources = messages.map((bytes) =>
    Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length),
  );
  return () => {
    let copied = 0;
    for (const source of sources) {
      copied += source.copy(target) > 0 ? 1 : 0;
    }

    return copied;
  };
}

function decodePass(messages: readonly Uint8Array[]): () => number {
  return () => {
    let decoded = 0;
    for (const bytes of messages) {
      decoded += decodeMessage(bytes, 'isc').options.length > 0 ? 1 : 0;
    }

    return decoded;
  };
}

function decodeUpdatesPass(messages: readonly Uint8Array[]): () => number {
  return () => {
    let decoded = 0;
    for (const bytes of messages) {
      decoded += bindingUpdatesOf(decodeMessage(bytes, 'isc')).updates.length > 0 ? 1 : 0;
    }

    return decoded;
  };
}

function encodePass(messages: readonly FailoverMessage[]): () => number {
  return () => {
    let encoded = 0;
    for (const message of messages) {
      encoded += encodeMessage(message, 'isc').length > 0 ? 1 : 0;
    }

    return encoded;
  };
}
