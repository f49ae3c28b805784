import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runDecoderFuzz } from '../../fault/decoder-fuzz.js';
import { loadCapturedFrames } from '../../fault/fuzz-inputs.js';
import { runLiveFuzz, type LiveFuzzResult } from '../../fault/live-fuzz.js';
import { CHILD_ENTRY } from '../../fault/peer-process.js';
import { sharedAvailable } from '../helpers/shared-dir.js';

const LIVE_INPUTS = 10_000;
const DECODER_INPUTS = 100_000;
const MIB = 2 ** 20;
const canRun = (existsSync(CHILD_ENTRY) && sharedAvailable) || process.env['CI'] !== undefined;

describe('decoder fuzz with damaged dhcpd captures', () => {
  it.runIf(sharedAvailable || process.env['CI'] !== undefined)(
    'ends 100,000 hostile inputs in a decoded message or a typed error (FO-6.1-c)',
    () => {
      const frames = loadCapturedFrames();
      const result = runDecoderFuzz(7, DECODER_INPUTS, frames);

      expect(frames.length).toBeGreaterThan(100);
      expect(result.inputs).toBe(DECODER_INPUTS);
      expect(result.crashSamples).toEqual([]);
      expect(result.crashes).toBe(0);
      expect(Object.keys(result.typedErrors).every((code) => code.startsWith('FO_ERR_'))).toBe(
        true,
      );
      expect(result.typedErrors['FO_ERR_MESSAGE_LENGTH']).toBeGreaterThan(0);
      expect(result.typedErrors['FO_ERR_OPTION_OVERRUN']).toBeGreaterThan(0);
    },
  );
});

describe('live-connection fuzz of a secondary in a child process', () => {
  let result: LiveFuzzResult | undefined;
  const fuzzed = async (): Promise<LiveFuzzResult> => {
    result ??= await runLiveFuzz({ seed: 11, inputs: LIVE_INPUTS, frames: loadCapturedFrames() });
    return result;
  };

  it.runIf(canRun)(
    'survives 10,000 hostile inputs on established connections (needs npm run build)',
    async () => {
      const { inputs, peerExited, hangs } = await fuzzed();

      expect(inputs).toBe(LIVE_INPUTS);
      expect(peerExited).toBe(false);
      expect(hangs).toBe(0);
    },
    300_000,
  );

  it.runIf(canRun)(
    'closes the connection with DISCONNECT 254 after every input the decoder rejects (FO-8.6-c, FO-6.1-d)',
    async () => {
      const { badInputsKept, wrongReasons, closedSilently, closed, disconnectReasons, samples } =
        await fuzzed();

      expect(samples).toEqual([]);
      expect(badInputsKept).toBe(0);
      expect(wrongReasons).toBe(0);
      expect(closedSilently).toBe(0);
      expect(closed).toBeGreaterThan(LIVE_INPUTS / 2);
      expect(disconnectReasons['254']).toBeGreaterThan(LIVE_INPUTS / 2);
    },
    300_000,
  );

  it.runIf(canRun)(
    'logs a typed error code for the inputs it rejects',
    async () => {
      const { typedErrors, closed } = await fuzzed();
      const logged = Object.values(typedErrors).reduce((sum, count) => sum + count, 0);

      expect(Object.keys(typedErrors).every((code) => code.startsWith('FO_ERR_'))).toBe(true);
      expect(logged).toBeGreaterThanOrEqual(closed / 2);
    },
    300_000,
  );

  it.runIf(canRun)(
    'leaves the stored bindings unchanged and its memory bounded',
    async () => {
      const { storeUnchanged, rssAfterWarmup, rssAtEnd, peakRss } = await fuzzed();

      expect(storeUnchanged).toBe(true);
      expect(rssAfterWarmup).toBeGreaterThan(0);
      expect(rssAtEnd).toBeLessThan(rssAfterWarmup + 64 * MIB);
      expect(peakRss).toBeLessThan(256 * MIB);
    },
    300_000,
  );
});
