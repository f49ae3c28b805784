// Feeds hostile inputs to the framer and the decoder in this process. Every input must end in a
// decoded message or a typed error (FailoverError with a stable code); anything else is a crash.

import { FailoverError } from '../src/errors.js';
import { MessageFramer } from '../src/wire/framer.js';
import { decodeMessage } from '../src/wire/message.js';
import { fuzzInputOf, type FuzzInput } from './fuzz-inputs.js';
import { SeededRandom } from './random.js';

export interface DecoderFuzzResult {
  inputs: number;
  decoded: number;
  /** Inputs that ended in a FailoverError, by code. */
  typedErrors: Record<string, number>;
  /** Inputs that raised anything else, with the first few for the report. */
  crashes: number;
  crashSamples: string[];
}

/** Outcome of one input: 'decoded', a FailoverError code, or a crash description. */
export function decodeHostile(input: FuzzInput): { code?: string; crash?: string } {
  try {
    const framer = new MessageFramer();
    for (const frame of framer.push(input.bytes)) {
      decodeMessage(frame, 'isc', { rejectRepeatedOptions: true });
    }

    return {};
  } catch (error) {
    if (error instanceof FailoverError) {
      return { code: error.code };
    }

    return { crash: `${input.kind} ${Buffer.from(input.bytes).toString('hex')}: ${String(error)}` };
  }
}

export function runDecoderFuzz(
  seed: number,
  count: number,
  frames: readonly Uint8Array[],
): DecoderFuzzResult {
  const random = new SeededRandom(seed);
  const result: DecoderFuzzResult = {
    inputs: 0,
    decoded: 0,
    typedErrors: {},
    crashes: 0,
    crashSamples: [],
  };
  for (let index = 0; index < count; index++) {
    const outcome = decodeHostile(fuzzInputOf(random, frames));
    result.inputs++;
    if (outcome.crash !== undefined) {
      result.crashes++;
      if (result.crashSamples.length < 5) {
        result.crashSamples.push(outcome.crash);
      }
    } else if (outcome.code !== undefined) {
      result.typedErrors[outcome.code] = (result.typedErrors[outcome.code] ?? 0) + 1;
    } else {
      result.decoded++;
    }
  }

  return result;
}
