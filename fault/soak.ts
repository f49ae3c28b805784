// `npm run soak`: many seeded fault runs and a long fuzz, with progress and a final table of the
// figures, written as JSON under fault/results/.
//
//   node dist/fault/soak.js [--seed N] [--runs N] [--fuzz N] [--live-fuzz N] [--jobs N]

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { format } from 'prettier';
import { repositoryRoot } from '../bench/shared-dir.js';
import { runDecoderFuzz, type DecoderFuzzResult } from './decoder-fuzz.js';
import { runFaultSeed, type FaultRunResult } from './fault-run.js';
import { loadCapturedFrames } from './fuzz-inputs.js';
import { runLiveFuzz, type LiveFuzzResult } from './live-fuzz.js';
import { isFailedRun, soakTable, type SoakFigures } from './soak-table.js';

interface SoakOptions {
  seed: number;
  runs: number;
  fuzz: number;
  liveFuzz: number;
  jobs: number;
}

function readOptions(): SoakOptions {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string', default: '1' },
      runs: { type: 'string', default: '1000' },
      fuzz: { type: 'string', default: '1000000' },
      'live-fuzz': { type: 'string' },
      jobs: { type: 'string', default: '2' },
    },
  });
  const fuzz = Number(values.fuzz);
  return {
    seed: Number(values.seed),
    runs: Number(values.runs),
    fuzz,
    // A live input costs a TCP connection and a CONNECT exchange, about 4 ms on loopback.
    liveFuzz: Number(values['live-fuzz'] ?? Math.min(fuzz, 50_000)),
    jobs: Math.max(1, Number(values.jobs)),
  };
}

/** Runs the fault seeds, `jobs` at a time, printing a line per run and a replay line per failure. */
async function runFaultSeeds(options: SoakOptions): Promise<FaultRunResult[]> {
  const results: FaultRunResult[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < options.runs) {
      const seed = options.seed + next++;
      const result = await runFaultSeed(seed);
      results.push(result);
      const failed = result.error !== undefined || result.violations.length > 0;
      process.stdout.write(
        `run ${results.length}/${options.runs} seed ${seed}: ${failed ? 'FAILED' : 'ok'} ` +
          `${Object.keys(result.faults).join(',')} ${result.durationMs} ms\n`,
      );
      if (failed) {
        const problems = [result.error, ...result.violations.map((item) => item.detail)];
        process.stdout.write(`  ${problems.filter(Boolean).slice(0, 3).join('\n  ')}\n`);
        process.stdout.write(`  logs: ${result.directory}\n`);
        process.stdout.write(
          `  replay: node dist/fault/soak.js --seed ${seed} --runs 1 --fuzz 0\n`,
        );
      }
    }
  };
  await Promise.all(Array.from({ length: options.jobs }, worker));
  return results;
}

async function main(): Promise<void> {
  const options = readOptions();
  const startedMs = Date.now();
  const runs = await runFaultSeeds(options);
  const frames = loadCapturedFrames();
  let decoder: DecoderFuzzResult | undefined;
  let live: LiveFuzzResult | undefined;
  if (options.fuzz > 0) {
    process.stdout.write(
      `decoder fuzz: ${options.fuzz} inputs from ${frames.length} captured messages\n`,
    );
    decoder = runDecoderFuzz(options.seed, options.fuzz, frames);
  }

  if (options.liveFuzz > 0) {
    process.stdout.write(`live fuzz: ${options.liveFuzz} inputs, one connection each\n`);
    live = await runLiveFuzz({
      seed: options.seed,
      inputs: options.liveFuzz,
      frames,
      onProgress: (done) =>
        done % 10_000 === 0 && process.stdout.write(`  ${done}/${options.liveFuzz}\n`),
    });
  }

  const figures: SoakFigures = {
    options,
    runs,
    decoder,
    live,
    durationMs: Date.now() - startedMs,
    // resourceUsage reports maxRSS in kibibytes.
    soakMaxRss: process.resourceUsage().maxRSS * 1024,
  };
  process.stdout.write(`${soakTable(figures)}\n`);
  const directory = join(repositoryRoot, 'fault', 'results');
  mkdirSync(directory, { recursive: true });
  const file = join(
    directory,
    `soak-${new Date(startedMs).toISOString().replace(/[:.]/g, '-')}.json`,
  );
  // Formatted as the repository formats JSON, so `prettier --check .` passes with results present.
  writeFileSync(file, await format(JSON.stringify(figures), { parser: 'json' }));
  process.stdout.write(`figures written to ${file}\n`);
  process.exitCode = failedOf(figures) ? 1 : 0;
}

function failedOf(figures: SoakFigures): boolean {
  const runFailed = figures.runs.some(isFailedRun);
  const live = figures.live;
  const liveFailed =
    live !== undefined &&
    (live.peerExited ||
      !live.storeUnchanged ||
      live.hangs > 0 ||
      live.badInputsKept > 0 ||
      live.wrongReasons > 0 ||
      live.closedSilently > 0);
  return runFailed || liveFailed || (figures.decoder?.crashes ?? 0) > 0;
}

// Exit through process.exit so the children of a run in progress are killed on the way out.
process.once('SIGINT', () => process.exit(130));
process.once('SIGTERM', () => process.exit(143));
await main();
