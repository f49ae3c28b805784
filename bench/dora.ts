// The DORA section of `npm run bench`: leases per second that perfdhcp obtains through a relay
// from ISC dhcpd, Kea and dhcpf, standalone and as failover pairs, in one network layout. Each
// setup runs a ramp of offered rates; its figure is the highest ACK rate of the ramp. After every
// step the servers' stored leases are counted, and dhcpf must store at least one lease per ACK
// perfdhcp received, because it commits each lease before it sends the ACK (FO-5.2.1-f).

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DoraNetwork } from './dora-network.js';
import {
  clockTicksPerSecond,
  cpuTicks,
  DORA_SETUPS,
  startSetup,
  waitIdle,
  type DoraSetupName,
} from './dora-servers.js';
import { findCommand } from './machine.js';
import { progress } from './measure.js';
import { fixed, integer, markdownTable } from './table.js';

/** Offered DORA/s of the ramp and seconds per step of a default run. */
export const DORA_RATES = [500, 1000, 2000, 3000, 4000, 6000];
export const DORA_PERIOD_SECONDS = 10;
/** A step losing more than this share of its exchanges ends the ramp of its setup, percent. */
const STOP_LOSS_PERCENT = 10;

export interface DoraRow {
  setup: DoraSetupName;
  offeredRate: number;
  periodSeconds: number;
  discovers: number;
  offers: number;
  requests: number;
  acks: number;
  acksPerSecond: number;
  /** 1 - ACKs / DISCOVERs, percent. */
  lossPercent: number;
  /** Server CPU over the step, percent of one CPU, summed over the setup's processes. */
  serverCpuPercent: number;
  /** Distinct addresses the servers store as leased after the step. */
  storedLeases: number;
}

export interface DoraResult {
  rows: DoraRow[];
  /** Setups left out and why. */
  skipped: { setup: DoraSetupName; reason: string }[];
}

export interface DoraPlan {
  rates: readonly number[];
  periodSeconds: number;
  setups: readonly DoraSetupName[];
}

/** Returns why the section cannot run here, or undefined when it can. */
export function doraPrerequisiteMissing(): string | undefined {
  if (process.getuid?.() !== 0) {
    return 'needs root for network namespaces';
  }

  if (findCommand('ip') === undefined) {
    return 'ip (iproute2) not installed';
  }

  return findCommand('perfdhcp') === undefined
    ? 'perfdhcp not installed (apt-get install kea-admin)'
    : undefined;
}

function setupMissing(setup: DoraSetupName): string | undefined {
  if (setup.startsWith('dhcpd') && findCommand('dhcpd') === undefined) {
    return 'dhcpd not installed (apt-get install isc-dhcp-server)';
  }

  return setup === 'kea' && findCommand('kea-dhcp4') === undefined
    ? 'kea-dhcp4 not installed (apt-get install kea-dhcp4-server)'
    : undefined;
}

/** Runs the ramp of every setup in one set of namespaces. */
export async function runDoraSection(plan: DoraPlan): Promise<DoraResult> {
  const result: DoraResult = { rows: [], skipped: [] };
  const network = new DoraNetwork();
  const workDir = mkdtempSync(join(tmpdir(), 'dhcpf-dora-'));
  try {
    for (const setup of plan.setups) {
      const missing = setupMissing(setup);
      if (missing !== undefined) {
        result.skipped.push({ setup, reason: missing });
        progress(`dora: ${setup} skipped, ${missing}`);
        continue;
      }

      for (const rate of plan.rates) {
        const row = await runStep(setup, rate, plan.periodSeconds, { network, workDir });
        result.rows.push(row);
        progress(
          `dora: ${setup} at ${rate}/s: ${integer(row.acksPerSecond)} ACK/s, loss ${fixed(row.lossPercent, 1)} %, ${row.storedLeases} stored`,
        );
        if (row.lossPercent > STOP_LOSS_PERCENT) {
          break;
        }
      }
    }
  } finally {
    network.close();
    rmSync(workDir, { recursive: true, force: true });
  }

  return result;
}

async function runStep(
  setup: DoraSetupName,
  rate: number,
  periodSeconds: number,
  context: { network: DoraNetwork; workDir: string },
): Promise<DoraRow> {
  const running = await startSetup(setup, context);
  // A server just started may still be loading leases or exchanging them with its partner.
  await waitIdle(running.processes);
  const ticksBefore = running.processes.map((started) => cpuTicks(started.pid));
  const output = await runPerfdhcp(context.network.client, rate, periodSeconds);
  const ticksAfter = running.processes.map((started) => cpuTicks(started.pid));
  const storedLeases = await running.stop();
  const counts = parsePerfdhcp(output);
  const usedTicks = ticksAfter.reduce(
    (sum, ticks, index) => sum + ticks - (ticksBefore[index] ?? 0),
    0,
  );
  return {
    setup,
    offeredRate: rate,
    periodSeconds,
    ...counts,
    acksPerSecond: counts.acks / periodSeconds,
    lossPercent: counts.discovers > 0 ? (1 - counts.acks / counts.discovers) * 100 : 100,
    serverCpuPercent: (usedTicks / clockTicksPerSecond() / periodSeconds) * 100,
    storedLeases,
  };
}

/**
 * Runs perfdhcp as a relay agent on eth0 of the client namespace: it broadcasts DISCOVER and
 * REQUEST from port 67 with giaddr set, for up to 16 million distinct clients, and prints its
 * statistics when the period ends.
 */
function runPerfdhcp(namespace: string, rate: number, periodSeconds: number): Promise<string> {
  const args = ['netns', 'exec', namespace, 'timeout', String(periodSeconds + 30)];
  args.push('perfdhcp', '-4', '-l', 'eth0', '-r', String(rate), '-R', '16000000');
  args.push('-p', String(periodSeconds), 'all');
  return new Promise((resolve, reject) => {
    const child = spawn('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', () => resolve(output));
  });
}

/** Reads sent and received counts of both exchanges from perfdhcp's report. */
export function parsePerfdhcp(
  output: string,
): Pick<DoraRow, 'discovers' | 'offers' | 'requests' | 'acks'> {
  const sent: number[] = [];
  const received: number[] = [];
  let exchange = -1;
  for (const line of output.split('\n')) {
    if (
      line.startsWith('***Statistics for: DISCOVER-OFFER') ||
      line.includes('Statistics for: DISCOVER-OFFER')
    ) {
      exchange = 0;
    } else if (line.includes('Statistics for: REQUEST-ACK')) {
      exchange = 1;
    }

    const count = /^(sent|received) packets: (\d+)/.exec(line);
    if (count !== null && exchange >= 0) {
      (count[1] === 'sent' ? sent : received)[exchange] = Number(count[2]);
    }
  }

  return {
    discovers: sent[0] ?? 0,
    offers: received[0] ?? 0,
    requests: sent[1] ?? 0,
    acks: received[1] ?? 0,
  };
}

/** Returns the highest ACK rate of each setup's ramp. */
export function peakRates(rows: readonly DoraRow[]): Map<DoraSetupName, number> {
  const peaks = new Map<DoraSetupName, number>();
  for (const row of rows) {
    peaks.set(row.setup, Math.max(peaks.get(row.setup) ?? 0, row.acksPerSecond));
  }

  return peaks;
}

/** Goals: a dhcpf pair keeps 95 % of standalone dhcpf and 2.5 times a dhcpd pair. */
export const DORA_GOALS = { pairOverStandalone: 0.95, pairOverDhcpdPair: 2.5 } as const;

export interface DoraGoalCheck {
  name: string;
  ratio: number | undefined;
  goal: number;
}

export function checkDoraGoals(rows: readonly DoraRow[]): DoraGoalCheck[] {
  const peaks = peakRates(rows);
  const ratio = (top: DoraSetupName, bottom: DoraSetupName): number | undefined => {
    const numerator = peaks.get(top);
    const denominator = peaks.get(bottom);
    return numerator === undefined || denominator === undefined || denominator === 0
      ? undefined
      : numerator / denominator;
  };
  return [
    {
      name: 'dhcpf pair / dhcpf standalone',
      ratio: ratio('dhcpf-pair', 'dhcpf'),
      goal: DORA_GOALS.pairOverStandalone,
    },
    {
      name: 'dhcpf pair / dhcpd pair',
      ratio: ratio('dhcpf-pair', 'dhcpd-pair'),
      goal: DORA_GOALS.pairOverDhcpdPair,
    },
  ];
}

/** Returns the dhcpf steps whose stores hold fewer leases than perfdhcp received ACKs. */
export function uncommittedSteps(rows: readonly DoraRow[]): DoraRow[] {
  return rows.filter((row) => row.setup.startsWith('dhcpf') && row.storedLeases < row.acks);
}

function goalMet(check: DoraGoalCheck): string {
  if (check.ratio === undefined) {
    return 'n/a';
  }

  return check.ratio >= check.goal ? 'yes' : 'no';
}

export function formatDora(result: DoraResult): string {
  const steps = markdownTable(
    [
      'setup',
      'offered/s',
      'DISCOVER',
      'OFFER',
      'REQUEST',
      'ACK',
      'ACK/s',
      'loss %',
      'server CPU %',
      'stored',
    ],
    result.rows.map((row) => [
      row.setup,
      integer(row.offeredRate),
      integer(row.discovers),
      integer(row.offers),
      integer(row.requests),
      integer(row.acks),
      integer(row.acksPerSecond),
      fixed(row.lossPercent, 1),
      integer(row.serverCpuPercent),
      integer(row.storedLeases),
    ]),
  );
  const peaks = markdownTable(
    ['setup', 'peak ACK/s'],
    [...peakRates(result.rows)].map(([setup, peak]) => [setup, integer(peak)]),
  );
  const goals = markdownTable(
    ['ratio', 'measured', 'goal', 'met'],
    checkDoraGoals(result.rows).map((check) => [
      check.name,
      fixed(check.ratio, 2),
      fixed(check.goal, 2),
      goalMet(check),
    ]),
  );
  const uncommitted = uncommittedSteps(result.rows);
  const commitLine =
    uncommitted.length === 0
      ? 'Every dhcpf step stored at least one lease per ACK received.'
      : `dhcpf stored fewer leases than ACKs in ${uncommitted.length} steps: ${uncommitted.map((row) => `${row.setup} at ${row.offeredRate}/s`).join(', ')}.`;
  const skipped = result.skipped.map((item) => `Skipped ${item.setup}: ${item.reason}.`);
  return ['## DORA (perfdhcp through a relay)', steps, peaks, goals, commitLine, ...skipped].join(
    '\n\n',
  );
}

export { DORA_SETUPS };
