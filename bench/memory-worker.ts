// Memory of a resync, measured inside one process: a primary holding N ACTIVE leases and an empty
// secondary, both dhcpf peers (startPeer) on 127.0.0.1, until both are NORMAL. The caller seeds
// DIRECTORY/primary.db first, so seeding costs none of this process's memory. Run with --expose-gc
// so the baseline and the retained figures are taken after a full collection. Prints one JSON
// object (MemoryWorkerResult) on stdout.
//
// Usage: node --expose-gc dist/bench/memory-worker.js DIRECTORY LEASES MAX-UNACKED UPDATES-PER-MESSAGE

import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseRelationshipConfig } from '../src/config/load.js';
import type { RelationshipConfig } from '../src/config/types.js';
import { startPeer, type Peer } from '../src/endpoint/peer.js';
import { poolEnd, POOL_START } from './lease-seeds.js';
import type { UpdateSettings } from './resync-types.js';

const SAMPLE_INTERVAL_MS = 20;
const TIMEOUT_MS = 600_000;

export interface MemoryWorkerResult {
  leases: number;
  syncMs: number;
  baselineRss: number;
  baselineHeapUsed: number;
  /** Highest resident set size of the process (getrusage maxrss), bytes. */
  peakRss: number;
  /** Highest heapUsed seen by sampling every 20 ms during the resync. */
  peakHeapUsed: number;
  /** After the resync and a full collection, with both peers still running. */
  retainedRss: number;
  retainedHeapUsed: number;
  primaryStoreBytes: number;
  secondaryStoreBytes: number;
}

function collectGarbage(): void {
  const gc: unknown = Reflect.get(globalThis, 'gc');
  if (typeof gc !== 'function') {
    throw new Error('memory-worker needs node --expose-gc');
  }

  // A second pass frees what the first one's finalizers released.
  gc();
  gc();
}

function config(
  role: 'primary' | 'secondary',
  directory: string,
  leases: number,
  port: number,
  settings: UpdateSettings,
): RelationshipConfig {
  return parseRelationshipConfig({
    name: 'memory',
    role,
    local: { address: '127.0.0.1', port: 0 },
    peer: { address: '127.0.0.1', port: role === 'primary' ? port : 1 },
    mclt: 600,
    startupSeconds: 1,
    maxUnackedUpdates: settings.maxUnackedUpdates,
    updatesPerMessage: settings.updatesPerMessage,
    pools: [{ start: POOL_START, end: poolEnd(leases) }],
    store: join(directory, `${role}.db`),
  });
}

function bothNormal(peers: readonly Peer[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('peers not NORMAL in time')), TIMEOUT_MS);
    const check = (): void => {
      if (peers.every((peer) => peer.state === 'NORMAL')) {
        clearTimeout(timer);
        resolve();
      }
    };
    peers.forEach((peer) => peer.on('state', check));
    check();
  });
}

function fileSize(path: string): number {
  return existsSync(path) ? statSync(path).size : 0;
}

async function measure(
  directory: string,
  leases: number,
  settings: UpdateSettings,
): Promise<MemoryWorkerResult> {
  collectGarbage();
  const baseline = process.memoryUsage();
  let peakHeapUsed = baseline.heapUsed;
  const sampler = setInterval(() => {
    peakHeapUsed = Math.max(peakHeapUsed, process.memoryUsage().heapUsed);
  }, SAMPLE_INTERVAL_MS);
  const start = Date.now();
  const secondary = await startPeer(config('secondary', directory, leases, 0, settings));
  const primary = await startPeer(
    config('primary', directory, leases, secondary.listeningPort ?? 0, settings),
  );
  await bothNormal([primary, secondary]);
  const syncMs = Date.now() - start;
  clearInterval(sampler);
  const peakRss = process.resourceUsage().maxRSS * 1024;
  collectGarbage();
  const retained = process.memoryUsage();
  await primary.stop();
  await secondary.stop();
  return {
    leases,
    syncMs,
    baselineRss: baseline.rss,
    baselineHeapUsed: baseline.heapUsed,
    peakRss,
    peakHeapUsed,
    retainedRss: retained.rss,
    retainedHeapUsed: retained.heapUsed,
    primaryStoreBytes: fileSize(join(directory, 'primary.db')),
    secondaryStoreBytes: fileSize(join(directory, 'secondary.db')),
  };
}

async function main(): Promise<void> {
  const [directory, ...numbers] = process.argv.slice(2);
  const [leases, maxUnackedUpdates, updatesPerMessage] = numbers.map(Number);
  if (
    directory === undefined ||
    leases === undefined ||
    maxUnackedUpdates === undefined ||
    updatesPerMessage === undefined ||
    ![leases, maxUnackedUpdates, updatesPerMessage].every(Number.isInteger)
  ) {
    process.stderr.write(
      'usage: memory-worker.js DIRECTORY LEASES MAX-UNACKED UPDATES-PER-MESSAGE\n',
    );
    process.exit(2);
  }

  const result = await measure(directory, leases, { maxUnackedUpdates, updatesPerMessage });
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

await main();
