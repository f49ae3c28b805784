// `dhcpf demo [--leases N]`: a primary and a secondary in this process on 127.0.0.1, the primary
// holding N leases and the secondary none. It prints each state change and the sync progress of
// both sides, and a summary once both are NORMAL.

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
  for (const [name, peer] of [
    ['primary', primary],
    ['secondary', secondary],
  ] as const) {
    peer.on('state', (change) => printStateChange(elapsed(), name, change));
    peer.on('sync', (event) => printSync(elapsed(), name, event));
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

function printStateChange(elapsed: string, name: string, change: StateChange): void {
  process.stdout.write(`${elapsed}  ${name.padEnd(9)} ${change.from} -> ${change.to}\n`);
}

function printSync(elapsed: string, name: string, event: SyncEvent): void {
  const verb = event.direction === 'sent' ? 'sent' : 'received';
  const of = event.total > 0 ? ` of ${event.total}` : '';
  const done = event.done ? ', done' : '';
  process.stdout.write(
    `${elapsed}  ${name.padEnd(9)} ${verb} ${event.count}${of} bindings${done}\n`,
  );
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
    `  bindings            primary ${primary.store.countBindings()}, secondary ${secondaryBindings} (of ${leases} leases)`,
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
