// One full resync between two fresh dhcpf peers (`dhcpf serve`) in a namespace pair: the primary
// holds N ACTIVE leases loaded with `dhcpf leases load`, the secondary none. The time runs from the
// secondary's UPDREQALL to its sync.done (the partner's UPDDONE after the last binding) and to its
// state change into NORMAL, all read from the secondary's log.

import { execFileSync } from 'node:child_process';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { poolEnd, POOL_START, writeDhcpfLeases } from './lease-seeds.js';
import { ADDRESS_A, ADDRESS_B, NamespacePair } from './namespaces.js';
import { JsonLogFollower, lineTime, type LogLine } from './json-log.js';
import { StartedProcess, waitUntil } from './processes.js';
import type { ResyncRun, UpdateSettings } from './resync-types.js';
import { dhcpfCliPath } from './shared-dir.js';

const START_TIMEOUT_MS = 20_000;
const LOOPBACK = '127.0.0.1';

/** Network of a dhcpf pair: a namespace pair on port 647 (root), or 127.0.0.1 with a free port. */
export type ResyncNetwork = 'namespaces' | 'loopback';

interface Endpoint {
  address: string;
  port: number;
}

/**
 * Returns the local and peer endpoints of a role. On loopback the secondary listens on port 0, and
 * the primary connects to the port it got. The secondary checks only the partner's address, so
 * its peer port is a placeholder.
 */
function endpointsOf(
  role: 'primary' | 'secondary',
  network: ResyncNetwork,
  listeningPort: number,
): { local: Endpoint; peer: Endpoint } {
  if (network === 'loopback') {
    return role === 'primary'
      ? { local: { address: LOOPBACK, port: 0 }, peer: { address: LOOPBACK, port: listeningPort } }
      : { local: { address: LOOPBACK, port: 0 }, peer: { address: LOOPBACK, port: 1 } };
  }

  return role === 'primary'
    ? { local: { address: ADDRESS_A, port: 647 }, peer: { address: ADDRESS_B, port: 647 } }
    : { local: { address: ADDRESS_B, port: 647 }, peer: { address: ADDRESS_A, port: 647 } };
}

export function dhcpfConfig(
  role: 'primary' | 'secondary',
  leaseCount: number,
  settings: UpdateSettings,
  storePath: string,
  endpoints: { local: Endpoint; peer: Endpoint },
): Record<string, unknown> {
  return {
    name: 'fo',
    role,
    ...endpoints,
    mclt: 600,
    split: 128,
    maxUnackedUpdates: settings.maxUnackedUpdates,
    updatesPerMessage: settings.updatesPerMessage,
    // STARTUP and connect retries happen before the UPDREQALL, outside the measured time.
    startupSeconds: 1,
    connectRetrySeconds: 1,
    pools: [{ start: POOL_START, end: poolEnd(leaseCount) }],
    store: storePath,
  };
}

/** Sync milestones read from the empty side's log. */
class SyncWatch {
  started = false;
  listeningPort = 0;
  updreqallMs: number | undefined;
  syncDoneMs: number | undefined;
  received = 0;
  normalMs: number | undefined;
  private readonly follower: JsonLogFollower;

  constructor(logPath: string) {
    this.follower = new JsonLogFollower(logPath);
  }

  /** Reads the new log lines; true once the peer has started listening. */
  hasStarted(): boolean {
    this.poll();
    return this.started;
  }

  /** Reads the new log lines; true once the partner's UPDDONE came and the peer is NORMAL. */
  isSynced(): boolean {
    this.poll();
    return this.syncDoneMs !== undefined && this.normalMs !== undefined;
  }

  private poll(): void {
    for (const line of this.follower.poll()) {
      this.note(line);
    }
  }

  private note(line: LogLine): void {
    const event = line['event'];
    if (event === 'peer.started') {
      this.started = true;
      this.listeningPort = typeof line['listeningPort'] === 'number' ? line['listeningPort'] : 0;
    } else if (isUPDREQALLSent(line) && this.updreqallMs === undefined) {
      this.updreqallMs = lineTime(line);
    } else if (event === 'sync.done' && line['direction'] === 'received') {
      this.syncDoneMs ??= lineTime(line);
      this.received = typeof line['received'] === 'number' ? line['received'] : 0;
    } else if (event === 'state.change' && line['to'] === 'NORMAL') {
      this.normalMs ??= lineTime(line);
    }
  }
}

function isUPDREQALLSent(line: LogLine): boolean {
  return (
    line['event'] === 'sync.progress' &&
    line['direction'] === 'received' &&
    line['request'] === 'UPDREQALL' &&
    line['received'] === 0
  );
}

interface RunFiles {
  primaryConfig: string;
  secondaryConfig: string;
  primaryStore: string;
  secondaryStore: string;
  primaryLog: string;
  secondaryLog: string;
}

function runFiles(directory: string): RunFiles {
  return {
    primaryConfig: join(directory, 'primary.json'),
    secondaryConfig: join(directory, 'secondary.json'),
    primaryStore: join(directory, 'primary.db'),
    secondaryStore: join(directory, 'secondary.db'),
    primaryLog: join(directory, 'primary.log'),
    secondaryLog: join(directory, 'secondary.log'),
  };
}

/** Loads the N leases into the primary's store with `dhcpf leases load`, marked pending. */
function seedPrimary(directory: string, files: RunFiles, leaseCount: number): void {
  const seed = join(directory, 'seed.jsonl');
  writeDhcpfLeases(seed, leaseCount, Math.floor(Date.now() / 1000));
  const args = [dhcpfCliPath, 'leases', 'load', seed, '--store', files.primaryStore];
  execFileSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
}

function startServe(
  namespace: string | undefined,
  config: string,
  log: string,
  label: string,
): StartedProcess {
  return new StartedProcess({
    label,
    namespace,
    command: process.execPath,
    args: [...servedNodeOptions(), dhcpfCliPath, 'serve', '--config', config, '--log', log],
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/**
 * Extra node options for the `dhcpf serve` processes from DHCPF_BENCH_NODE_OPTIONS, such as
 * "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile a run (node refuses --cpu-prof in NODE_OPTIONS).
 */
function servedNodeOptions(): string[] {
  return (process.env['DHCPF_BENCH_NODE_OPTIONS'] ?? '').split(' ').filter((word) => word !== '');
}

/** Runs one dhcpf<->dhcpf resync of `leaseCount` leases in `directory`. */
export async function runDhcpfResync(
  leaseCount: number,
  settings: UpdateSettings,
  directory: string,
  network: ResyncNetwork = 'namespaces',
): Promise<ResyncRun> {
  const files = runFiles(directory);
  seedPrimary(directory, files, leaseCount);
  const pair = network === 'namespaces' ? new NamespacePair() : undefined;
  const peers: StartedProcess[] = [];
  const watch = new SyncWatch(files.secondaryLog);
  const writeConfig = (role: 'primary' | 'secondary', path: string, store: string): void => {
    const endpoints = endpointsOf(role, network, watch.listeningPort);
    const config = dhcpfConfig(role, leaseCount, settings, store, endpoints);
    writeFileSync(path, JSON.stringify(config, null, 2));
  };
  try {
    writeConfig('secondary', files.secondaryConfig, files.secondaryStore);
    const empty = startServe(pair?.b, files.secondaryConfig, files.secondaryLog, 'dhcpf secondary');
    peers.push(empty);
    await waitUntil('the empty dhcpf to listen', () => watch.hasStarted(), {
      timeoutMs: START_TIMEOUT_MS,
      watch: peers,
    });
    writeConfig('primary', files.primaryConfig, files.primaryStore);
    const full = startServe(pair?.a, files.primaryConfig, files.primaryLog, 'dhcpf primary');
    peers.push(full);
    await waitUntil('sync.done and NORMAL on the empty dhcpf', () => watch.isSynced(), {
      timeoutMs: 60_000 + leaseCount * 10,
      watch: peers,
    });
    const run = measuredRun(leaseCount, watch, full, empty);
    await Promise.all(peers.map((peer) => peer.stop()));
    // Closing the store checkpoints its write-ahead log, so the file sizes are the settled ones.
    run.fullSideStoreBytes = storeSize(files.primaryStore);
    run.emptySideStoreBytes = storeSize(files.secondaryStore);
    return run;
  } catch (error) {
    return { leases: leaseCount, ok: false, syncMs: 0, normalMs: 0, error: String(error) };
  } finally {
    await Promise.all(peers.map((peer) => peer.stop()));
    pair?.close();
  }
}

function measuredRun(
  leaseCount: number,
  watch: SyncWatch,
  full: StartedProcess,
  empty: StartedProcess,
): ResyncRun {
  const start = watch.updreqallMs ?? 0;
  return {
    leases: leaseCount,
    ok: start > 0 && watch.received === leaseCount,
    syncMs: (watch.syncDoneMs ?? 0) - start,
    normalMs: (watch.normalMs ?? 0) - start,
    fullSidePeakRss: full.peakRssBytes(),
    emptySidePeakRss: empty.peakRssBytes(),
    ...(watch.received === leaseCount
      ? {}
      : { error: `received ${watch.received} of ${leaseCount} leases` }),
  };
}

/** Returns the size of the SQLite file plus any write-ahead log and shared-memory file beside it. */
function storeSize(path: string): number {
  return ['', '-wal', '-shm']
    .map((suffix) => `${path}${suffix}`)
    .filter((file) => existsSync(file))
    .reduce((sum, file) => sum + statSync(file).size, 0);
}
