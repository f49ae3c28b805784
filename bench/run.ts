// `npm run bench` (node dist/bench/run.js): measures the codec, steady binding updates, full
// resyncs against ISC dhcpd, memory per lease and how they scale; prints Markdown tables with the
// machine's details and writes the figures to bench/results/<timestamp>.json.

import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { loadBNDUPDSamples } from './bndupd-samples.js';
import { runCodecBench, type CodecResult } from './codec.js';
import {
  DORA_PERIOD_SECONDS,
  DORA_RATES,
  DORA_SETUPS,
  doraPrerequisiteMissing,
  formatDora,
  runDoraSection,
  type DoraResult,
} from './dora.js';
import { installSignalCleanup, runAllCleanup } from './cleanup.js';
import { describeMachine, findCommand, ioPressure } from './machine.js';
import { progress } from './measure.js';
import { runMemory, type MemoryRow } from './memory.js';
import {
  formatCodec,
  formatMachine,
  formatMemory,
  formatResync,
  formatScaling,
  formatSteady,
} from './report.js';
import {
  checkResyncGoals,
  DHCPF_BEST_SETTINGS,
  runResyncSection,
  runSweep,
  type ResyncCount,
  type ResyncEnvironment,
  type ResyncRow,
} from './resync.js';
import { formatSweep, SWEEP_GRID } from './sweep.js';
import { MAX_DHCPD_LEASES } from './lease-seeds.js';
import { repositoryRoot } from './shared-dir.js';
import { runSteadyUpdates, STEADY_GRID, type SteadyRow } from './steady.js';

const SECTIONS = ['codec', 'steady', 'resync', 'memory', 'dora'] as const;
type Section = (typeof SECTIONS)[number];
/** Sections a run without --only leaves out: dora needs root, perfdhcp and several minutes. */
const OPT_IN_SECTIONS: readonly Section[] = ['dora'];

interface BenchOptions {
  full: boolean;
  only?: Section[];
  runs: number;
  results: string;
  save: boolean;
  sweep: boolean;
  keep: boolean;
}

/** Lease counts and sizes of a default run or a --full run. */
interface Plan {
  resync: ResyncCount[];
  steadyUpdates: number;
  memoryLeases: number[];
}

function planFor(options: BenchOptions): Plan {
  const small = [1_000, 10_000].map((leases) => ({ leases, runs: options.runs, withDhcpd: true }));
  if (!options.full) {
    return { resync: small, steadyUpdates: 5_000, memoryLeases: [1_000, 10_000, 60_000] };
  }

  return {
    resync: [
      ...small,
      { leases: 60_000, runs: 1, withDhcpd: 60_000 <= MAX_DHCPD_LEASES },
      { leases: 250_000, runs: 1, withDhcpd: false },
    ],
    steadyUpdates: 20_000,
    memoryLeases: [1_000, 10_000, 60_000, 250_000],
  };
}

function parseOptions(argv: string[]): BenchOptions {
  const program = new Command('npm run bench --')
    .description('measure dhcpf: codec, steady updates, resync against ISC dhcpd, memory, scaling')
    .option(
      '--full',
      'add 60,000 and 250,000 leases to the resync and memory runs (about 15 min)',
      false,
    )
    .option(
      '--only <sections>',
      `comma-separated sections to run: ${SECTIONS.join(', ')}`,
      parseSections,
    )
    .option('--runs <count>', 'runs per resync row at 1,000 and 10,000 leases', parseCount, 3)
    .option(
      '--results <dir>',
      'folder for the JSON result file',
      join(repositoryRoot, 'bench', 'results'),
    )
    .option('--no-save', 'print the report without writing a result file')
    .option('--sweep', 'only run dhcpf resyncs of 10,000 leases over a grid of settings', false)
    .option('--keep', 'keep the directories of the resync runs (configs, logs, stores)', false)
    .parse(argv);
  return program.opts<BenchOptions>();
}

function parseSections(value: string): Section[] {
  const names = value.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !SECTIONS.some((section) => section === name));
  if (unknown.length > 0) {
    throw new InvalidArgumentError(
      `unknown section ${unknown.join(', ')}, expected ${SECTIONS.join(', ')}`,
    );
  }

  return SECTIONS.filter((section) => names.includes(section));
}

function parseCount(value: string): number {
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1) {
    throw new InvalidArgumentError(`${JSON.stringify(value)} is not a positive integer`);
  }

  return count;
}

function resyncEnvironment(options: BenchOptions, root: boolean): ResyncEnvironment {
  const dhcpdPath = findCommand('dhcpd');
  const ipPath = findCommand('ip');
  let dhcpdMissing: string | undefined;
  if (!root) {
    dhcpdMissing = 'needs root for network namespaces';
  } else if (ipPath === undefined) {
    dhcpdMissing = 'ip (iproute2) not installed, needed for network namespaces';
  } else if (dhcpdPath === undefined) {
    dhcpdMissing = 'dhcpd not installed (apt-get install isc-dhcp-server)';
  }

  return {
    dhcpdPath: dhcpdMissing === undefined ? dhcpdPath : undefined,
    dhcpdMissing,
    network: root && ipPath !== undefined ? 'namespaces' : 'loopback',
    keepDirectories: options.keep,
  };
}

interface Results {
  codec?: CodecResult;
  steady?: SteadyRow[];
  resync?: ResyncRow[];
  memory?: MemoryRow[];
  sweep?: ResyncRow[];
  dora?: DoraResult;
}

async function measure(
  options: BenchOptions,
  plan: Plan,
  environment: ResyncEnvironment,
): Promise<Results> {
  const results: Results = {};
  if (options.sweep) {
    results.sweep = await runSweep(10_000, SWEEP_GRID, environment);
    return results;
  }

  const wanted = (section: Section): boolean =>
    options.only?.includes(section) ?? !OPT_IN_SECTIONS.includes(section);
  if (wanted('codec')) {
    progress('codec: decoding and encoding BNDUPDs');
    results.codec = runCodecBench(loadBNDUPDSamples());
  }

  if (wanted('steady')) {
    results.steady = [];
    for (const settings of STEADY_GRID) {
      const row = await runSteadyUpdates(plan.steadyUpdates, settings);
      progress(
        `steady: window ${settings.maxUnackedUpdates}, ${settings.updatesPerMessage}/BNDUPD: ${Math.round(row.updatesPerSecond)} updates/s`,
      );
      results.steady.push(row);
    }
  }

  if (wanted('resync')) {
    results.resync = await runResyncSection(plan.resync, environment);
  }

  if (wanted('memory')) {
    results.memory = [];
    for (const leases of plan.memoryLeases) {
      progress(`memory: resync of ${leases} leases in one process`);
      results.memory.push(runMemory(leases, DHCPF_BEST_SETTINGS));
    }
  }

  if (wanted('dora')) {
    const missing = doraPrerequisiteMissing();
    if (missing === undefined) {
      const plan = { rates: DORA_RATES, periodSeconds: DORA_PERIOD_SECONDS, setups: DORA_SETUPS };
      results.dora = await runDoraSection(plan);
    } else {
      progress(`dora: skipped, ${missing}`);
    }
  }

  return results;
}

function formatReport(results: Results, machineText: string): string {
  const parts = [machineText];
  if (results.sweep !== undefined) parts.push(formatSweep(results.sweep));
  if (results.codec !== undefined) parts.push(formatCodec(results.codec));
  if (results.resync !== undefined)
    parts.push(formatResync(results.resync, checkResyncGoals(results.resync)));
  if (results.steady !== undefined) parts.push(formatSteady(results.steady));
  if (results.memory !== undefined) parts.push(formatMemory(results.memory));
  if (results.dora !== undefined) parts.push(formatDora(results.dora));
  if (results.resync !== undefined || results.memory !== undefined) {
    parts.push(formatScaling(results.resync ?? [], results.memory ?? []));
  }

  return `${parts.join('\n\n')}\n`;
}

async function main(): Promise<void> {
  installSignalCleanup();
  const options = parseOptions(process.argv);
  const plan = planFor(options);
  const root = process.getuid?.() === 0;
  const environment = resyncEnvironment(options, root);
  const machine = describeMachine(findCommand('dhcpd'));
  const load = { loadAverage: os.loadavg(), ioPressure: ioPressure() };
  const startedAt = new Date();
  progress(
    `started ${startedAt.toISOString()}${options.full ? ' (--full)' : ''}; progress lines go to stderr`,
  );
  const results = await measure(options, plan, environment);
  const finishedAt = new Date();
  const endLoad = { loadAverage: os.loadavg(), ioPressure: ioPressure() };
  const report = formatReport(results, formatMachine(machine, load, endLoad));
  process.stdout.write(report);
  if (options.save) {
    mkdirSync(options.results, { recursive: true });
    const file = join(options.results, `${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
    const record = {
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      durationSeconds: (finishedAt.getTime() - startedAt.getTime()) / 1000,
      options,
      machine,
      load: { start: load, end: endLoad },
      goals: {
        codec: results.codec?.decodeGoal,
        resync: results.resync === undefined ? undefined : checkResyncGoals(results.resync),
      },
      ...results,
      report,
    };
    writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
    progress(`results written to ${file}`);
  }

  progress(`done in ${((finishedAt.getTime() - startedAt.getTime()) / 1000).toFixed(0)} s`);
}

try {
  await main();
} catch (error) {
  runAllCleanup();
  process.stderr.write(
    `[bench] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
}
