// The resync section: for each lease count, dhcpd<->dhcpd beside dhcpf<->dhcpf with dhcpd's
// settings and with dhcpf's best settings, the runs of the three interleaved so that a slow
// stretch of the machine hits all of them alike.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DHCPD_SETTINGS, runDhcpdResync } from './dhcpd-resync.js';
import { runDhcpfResync, type ResyncNetwork } from './dhcpf-resync.js';
import { MAX_DHCPD_LEASES } from './lease-seeds.js';
import { median, progress } from './measure.js';
import type { ResyncRun, UpdateSettings } from './resync-types.js';

/**
 * dhcpf's fastest settings found with `npm run bench -- --sweep`: a window of 200 BNDUPDs with 16
 * transactions each (the most a BNDUPD may carry, MAX_UPDATES_PER_MESSAGE).
 */
export const DHCPF_BEST_SETTINGS: UpdateSettings = {
  maxUnackedUpdates: 200,
  updatesPerMessage: 16,
};

/** Goals for the dhcpf/dhcpd ratio of leases per second. */
export const BEST_RATIO_GOAL = 5;
export const SAME_SETTINGS_RATIO_GOAL = 1;

export type ResyncKind = 'dhcpd' | 'dhcpf same settings' | 'dhcpf best settings' | 'dhcpf sweep';

export interface ResyncCount {
  leases: number;
  runs: number;
  /** dhcpd runs only up to MAX_DHCPD_LEASES (its pool must fit the /16 it serves). */
  withDhcpd: boolean;
}

export interface ResyncEnvironment {
  /** dhcpd to run, or undefined with `dhcpdMissing` saying why. */
  dhcpdPath: string | undefined;
  dhcpdMissing: string | undefined;
  network: ResyncNetwork;
  /** Keep each run's directory (configs, logs, stores) instead of removing it. */
  keepDirectories: boolean;
}

export interface ResyncRow {
  kind: ResyncKind;
  settings: UpdateSettings;
  leases: number;
  network: ResyncNetwork;
  runs: ResyncRun[];
  /** Median over the runs that completed. */
  syncMs: number;
  normalMs: number;
  leasesPerSecond: number;
  /**
   * Fastest completed run. Other load on the machine only adds time, so on a shared machine this
   * is the closer estimate of what the pair can do.
   */
  fastestSyncMs: number;
  fastestLeasesPerSecond: number;
  /** leasesPerSecond / dhcpd's at the same lease count, when dhcpd was measured. */
  ratioToDhcpd?: number;
  /** fastestLeasesPerSecond / dhcpd's. */
  fastestRatioToDhcpd?: number;
  /** Reason the row has no figures. */
  notMeasured?: string;
}

export interface GoalCheck {
  goal: string;
  leases: number;
  /** Ratio of the medians, which the goal is checked on. */
  ratio: number;
  /** Ratio of the fastest runs, for a busy machine. */
  fastestRatio: number;
  met: boolean;
}

interface Contender {
  kind: ResyncKind;
  settings: UpdateSettings;
  run(leases: number, directory: string): Promise<ResyncRun>;
}

function contendersFor(count: ResyncCount, environment: ResyncEnvironment): Contender[] {
  const dhcpf = (kind: ResyncKind, settings: UpdateSettings): Contender => ({
    kind,
    settings,
    run: (leases, directory) => runDhcpfResync(leases, settings, directory, environment.network),
  });
  const contenders = [
    dhcpf('dhcpf same settings', DHCPD_SETTINGS),
    dhcpf('dhcpf best settings', DHCPF_BEST_SETTINGS),
  ];
  const dhcpdPath = environment.dhcpdPath;
  if (count.withDhcpd && dhcpdPath !== undefined && environment.network === 'namespaces') {
    contenders.unshift({
      kind: 'dhcpd',
      settings: DHCPD_SETTINGS,
      run: (leases, directory) => runDhcpdResync(dhcpdPath, leases, directory),
    });
  }

  return contenders;
}

/** Runs every count and returns one row per contender and count, dhcpd first. */
export async function runResyncSection(
  counts: readonly ResyncCount[],
  environment: ResyncEnvironment,
): Promise<ResyncRow[]> {
  const rows: ResyncRow[] = [];
  for (const count of counts) {
    const contenders = contendersFor(count, environment);
    const runs = new Map<ResyncKind, ResyncRun[]>(contenders.map((c) => [c.kind, []]));
    for (let index = 1; index <= count.runs; index++) {
      for (const contender of contenders) {
        const run = await runInDirectory(contender, count.leases, environment.keepDirectories);
        runs.get(contender.kind)?.push(run);
        progress(
          `resync ${count.leases} leases, run ${index}/${count.runs}: ${describeRun(contender.kind, run)}`,
        );
      }
    }

    rows.push(...rowsOf(count, contenders, runs, environment));
  }

  return rows;
}

/** Runs the dhcpf pair alone with each of `grid` at one lease count, one run each. */
export async function runSweep(
  leases: number,
  grid: readonly UpdateSettings[],
  environment: ResyncEnvironment,
): Promise<ResyncRow[]> {
  const rows: ResyncRow[] = [];
  for (const settings of grid) {
    const contender: Contender = {
      kind: 'dhcpf sweep',
      settings,
      run: (count, directory) => runDhcpfResync(count, settings, directory, environment.network),
    };
    const run = await runInDirectory(contender, leases, environment.keepDirectories);
    progress(
      `sweep ${leases} leases: ${describeSettings(settings)}: ${describeRun(contender.kind, run)}`,
    );
    rows.push(summarize(contender.kind, settings, leases, [run], environment.network));
  }

  return rows;
}

async function runInDirectory(
  contender: Contender,
  leases: number,
  keep: boolean,
): Promise<ResyncRun> {
  const directory = mkdtempSync(join(tmpdir(), 'dhcpf-bench-resync-'));
  const run = await contender.run(leases, directory);
  if (keep || !run.ok) {
    progress(`${contender.kind} run files kept in ${directory}`);
  } else {
    rmSync(directory, { recursive: true, force: true });
  }

  return run;
}

function rowsOf(
  count: ResyncCount,
  contenders: readonly Contender[],
  runs: Map<ResyncKind, ResyncRun[]>,
  environment: ResyncEnvironment,
): ResyncRow[] {
  const rows = contenders.map((contender) =>
    summarize(
      contender.kind,
      contender.settings,
      count.leases,
      runs.get(contender.kind) ?? [],
      environment.network,
    ),
  );
  const dhcpd = rows.find((row) => row.kind === 'dhcpd');
  if (dhcpd === undefined) {
    rows.unshift(notMeasuredDhcpd(count, environment));
  }

  const dhcpdRate = dhcpd?.leasesPerSecond ?? 0;
  const dhcpdFastestRate = dhcpd?.fastestLeasesPerSecond ?? 0;
  for (const row of rows) {
    if (row.kind !== 'dhcpd' && dhcpdRate > 0 && row.leasesPerSecond > 0) {
      row.ratioToDhcpd = row.leasesPerSecond / dhcpdRate;
      row.fastestRatioToDhcpd = row.fastestLeasesPerSecond / dhcpdFastestRate;
    }
  }

  return rows;
}

function notMeasuredDhcpd(count: ResyncCount, environment: ResyncEnvironment): ResyncRow {
  let reason: string;
  if (!count.withDhcpd) {
    reason = `dhcpd's pool must fit 10.77.0.0/16 (at most ${MAX_DHCPD_LEASES} leases)`;
  } else if (environment.dhcpdPath === undefined) {
    reason = environment.dhcpdMissing ?? 'dhcpd not found';
  } else {
    reason = 'needs root for network namespaces';
  }

  return {
    ...summarize('dhcpd', DHCPD_SETTINGS, count.leases, [], environment.network),
    notMeasured: reason,
  };
}

function summarize(
  kind: ResyncKind,
  settings: UpdateSettings,
  leases: number,
  runs: ResyncRun[],
  network: ResyncNetwork,
): ResyncRow {
  const completed = runs.filter((run) => run.ok);
  const syncMs = median(completed.map((run) => run.syncMs));
  const fastestSyncMs = Math.min(...completed.map((run) => run.syncMs));
  const row: ResyncRow = {
    kind,
    settings,
    leases,
    network: kind === 'dhcpd' ? 'namespaces' : network,
    runs,
    syncMs,
    normalMs: median(completed.map((run) => run.normalMs)),
    leasesPerSecond: completed.length > 0 && syncMs > 0 ? (leases * 1000) / syncMs : 0,
    fastestSyncMs: completed.length > 0 ? fastestSyncMs : Number.NaN,
    fastestLeasesPerSecond:
      completed.length > 0 && fastestSyncMs > 0 ? (leases * 1000) / fastestSyncMs : 0,
  };
  if (runs.length > 0 && completed.length === 0) {
    row.notMeasured = `every run failed: ${runs[0]?.error ?? 'unknown error'}`;
  }

  return row;
}

/** Checks the two ratio goals at every lease count where dhcpd was measured. */
export function checkResyncGoals(rows: readonly ResyncRow[]): GoalCheck[] {
  const checks: GoalCheck[] = [];
  for (const row of rows) {
    const ratio = row.ratioToDhcpd;
    if (ratio === undefined) {
      continue;
    }

    const fastestRatio = row.fastestRatioToDhcpd ?? Number.NaN;
    if (row.kind === 'dhcpf best settings') {
      const goal = `dhcpf best settings >= ${BEST_RATIO_GOAL}x dhcpd`;
      checks.push({ goal, leases: row.leases, ratio, fastestRatio, met: ratio >= BEST_RATIO_GOAL });
    } else if (row.kind === 'dhcpf same settings') {
      const goal = `dhcpf same settings > ${SAME_SETTINGS_RATIO_GOAL}x dhcpd`;
      const met = ratio > SAME_SETTINGS_RATIO_GOAL;
      checks.push({ goal, leases: row.leases, ratio, fastestRatio, met });
    }
  }

  return checks;
}

export function describeSettings(settings: UpdateSettings): string {
  return `window ${settings.maxUnackedUpdates}, ${settings.updatesPerMessage}/BNDUPD`;
}

function describeRun(kind: ResyncKind, run: ResyncRun): string {
  if (!run.ok) {
    return `${kind} failed: ${run.error ?? 'no sync'}`;
  }

  const rate = Math.round((run.leases * 1000) / run.syncMs);
  return `${kind} ${(run.syncMs / 1000).toFixed(3)} s (${rate} leases/s)`;
}
