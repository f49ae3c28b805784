// `dhcpf demo [--leases N] [--clients K]`: a primary and a secondary in this process on 127.0.0.1,
// the primary holding N leases and the secondary none. It prints each state change with its
// trigger, reason and rule IDs, and the sync progress of both sides. Once both are NORMAL, K
// simulated DHCP clients get leases over loopback UDP, and the demo prints each DHCP reply with the
// lazy BNDUPD and the BNDACK that follow it (FO-7.1.1-m). A summary ends the run.

import type { Command } from 'commander';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RelationshipConfig } from '../config/types.js';
import { parseRelationshipConfig } from '../config/load.js';
import { startPeer, type Peer, type StateChange, type SyncEvent } from '../endpoint/peer.js';
import { poolFor, sampleActiveBindings } from '../endpoint/sample-bindings.js';
import { clientHashBucket, ownerOfBucket } from '../loadbal/hash-bucket.js';
import { createLogger, type Logger } from '../log.js';
import { openLeaseStore } from '../store/sqlite-store.js';
import {
  bindingMessageTap,
  formatReplyLogLine,
  parseMac,
  runDemoClients,
  type DemoClientOutcome,
  type DemoServer,
} from './demo-clients.js';

const FIRST_ADDRESS = '10.64.0.1';
/** Free addresses beyond the leased ones, like the interop kit's pool of N + 256. */
const SPARE_ADDRESSES = 256;
/** A short MCLT, so that a RECOVER-WAIT, if one happens, ends quickly. */
const DEMO_MCLT = 30;
/** Server identifiers the simulated clients see; both front ends listen on 127.0.0.1. */
const SERVER_IDENTIFIERS = { primary: '127.0.0.1', secondary: '127.0.0.2' } as const;
/** How long the demo waits for outstanding BNDACKs, before the clients and before the summary. */
const ACK_WAIT_MS = 3_000;
const ACK_POLL_MS = 20;
/** pino's level number of `info`; the --log file gets info and above, as before the clients. */
const INFO_LEVEL = 30;

interface DemoOptions {
  leases: string;
  clients: string;
  timeout: string;
  log?: string;
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('run a primary and a secondary on 127.0.0.1 and show them reach NORMAL')
    .option('--leases <count>', 'ACTIVE leases the primary starts with', '1000')
    .option(
      '--clients <count>',
      'simulated DHCP clients that get a lease once both are NORMAL',
      '3',
    )
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

interface DemoSettings {
  leases: number;
  clients: number;
  timeoutSeconds: number;
  logFile: string | undefined;
}

/** Checks the options; returns the settings or the first error message. */
function readDemoSettings(options: DemoOptions): DemoSettings | string {
  const leases = parseCount(options.leases, '--leases', 0);
  if (typeof leases === 'string') return leases;

  const clients = parseCount(options.clients, '--clients', 0);
  if (typeof clients === 'string') return clients;

  const timeoutSeconds = parseCount(options.timeout, '--timeout', 1);
  if (typeof timeoutSeconds === 'string') return timeoutSeconds;

  return { leases, clients, timeoutSeconds, logFile: options.log };
}

/** Runs the demo and returns the exit status: 0 when both reached NORMAL with every lease. */
export async function runDemo(options: DemoOptions): Promise<number> {
  const settings = readDemoSettings(options);
  if (typeof settings === 'string') {
    process.stderr.write(`${settings}\n`);
    return 2;
  }

  const directory = mkdtempSync(join(tmpdir(), 'dhcpf-demo-'));
  const removeDirectory = (): void => rmSync(directory, { recursive: true, force: true });
  process.once('exit', removeDirectory);
  try {
    return await runPair(directory, settings);
  } finally {
    removeDirectory();
    process.off('exit', removeDirectory);
  }
}

/**
 * Returns a logger whose lines go through `onLine`, and to `logFile` at level info and above. The
 * level is debug, because the DHCP front end logs each reply it sends at that level.
 */
function demoLogger(logFile: string | undefined, onLine: (line: string) => void): Logger {
  return createLogger({
    level: 'debug',
    stream: {
      write: (line: string) => {
        onLine(line);
        if (logFile !== undefined && levelOf(line) >= INFO_LEVEL) {
          appendFileSync(logFile, line);
        }
      },
    },
  });
}

function levelOf(line: string): number {
  const match = /"level":(\d+)/.exec(line);
  return match === null ? 0 : Number(match[1]);
}

async function runPair(directory: string, settings: DemoSettings): Promise<number> {
  const { leases, timeoutSeconds } = settings;
  const started = Date.now();
  const elapsed = (): string => `${((Date.now() - started) / 1000).toFixed(2).padStart(6)} s`;
  const print = (name: string, text: string): void => printLine(elapsed(), name, text);
  // Client traffic and its failover messages are shown only after NORMAL, not the initial sync.
  let showClients = false;
  const logger = demoLogger(settings.logFile, (line) => {
    const reply = showClients ? formatReplyLogLine(line) : undefined;
    if (reply !== undefined) print(roleOf(line), reply);
  });
  const tapFor = (name: string) =>
    bindingMessageTap(
      (text) => print(name, text),
      () => showClients,
    );
  seedPrimaryStore(join(directory, 'primary.db'), leases);
  const secondary = await startPeer(demoConfig('secondary', directory, leases, 0), {
    logger,
    tapConnection: tapFor('secondary'),
  });
  const primary = await startPeer(
    demoConfig('primary', directory, leases, secondary.listeningPort ?? 0),
    { logger, tapConnection: tapFor('primary') },
  );
  followProgress(primary, secondary, leases, print);

  let status: number;
  if (await bothNormal(primary, secondary, timeoutSeconds * 1000)) {
    // The primary lends half its free addresses on entering NORMAL; those BNDUPDs go first.
    await allAcknowledged(primary);
    showClients = true;
    const outcomes = await runClients(primary, secondary, settings.clients, print);
    showClients = false;
    status = printSummary(primary, secondary, leases, Date.now() - started, outcomes);
  } else {
    status = printTimeout(primary, secondary, timeoutSeconds);
  }

  await primary.stop();
  await secondary.stop();
  return status;
}

function roleOf(line: string): string {
  return /"role":"(primary|secondary)"/.exec(line)?.[1] ?? 'server';
}

function followProgress(
  primary: Peer,
  secondary: Peer,
  leases: number,
  print: (name: string, text: string) => void,
): void {
  const progress = new SyncProgressFilter(leases);
  for (const [name, peer] of [
    ['primary', primary],
    ['secondary', secondary],
  ] as const) {
    peer.on('state', (change) => print(name, formatStateChange(change)));
    peer.on('sync', (event) => {
      if (progress.shouldPrint(name, event)) {
        print(name, formatSyncEvent(event));
      }
    });
  }
}

/**
 * Runs `count` simulated clients, alternately of the primary's and the secondary's hash buckets,
 * so both servers reply from their own addresses. Waits for the BNDACKs of their leases.
 */
async function runClients(
  primary: Peer,
  secondary: Peer,
  count: number,
  print: (name: string, text: string) => void,
): Promise<DemoClientOutcome[]> {
  const servers: DemoServer[] = [];
  for (const [name, peer] of [
    ['primary', primary],
    ['secondary', secondary],
  ] as const) {
    if (peer.dhcp !== undefined) {
      servers.push({ name, port: peer.dhcp.port, serverIdentifier: SERVER_IDENTIFIERS[name] });
    }
  }

  const macs = demoClientMacs(primary.hashBucketAssignment, count);
  const outcomes = await runDemoClients(servers, macs, (text) => print('client', text));
  await allAcknowledged(primary);
  await allAcknowledged(secondary);
  return outcomes;
}

/** Waits until the partner has acknowledged every change of `peer`, or ACK_WAIT_MS has passed. */
async function allAcknowledged(peer: Peer): Promise<void> {
  const deadline = Date.now() + ACK_WAIT_MS;
  while (peer.store.countPending() > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, ACK_POLL_MS));
  }
}

/**
 * Returns `count` MACs 02:00:00:00:d0:NN whose hash buckets belong alternately to the primary and
 * the secondary, primary first (FO-9.8.2-a). Without an assignment the MACs simply count up.
 */
export function demoClientMacs(assignment: Uint8Array | undefined, count: number): string[] {
  const macs: string[] = [];
  const used = new Set<number>();
  for (let index = 0; index < count; index++) {
    const owner = index % 2 === 0 ? 'primary' : 'secondary';
    const last = nextMacByte(assignment, owner, used);
    if (last === undefined) break;

    used.add(last);
    macs.push(demoMac(last));
  }
  return macs;
}

function demoMac(last: number): string {
  return `02:00:00:00:d0:${last.toString(16).padStart(2, '0')}`;
}

function nextMacByte(
  assignment: Uint8Array | undefined,
  owner: 'primary' | 'secondary',
  used: ReadonlySet<number>,
): number | undefined {
  for (let last = 1; last < 256; last++) {
    if (used.has(last)) continue;

    const bucket = clientHashBucket(parseMac(demoMac(last)));
    if (assignment === undefined || ownerOfBucket(assignment, bucket) === owner) return last;
  }
  return undefined;
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
    // Loopback clients have no address to broadcast from, so replies go back to their source.
    dhcp: {
      address: '127.0.0.1',
      port: 0,
      serverIdentifier: SERVER_IDENTIFIERS[role],
      replyTo: 'source',
    },
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

function printSummary(
  primary: Peer,
  secondary: Peer,
  leases: number,
  elapsedMs: number,
  clients: readonly DemoClientOutcome[],
): number {
  const primaryStats = primary.statistics;
  const leased = clients.filter((client) => client.address !== undefined).length;
  const unacknowledged = primary.store.countPending() + secondary.store.countPending();
  const secondaryStats = secondary.statistics;
  const secondaryBindings = secondary.store.countBindings();
  const lines = [
    '',
    'Both servers are NORMAL.',
    `  time taken          ${(elapsedMs / 1000).toFixed(2)} s`,
    `  states              primary ${primary.state}, secondary ${secondary.state}`,
    `  bindings            primary ${primary.store.countBindings()}, secondary ${secondaryBindings} (${statusCounts(secondary)}; ${leases} preloaded)`,
    `  messages sent       primary ${primaryStats.messagesSent}, secondary ${secondaryStats.messagesSent}`,
    `  binding updates     primary sent ${primaryStats.bindingsSent}, secondary stored ${secondaryStats.bindingsReceived}`,
    `  DHCP clients        ${leased} of ${clients.length} leased, ${unacknowledged} updates unacknowledged`,
    '',
  ];
  process.stdout.write(lines.join('\n'));
  return secondaryBindings >= leases && leased === clients.length ? 0 : 1;
}

/** Formats a store's bindings by binding-status, such as "1003 ACTIVE, 127 BACKUP". */
function statusCounts(peer: Peer): string {
  const counts = new Map<string, number>();
  for (const binding of peer.store.allBindings()) {
    counts.set(binding.bindingStatus, (counts.get(binding.bindingStatus) ?? 0) + 1);
  }

  return [...counts].map(([status, count]) => `${count} ${status}`).join(', ');
}

function printTimeout(primary: Peer, secondary: Peer, timeoutSeconds: number): number {
  process.stderr.write(
    `dhcpf demo: NORMAL not reached within ${timeoutSeconds} s: primary in ${primary.state}, secondary in ${secondary.state}\n`,
  );
  return 1;
}
