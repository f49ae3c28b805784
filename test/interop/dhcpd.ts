// Starting ISC dhcpd for interop runs: its configuration, its lease file, its log lines.

import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { sharedPath } from '../helpers/shared-dir.js';
import {
  type InteropRun,
  NAMESPACE_A_ADDRESS,
  NAMESPACE_B_ADDRESS,
  readLog,
  type StartedProcess,
} from './interop-run.js';

/** Returns the pool size the tests use: the leases plus 256 free addresses. */
export function poolSizeFor(leaseCount: number): number {
  return leaseCount + 256;
}

/** Returns the last address of a pool of `poolSize` addresses starting at 10.77.1.0. */
export function lastPoolAddress(poolSize: number): string {
  const last = 256 + poolSize - 1;
  return `10.77.${Math.floor(last / 256)}.${last % 256}`;
}

export interface DhcpdFiles {
  config: string;
  leases: string;
  log: string;
  pid: string;
}

/**
 * Writes `TAG.conf` for relationship "fo" on port 647 (MCLT 600, split 128, max-unacked-updates
 * 10, ping-check off) and `TAG.leases` with `leaseCount` ACTIVE leases from 10.77.1.0, each with
 * its own MAC and client-identifier, started an hour ago and ending in 23 hours.
 */
export function writeDhcpdFiles(
  run: InteropRun,
  tag: string,
  role: 'primary' | 'secondary',
  addresses: { local: string; peer: string },
  pool: { size: number; leaseCount: number },
): DhcpdFiles {
  const files: DhcpdFiles = {
    config: run.path(`${tag}.conf`),
    leases: run.path(`${tag}.leases`),
    log: run.path(`${tag}.out`),
    pid: run.path(`${tag}.pid`),
  };
  const config = execFileSync(
    'bash',
    [
      sharedPath('interop', 'gen-conf.sh'),
      role,
      addresses.local,
      addresses.peer,
      String(pool.size),
    ],
    { encoding: 'utf8' },
  );
  writeFileSync(files.config, config);
  const leases =
    pool.leaseCount === 0
      ? ''
      : execFileSync('node', [sharedPath('interop', 'gen-leases.js'), String(pool.leaseCount)], {
          encoding: 'latin1',
          maxBuffer: 64 * 1024 * 1024,
        });
  writeFileSync(files.leases, leases, 'latin1');
  return files;
}

/** Runs `dhcpd -4 -f -d` on eth0 of `namespace`; its log goes to `TAG.out`. */
export function startDhcpd(
  run: InteropRun,
  dhcpdPath: string,
  tag: string,
  namespace: string,
  files: DhcpdFiles,
): StartedProcess {
  const args = ['-4', '-f', '-d', '-cf', files.config, '-lf', files.leases, '-pf', files.pid];
  return run.start({ label: tag, namespace, command: dhcpdPath, args: [...args, 'eth0'] });
}

/** Tells whether dhcpd logged that both ends of relationship "fo" are in NORMAL. */
export function dhcpdReachedNormal(files: DhcpdFiles): boolean {
  return readLog(files.log).includes('failover peer fo: Both servers normal');
}

/** Tells whether dhcpd logged that it serves, after reading its configuration and lease file. */
export function dhcpdStartedService(files: DhcpdFiles): boolean {
  return readLog(files.log).includes('Server starting service.');
}

/** The lease files of a dhcpd pair after a full synchronization. */
export interface SyncedDhcpdPair {
  primaryFiles: DhcpdFiles;
  secondaryFiles: DhcpdFiles;
}

/**
 * Starts a dhcpd secondary with an empty lease file in namespace B, then a dhcpd primary with
 * `leaseCount` ACTIVE leases in namespace A, waits until both log NORMAL and stops them. dhcpd
 * commits each BNDUPD to its lease file before the BNDACK, so both files are complete then.
 */
export async function syncDhcpdPair(
  run: InteropRun,
  dhcpdPath: string,
  leaseCount: number,
  timeoutMs: number,
): Promise<SyncedDhcpdPair> {
  const pool = { size: poolSizeFor(leaseCount), leaseCount };
  const primaryFiles = writeDhcpdFiles(
    run,
    'dhcpd-primary',
    'primary',
    { local: NAMESPACE_A_ADDRESS, peer: NAMESPACE_B_ADDRESS },
    pool,
  );
  const secondaryFiles = writeDhcpdFiles(
    run,
    'dhcpd-secondary',
    'secondary',
    { local: NAMESPACE_B_ADDRESS, peer: NAMESPACE_A_ADDRESS },
    { ...pool, leaseCount: 0 },
  );

  const secondary = startDhcpd(run, dhcpdPath, 'dhcpd-secondary', run.namespaceB, secondaryFiles);
  await run.waitUntil('the dhcpd secondary to serve', () => dhcpdStartedService(secondaryFiles), {
    timeoutMs,
    watch: [secondary],
  });
  const primary = startDhcpd(run, dhcpdPath, 'dhcpd-primary', run.namespaceA, primaryFiles);
  await run.waitUntil(
    'both dhcpd servers to log "Both servers normal"',
    () => dhcpdReachedNormal(primaryFiles) && dhcpdReachedNormal(secondaryFiles),
    { timeoutMs, watch: [primary, secondary] },
  );
  await run.stop(primary);
  await run.stop(secondary);
  return { primaryFiles, secondaryFiles };
}
