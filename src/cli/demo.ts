// `dhcpf demo [--leases N]`: a primary and a secondary in this process on 127.0.0.1, the primary
// holding N leases and the secondary none. It prints each state change with its trigger, reason
// and rule IDs, the sync progress of both sides, and a summary once both are NORMAL.

import type { Command } from 'commander';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RelationshipConfig } from '../config/types.js';
import { parseRelationshipConfig } from '../config/load.js';
import { startPeer, type Peer, type StateChange, type SyncEvent } from '../endpoint/peer.js';
import { poolFor, sampleActiveBindings } from '../endpoint/sample-bindings.js';
import { createLogger, createSilentLogger } from '../log.js';
import { openLeaseStore } from '../store/sqlite-store.js';

const FIRST_ADDRESS = '10.64.0.1';
/** Free addresses beyond the leased ones, like the interop kit's pool of N + 256. */
const SPARE_ADDRESSES = 256;
/** A short MCLT, so that a RECOVER-WAIT, if one happens, ends quickly. */
const DEMO_MCLT = 30;

interface DemoOptions {
  leases: string;
  timeout: string;
  log?: string;
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('run a primary and a secondary on 127.0.0.1 and show them reach NORMAL')
    .option('--leases <count>', 'ACTIVE leases the primary starts with', '1000')
    .option('--timeout <seconds>', 'give up when both are not NORMAL after this long', '60')
    .option('--log <file>', "write both peers' JSON log lines to this file")
    .action(async (options: DemoOptions) => {
      process.exitCode = await runDemo(options);
    });
}

function parseCount(value: string, name: string, minimum: number): number | string {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < minimum) {
    return `dhcpf demo: ${name} is ${JSON.stringify(value)}, expected an integer of at least ${minimum}`;
  }

  return parsed;
}

async function runDemo(options: DemoOptions): Promise<number> {
  const leases = parseCount(options.leases, '--leases', 0);
  const timeoutSeconds = parseCount(options.timeout, '--timeout', 1);
  if (typeof leases === 'string' || typeof timeoutSeconds === 'string') {
    process.stderr.write(`${typeof leases === 'string' ? leases : String(timeoutSeconds)}\n`);
    return 2;
  }

  const directory = mkdtempSync(join(tmpdir(), 'dhcpf-demo-'));
  const removeDirectory = (): void => rmSync(directory, { recursive: true, force: true });
  process.once('exit', removeDirectory);
  try {
    return await runPair(directory, leases, timeoutSeconds, options.log);
  } finally {
    removeDirectory();
    process.off('exit', removeDirectory);
  }
}

async function runPair(
  directory: string,
  leases: number,
  timeoutSeconds: number,
  logFile: string | undefined,
): Promise<number> {
  const logger = logFile === undefined ? createSilentLogger() : createLogger({ file: logFile });
  const primaryStore = join(directory, 'primary.db');
  seedPrimaryStore(primaryStore, leases);
  const started = Date.now();
  const secondary = await startPeer(demoConfig('secondary', directory, leases, 0), { logger });
  const primary = await startPeer(
    demoConfig('primary', directory, leases, secondary.listeningPort ?? 0),
    { logger },
  );
  const elapsed = (): string => `${((Date.now() - started) / 1000).toFixed(2).padStart(6)} s`;
  const progress = new SyncProgressFilter(leases);
  for (const [name, peer] of [
    ['primary', primary],
    ['secondary', secondary],
  ] as const) {
    peer.on('state', (change) => printLine(elapsed(), name, formatStateChange(change)));
    peer.on('sync', (event) => {
      if (progress.shouldPrint(name, event)) {
        printLine(elapsed(), name, formatSyncEvent(event));
      }
    });
  }

  const reached = await bothNormal(primary, secondary, timeoutSeconds * 1000);
  const status = reached
    ? printSummary(primary, secondary, leases, Date.now() - started)
    : printTimeout(primary, secondary, timeoutSeconds);
  await primary.stop();
  await secondary.stop();
  return status;
}

export function seedPrimaryStore(path: string, leases: number): void {
  const store = openLeaseStore(path);
  try {
    store.putBindings(sampleActiveBindings(leases, FIRST_ADDRESS, Math.floor(Date.now() / 1000)));
  } finally {
    store.close();
  }
}

export function demoConfig(
  role: 'primary' | 'secondary',
  directory: string,
  leases: number,
  peerPort: number,
): RelationshipConfig {
  return parseRelationshipConfig({
    name: 'demo',
    role,
    local: { address: '127.0.0.1', port: 0 },
    // The primary connects to the port the secondary got; the secondary checks only the address.
    peer: { address: '127.0.0.1', port: role === 'primary' ? peerPort : 1 },
    mclt: DEMO_MCLT,
    startupSeconds: 5,
    pools: [poolFor(FIRST_ADDRESS, leases, SPARE_ADDRESSES)],
    store: join(directory, `${role}.db`),
  });
}

export function bothNormal(primary: Peer, secondary: Peer, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (primary.state === 'NORMAL' && secondary.state === 'NORMAL') {
        finish(true);
      }
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    const finish = (result: boolean): void => {
      clearTimeout(timer);
      primary.off('state', check);
      secondary.off('state', check);
      resolve(result);
    };
    primary.on('state', check);
    secondary.on('state', check);
    check();
  });
}

function printLine(elapsed: string, name: string, text: string): void {
  process.stdout.write(`${elapsed}  ${name.padEnd(9)} ${text}\n`);
}

/** Reasons of the state changes a demo run shows, by rule ID, which is the most specific. */
const REASON_BY_RULE: Readonly<Record<string, string>> = {
  'FO-9.6.2-b': 'first sync, no wait',
};

/** Reasons by the machine event that caused the change, with the state entered when it matters. */
const REASON_BY_TRIGGER: Readonly<Record<string, string>> = {
  'PARTNER_STATE RECOVER': 'partner reached, bindings to be synced',
  'PARTNER_STATE NORMAL': 'partner in RECOVER-DONE or NORMAL',
  'UPDDONE RECOVER-WAIT': 'all bindings received, MCLT wait starts',
  'UPDDONE RECOVER-DONE': 'all bindings received',
  MCLT_EXPIRED: 'MCLT after the last operating time has passed',
  CONNECTED: 'connected to the partner',
  COMMUNICATIONS_FAILED: 'connection to the partner lost',
  STARTUP_EXPIRED: 'STARTUP time over',
  SAFE_PERIOD_EXPIRED: 'safe period over',
  PARTNER_DOWN: 'partner declared down',
  PAUSE: 'pause requested',
  SHUTDOWN: 'shutdown requested',
};

/**
 * Formats a state change as "FROM -> TO (TRIGGER: reason; RULES)", where RULES are the IDs of the
 * transitions taken. The reason is left out for a trigger that the tables above do not list.
 */
export function formatStateChange(change: StateChange): string {
  const reason =
    change.rules.map((rule) => REASON_BY_RULE[rule]).find((text) => text !== undefined) ??
    REASON_BY_TRIGGER[`${change.trigger} ${change.to}`] ??
    REASON_BY_TRIGGER[change.trigger];
  const cause = reason === undefined ? change.trigger : `${change.trigger}: ${reason}`;
  const rules = change.rules.length === 0 ? '' : `; ${change.rules.join(', ')}`;
  return `${change.from} -> ${change.to} (${cause}${rules})`;
}

/** Formats a sync event as "sent 100 of 1000 bindings", ending in ", done" for the last one. */
export function formatSyncEvent(event: SyncEvent): string {
  const verb = event.direction === 'sent' ? 'sent' : 'received';
  const of = event.total > 0 ? ` of ${event.total}` : '';
  const noun = (event.total > 0 ? event.total : event.count) === 1 ? 'binding' : 'bindings';
  const done = event.done ? ', done' : '';
  return `${verb} ${event.count}${of} ${noun}${done}`;
}

/** Progress steps per sync: one line each tenth of the leases. */
const PROGRESS_STEPS = 10;

/**
 * Picks the sync events the demo prints, the same way for both sides: one line when the count
 * passes another tenth of the total, and the final event once. The receiver learns the total only
 * at the end, so the demo's lease count is used until then.
 */
export class SyncProgressFilter {
  private readonly lastPrinted = new Map<string, number>();

  constructor(private readonly leases: number) {}

  shouldPrint(side: string, event: SyncEvent): boolean {
    if (event.done) {
      return true;
    }

    const total = event.total > 0 ? event.total : this.leases;
    if (event.count >= total) {
      return false;
    }

    const key = `${side} ${event.direction}`;
    const step = Math.max(1, Math.ceil(total / PROGRESS_STEPS));
    const last = this.lastPrinted.get(key) ?? 0;
    if (Math.floor(event.count / step) <= Math.floor(last / step)) {
      return false;
    }

    this.lastPrinted.set(key, event.count);
    return true;
  }
}

function printSummary(primary: Peer, secondary: Peer, leases: number, elapsedMs: number): number {
  const primaryStats = primary.statistics;
  const secondaryStats = secondary.statistics;
  const secondaryBindings = secondary.store.countBindings();
  const lines = [
    '',
    'Both servers are NORMAL.',
    `  time taken          ${(elapsedMs / 1000).toFixed(2)} s`,
    `  states              primary ${primary.state}, secondary ${secondary.state}`,
    `  bindings            primary ${primary.store.countBindings()}, secondary ${secondaryBindings} (of ${leases} ${leases === 1 ? 'lease' : 'leases'})`,
    `  messages sent       primary ${primaryStats.messagesSent}, secondary ${secondaryStats.messagesSent}`,
    `  binding updates     primary sent ${primaryStats.bindingsSent}, secondary stored ${secondaryStats.bindingsReceived}`,
    '',
  ];
  process.stdout.write(lines.join('\n'));
  return secondaryBindings >= leases ? 0 : 1;
}

function printTimeout(primary: Peer, secondary: Peer, timeoutSeconds: number): number {
  process.stderr.write(
    `dhcpf demo: NORMAL not reached within ${timeoutSeconds} s: primary in ${primary.state}, secondary in ${secondary.state}\n`,
  );
  return 1;
}
