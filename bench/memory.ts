// Memory per lease: the heap and resident set of one process running a dhcpf pair through a full
// resync of N leases (memory-worker.ts, a fresh process per N), and the size of both lease stores
// afterwards.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedDhcpfStore } from './lease-seeds.js';
import type { MemoryWorkerResult } from './memory-worker.js';
import type { UpdateSettings } from './resync-types.js';
import { repositoryRoot } from './shared-dir.js';

const WORKER_SCRIPT = join(repositoryRoot, 'dist', 'bench', 'memory-worker.js');

export interface MemoryRow extends MemoryWorkerResult {
  /** (peak heapUsed - baseline heapUsed) / leases: what a resync holds per lease at its height. */
  peakHeapPerLease: number;
  /** (peak RSS - baseline RSS) / leases. */
  peakRssPerLease: number;
  /** (retained heapUsed - baseline heapUsed) / leases, after the resync and a full collection. */
  retainedHeapPerLease: number;
  /** Store file size / leases, for the sending and the receiving store. */
  primaryStorePerLease: number;
  secondaryStorePerLease: number;
}

/** Measures one lease count in a fresh worker process and a temporary directory. */
export function runMemory(leases: number, settings: UpdateSettings): MemoryRow {
  const directory = mkdtempSync(join(tmpdir(), 'dhcpf-bench-memory-'));
  try {
    seedDhcpfStore(join(directory, 'primary.db'), leases);
    const output = execFileSync(
      process.execPath,
      [
        '--expose-gc',
        WORKER_SCRIPT,
        directory,
        String(leases),
        String(settings.maxUnackedUpdates),
        String(settings.updatesPerMessage),
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1024 * 1024 },
    );
    return memoryRow(parseResult(output));
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

function parseResult(output: string): MemoryWorkerResult {
  const line = output.trim().split('\n').at(-1) ?? '';
  // The worker is this bench's own script and prints exactly a MemoryWorkerResult.
  return JSON.parse(line) as MemoryWorkerResult;
}

function memoryRow(result: MemoryWorkerResult): MemoryRow {
  const perLease = (bytes: number): number => bytes / Math.max(result.leases, 1);
  return {
    ...result,
    peakHeapPerLease: perLease(result.peakHeapUsed - result.baselineHeapUsed),
    peakRssPerLease: perLease(result.peakRss - result.baselineRss),
    retainedHeapPerLease: perLease(result.retainedHeapUsed - result.baselineHeapUsed),
    primaryStorePerLease: perLease(result.primaryStoreBytes),
    secondaryStorePerLease: perLease(result.secondaryStoreBytes),
  };
}
