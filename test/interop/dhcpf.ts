// Running the built dhcpf CLI for interop runs: `serve` inside a namespace, `leases load` and
// `leases list` on its store, and the JSON-lines lease records they exchange.

import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import type { RelationshipConfig } from '../../src/config/types.js';
import { type InteropRun, readLog, type StartedProcess } from './interop-run.js';
import { lastPoolAddress } from './dhcpd.js';
import { formatHardwareAddress, type LeaseFacts } from './lease-facts.js';
import { dhcpfCliPath } from './prerequisites.js';

const FAILOVER_PORT = 647;

export interface DhcpfFiles {
  config: string;
  log: string;
  store: string;
}

/**
 * Writes `dhcpf.json` for relationship "fo" with the settings the tests give dhcpd: MCLT 600,
 * split 128, max-unacked-updates 10, one pool from 10.77.1.0.
 */
export function writeDhcpfConfig(
  run: InteropRun,
  role: 'primary' | 'secondary',
  addresses: { local: string; peer: string },
  poolSize: number,
): DhcpfFiles {
  const files: DhcpfFiles = {
    config: run.path('dhcpf.json'),
    log: run.path('dhcpf.log'),
    store: run.path('dhcpf.db'),
  };
  const config: RelationshipConfig = {
    name: 'fo',
    role,
    profile: 'isc',
    local: { address: addresses.local, port: FAILOVER_PORT },
    peer: { address: addresses.peer, port: FAILOVER_PORT },
    mclt: 600,
    maxUnackedUpdates: 10,
    updatesPerMessage: 1,
    receiveTimer: 30,
    split: 128,
    maxClockSkew: 60,
    startupSeconds: 5,
    connectRetrySeconds: 1,
    pools: [{ start: '10.77.1.0', end: lastPoolAddress(poolSize) }],
    store: files.store,
  };
  writeFileSync(files.config, JSON.stringify(config, null, 2));
  run.addLog(files.log);
  return files;
}

/** Runs `dhcpf serve` in `namespace`; pino lines go to `dhcpf.log`, stdout and stderr to `dhcpf.out`. */
export function startDhcpf(run: InteropRun, namespace: string, files: DhcpfFiles): StartedProcess {
  return run.start({
    label: 'dhcpf',
    namespace,
    command: process.execPath,
    args: [dhcpfCliPath, 'serve', '--config', files.config, '--log', files.log],
  });
}

/** Tells whether dhcpf logged a state.change into NORMAL. */
export function dhcpfReachedNormal(files: DhcpfFiles): boolean {
  return readJsonLines(readLog(files.log)).some(
    (line) => line['event'] === 'state.change' && line['to'] === 'NORMAL',
  );
}

/** Runs a dhcpf subcommand outside the namespaces and returns its stdout. */
export function runDhcpf(args: string[]): string {
  return execFileSync(process.execPath, [dhcpfCliPath, ...args], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
}

function readJsonLines(text: string): Record<string, unknown>[] {
  const records: Record<string, unknown>[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;

    try {
      records.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // A line cut off by a process that is still writing is read again on the next poll.
    }
  }
  return records;
}

/** Reads the leases in dhcpf's store with `dhcpf leases list --json`. */
export function listDhcpfLeases(files: DhcpfFiles): LeaseFacts[] {
  const output = runDhcpf(['leases', 'list', '--store', files.store, '--json']);
  return readJsonLines(output).map((record) => ({
    address: String(record['address']),
    bindingStatus: String(record['bindingStatus']),
    hardwareAddress:
      typeof record['hardwareAddress'] === 'string'
        ? record['hardwareAddress'].toLowerCase()
        : undefined,
    leaseExpirationTime:
      typeof record['leaseExpirationTime'] === 'number' ? record['leaseExpirationTime'] : undefined,
  }));
}

export interface LeaseRecord {
  address: string;
  bindingStatus: 'ACTIVE';
  hardwareAddress: string;
  clientIdentifier: string;
  leaseExpirationTime: number;
  startTimeOfState: number;
  clientLastTransactionTime: number;
}

/**
 * Builds `count` ACTIVE leases shaped like those the dhcpd primary starts with: addresses from
 * 10.77.1.0, MAC 02:00 followed by the index, client-identifier 01 02 00 followed by the index,
 * started an hour before `now` and ending 23 hours after it.
 */
export function generateLeaseRecords(count: number, now: number): LeaseRecord[] {
  const records: LeaseRecord[] = [];
  for (let i = 0; i < count; i++) {
    const address = 256 + i;
    const index = Uint8Array.of((i >>> 24) & 0xff, (i >>> 16) & 0xff, (i >>> 8) & 0xff, i & 0xff);
    records.push({
      address: `10.77.${address >> 8}.${address & 0xff}`,
      bindingStatus: 'ACTIVE',
      hardwareAddress: formatHardwareAddress(Uint8Array.of(0x02, 0x00, ...index)),
      clientIdentifier: Buffer.from(Uint8Array.of(0x01, 0x02, 0x00, ...index)).toString('hex'),
      leaseExpirationTime: now + 23 * 3600,
      startTimeOfState: now - 3600,
      clientLastTransactionTime: now - 3600,
    });
  }
  return records;
}

/** Writes lease records as JSON lines and loads them with `dhcpf leases load`. */
export function seedDhcpfStore(run: InteropRun, files: DhcpfFiles, records: LeaseRecord[]): void {
  const path = run.path('seed.jsonl');
  writeFileSync(path, records.map((record) => JSON.stringify(record)).join('\n') + '\n');
  runDhcpf(['leases', 'load', path, '--store', files.store]);
}
