// ISC dhcpd as one server of a mixed pair with dhcpf: its configuration with a chosen MCLT, and
// reads of its lease file and log while it runs.

import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { readIscLeaseFile } from '../../src/isc/index.js';
import type { IscLease } from '../../src/isc/index.js';
import { sharedPath } from '../helpers/shared-dir.js';
import type { DhcpdFiles } from '../interop/dhcpd.js';
import { type InteropRun, readLog } from '../interop/interop-run.js';
import { NAMESPACE_A_ADDRESS, NAMESPACE_B_ADDRESS } from '../interop/interop-run.js';

/**
 * Writes `dhcpd-ROLE.conf` for relationship "fo" with the kit's generator: a pool of `poolSize`
 * addresses from 10.77.1.0 and, on a primary, MCLT `mclt` and split 128. The primary sits in
 * namespace a (10.77.0.1), the secondary in namespace b (10.77.0.2). The lease file starts empty.
 */
export function writeDhcpdConfig(
  run: InteropRun,
  role: 'primary' | 'secondary',
  poolSize: number,
  mclt: number,
): DhcpdFiles {
  const tag = `dhcpd-${role}`;
  const files: DhcpdFiles = {
    config: run.path(`${tag}.conf`),
    leases: run.path(`${tag}.leases`),
    log: run.path(`${tag}.out`),
    pid: run.path(`${tag}.pid`),
  };
  const [local, peer] =
    role === 'primary'
      ? [NAMESPACE_A_ADDRESS, NAMESPACE_B_ADDRESS]
      : [NAMESPACE_B_ADDRESS, NAMESPACE_A_ADDRESS];
  const config = execFileSync(
    'bash',
    [sharedPath('interop', 'gen-conf.sh'), role, local, peer, String(poolSize), String(mclt)],
    { encoding: 'utf8' },
  );
  writeFileSync(files.config, config);
  writeFileSync(files.leases, '');
  return files;
}

/** Reads the leases dhcpd has written so far, the last declaration of each address. */
export function readDhcpdLeases(files: DhcpdFiles): IscLease[] {
  return readIscLeaseFile(files.leases).leases;
}

/** Counts dhcpd's "DHCPACK on ADDRESS" log lines for `address`. */
export function countDhcpdAcks(files: DhcpdFiles, address: string): number {
  const pattern = new RegExp(`DHCPACK on ${address.replaceAll('.', '\\.')} `, 'g');
  return [...readLog(files.log).matchAll(pattern)].length;
}

/** Tells whether dhcpd logged its move into `state` (dhcpd's lower-case state names). */
export function dhcpdMovedTo(files: DhcpdFiles, state: string): boolean {
  return readLog(files.log).includes(`I move from normal to ${state}`);
}
