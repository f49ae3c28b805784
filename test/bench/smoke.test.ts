// Smoke test of the bench's pieces at tiny sizes: each runs and returns well-formed rows. Speeds
// are never asserted, because they depend on the machine and its load.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { generateBNDUPDs, loadBNDUPDSamples } from '../../bench/bndupd-samples.js';
import { runCodecBench } from '../../bench/codec.js';
import { runDhcpfResync } from '../../bench/dhcpf-resync.js';
import { dhcpdConfig, runDhcpdResync } from '../../bench/dhcpd-resync.js';
import { findCommand } from '../../bench/machine.js';
import { poolEnd } from '../../bench/lease-seeds.js';
import { runMemory } from '../../bench/memory.js';
import { checkResyncGoals, type ResyncRow } from '../../bench/resync.js';
import { formatCodec, formatResync, formatSteady } from '../../bench/report.js';
import { repositoryRoot } from '../../bench/shared-dir.js';
import { runSteadyUpdates } from '../../bench/steady.js';
import { markdownTable } from '../../bench/table.js';
import { decodeMessage } from '../../src/wire/message.js';

const TINY_TIMING = { warmupMs: 0, roundMs: 5, rounds: 1 };
const built = existsSync(join(repositoryRoot, 'dist', 'bench', 'steady-partner.js'));
const builtCli = existsSync(join(repositoryRoot, 'dist', 'src', 'cli', 'main.js'));
const root = process.getuid?.() === 0;
const dhcpdPath = findCommand('dhcpd');
const namespacesUsable = root && findCommand('ip') !== undefined;

/** Names of the namespaces this process's bench pieces made (prefix dfb<pid>_). */
function benchNamespaces(): string[] {
  return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name.startsWith(`dfb${process.pid}_`));
}

function temporaryDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'dhcpf-bench-test-'));
  onTestFinished(() => rmSync(directory, { recursive: true, force: true }));
  return directory;
}

describe('bench codec', () => {
  it('generates decodable ACTIVE BNDUPDs', () => {
    const messages = generateBNDUPDs(3);

    expect(messages).toHaveLength(3);
    for (const bytes of messages) {
      expect(decodeMessage(bytes, 'isc').type).toBe(3);
    }
  });

  it('returns a row per operation and set', () => {
    const result = runCodecBench(
      { source: 'generated', messages: generateBNDUPDs(20) },
      TINY_TIMING,
    );

    expect(result.rows).toHaveLength(8);
    for (const row of result.rows) {
      expect(row.messages).toBe(20);
      expect(row.messagesPerCpuSecond).toBeGreaterThan(0);
      expect(row.megabytesPerCpuSecond).toBeGreaterThan(0);
      expect(row.messagesPerSecond).toBeGreaterThan(0);
    }
    expect(result.decodeGoal.measured).toBe(result.rows[1]?.messagesPerCpuSecond);
    expect(formatCodec(result)).toContain('Goal: decode >= 1,000,000 BNDUPDs/s');
  });

  it('loads captured or generated BNDUPDs', () => {
    const samples = loadBNDUPDSamples();

    expect(samples.messages.length).toBeGreaterThan(0);
    expect(samples.messages.every((bytes) => bytes[2] === 3)).toBe(true);
  });
});

describe('bench dhcpd configuration', () => {
  it('sizes the dhcpd pool N + 256', () => {
    const config = dhcpdConfig('primary', 1000);

    expect(config).toContain('range 10.77.1.0 10.77.5.231;');
    expect(config).toContain('mclt 600; split 128;');
    expect(config).toContain('max-unacked-updates 10;');
    expect(poolEnd(1000)).toBe('10.77.5.231');
  });
});

describe('bench report', () => {
  it('pads table lines to one width', () => {
    const lines = markdownTable(
      ['name', 'rate'],
      [
        ['a', '1,000'],
        ['longer', '5'],
      ],
    ).split('\n');

    expect(new Set(lines.map((line) => line.length)).size).toBe(1);
    expect(lines[1]).toMatch(/-:\|$/);
  });

  it('checks goals where dhcpd ran', () => {
    const row = (
      kind: ResyncRow['kind'],
      leasesPerSecond: number,
      ratioToDhcpd?: number,
    ): ResyncRow => ({
      kind,
      settings: { maxUnackedUpdates: 10, updatesPerMessage: 1 },
      leases: 1000,
      network: 'namespaces',
      runs: [],
      syncMs: 1000,
      normalMs: 1000,
      leasesPerSecond,
      fastestSyncMs: 900,
      fastestLeasesPerSecond: leasesPerSecond,
      ratioToDhcpd,
      fastestRatioToDhcpd: ratioToDhcpd,
    });
    const rows = [
      row('dhcpd', 1000),
      row('dhcpf same settings', 1500, 1.5),
      row('dhcpf best settings', 4000, 4),
    ];

    const goals = checkResyncGoals(rows);

    expect(goals.map((goal) => goal.met)).toEqual([true, false]);
    expect(formatResync(rows, goals)).toContain('not met (median 4.00x, fastest runs 4.00x)');
  });
});

describe.runIf(built)('bench steady updates (needs npm run build)', () => {
  it('flushes a small backlog', async () => {
    const row = await runSteadyUpdates(40, { maxUnackedUpdates: 3, updatesPerMessage: 4 });

    expect(row.updates).toBe(40);
    expect(row.messages).toBe(10);
    expect(row.rejected).toBe(0);
    expect(row.updatesPerSecond).toBeGreaterThan(0);
    expect(formatSteady([row])).toMatch(/\|\s+3 \|\s+4 \|\s+40 \|\s+10 \|/);
  });
});

describe.runIf(built && builtCli)('bench dhcpf resync and memory (needs npm run build)', () => {
  it('resyncs dhcpf pair on loopback', async () => {
    const run = await runDhcpfResync(
      30,
      { maxUnackedUpdates: 5, updatesPerMessage: 2 },
      temporaryDirectory(),
      'loopback',
    );

    expect(run.error).toBeUndefined();
    expect(run.ok).toBe(true);
    expect(run.syncMs).toBeGreaterThanOrEqual(0);
    expect(run.normalMs).toBeGreaterThanOrEqual(run.syncMs);
    expect(run.emptySideStoreBytes).toBeGreaterThan(0);
  });

  it('measures small resync memory', () => {
    const row = runMemory(30, { maxUnackedUpdates: 5, updatesPerMessage: 2 });

    expect(row.leases).toBe(30);
    expect(row.peakRss).toBeGreaterThan(0);
    expect(row.primaryStorePerLease).toBeGreaterThan(0);
    expect(row.secondaryStorePerLease).toBeGreaterThan(0);
  });
});

describe.runIf(namespacesUsable && builtCli)(
  'bench resync in namespaces (needs root, ip, npm run build)',
  () => {
    it('resyncs dhcpf pair in namespaces', async () => {
      const run = await runDhcpfResync(
        20,
        { maxUnackedUpdates: 10, updatesPerMessage: 1 },
        temporaryDirectory(),
      );

      expect(run.error).toBeUndefined();
      expect(run.ok).toBe(true);
      expect(run.fullSidePeakRss).toBeGreaterThan(0);
      expect(benchNamespaces()).toEqual([]);
    });

    it.runIf(dhcpdPath !== undefined)(
      'resyncs dhcpd pair in namespaces (needs dhcpd)',
      async () => {
        const run = await runDhcpdResync(dhcpdPath ?? 'dhcpd', 20, temporaryDirectory());

        expect(run.error).toBeUndefined();
        expect(run.ok).toBe(true);
        expect(run.normalMs).toBeGreaterThanOrEqual(run.syncMs);
        expect(run.emptySideStoreBytes).toBeGreaterThan(0);
        expect(benchNamespaces()).toEqual([]);
      },
    );
  },
);
