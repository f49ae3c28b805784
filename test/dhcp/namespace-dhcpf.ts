// `dhcpf serve` with its DHCPv4 front end inside the namespaces of an interop run, and reads of
// the lease stores a running server has open.

import { writeFileSync } from 'node:fs';
import type { RelationshipConfig } from '../../src/config/types.js';
import { openLeaseStore } from '../../src/store/sqlite-store.js';
import type { StoredBinding } from '../../src/store/types.js';
import type { DhcpfFiles } from '../interop/dhcpf.js';
import { type InteropRun, readLog, type StartedProcess } from '../interop/interop-run.js';
import { NAMESPACE_A_ADDRESS, NAMESPACE_B_ADDRESS } from '../interop/interop-run.js';
import { dhcpfCliPath } from '../interop/prerequisites.js';

/** Settings of one test pair; both servers get the same ones. */
export interface ServePairSettings {
  /** MCLT, seconds; the first lease a client gets is at most this long (FO-5.2.1-c). */
  mclt: number;
  /** Lease the front end gives without failover, seconds. */
  leaseSeconds: number;
  /** First and last pool address, inside 10.77.0.0/16. */
  pool: { start: string; end: string };
}

/**
 * Writes `dhcpf-ROLE.json` for relationship "fo": the primary on 10.77.0.1 in namespace a, the
 * secondary on 10.77.0.2 in namespace b. The DHCPv4 front end listens on 0.0.0.0:67 and gives
 * subnet mask 255.255.0.0, which the kit's dhclient script needs to put the address on eth0.
 */
export function writeServeConfig(
  run: InteropRun,
  role: 'primary' | 'secondary',
  settings: ServePairSettings,
): DhcpfFiles {
  const [local, peer] =
    role === 'primary'
      ? [NAMESPACE_A_ADDRESS, NAMESPACE_B_ADDRESS]
      : [NAMESPACE_B_ADDRESS, NAMESPACE_A_ADDRESS];
  const files: DhcpfFiles = {
    config: run.path(`dhcpf-${role}.json`),
    log: run.path(`dhcpf-${role}.log`),
    store: run.path(`dhcpf-${role}.db`),
  };
  const config: Omit<RelationshipConfig, 'dhcp'> & { dhcp: Record<string, unknown> } = {
    name: 'fo',
    role,
    profile: 'isc',
    local: { address: local, port: 647 },
    peer: { address: peer, port: 647 },
    mclt: settings.mclt,
    maxUnackedUpdates: 10,
    updatesPerMessage: 1,
    receiveTimer: 30,
    split: 128,
    maxClockSkew: 60,
    startupSeconds: 1,
    connectRetrySeconds: 1,
    pools: [settings.pool],
    store: files.store,
    dhcp: {
      address: '0.0.0.0',
      serverIdentifier: local,
      leaseSeconds: settings.leaseSeconds,
      subnetMask: '255.255.0.0',
    },
  };
  writeFileSync(files.config, JSON.stringify(config, null, 2));
  run.addLog(files.log);
  return files;
}

/** Runs `dhcpf serve` at log level debug, so the log lists every DHCP reply and BNDUPD. */
export function startServe(
  run: InteropRun,
  namespace: string,
  files: DhcpfFiles,
  label: string,
): StartedProcess {
  return run.start({
    label,
    namespace,
    command: process.execPath,
    args: [
      dhcpfCliPath,
      ...['serve', '--config', files.config, '--log', files.log, '--log-level', 'debug'],
    ],
  });
}

/** Reads every binding of a store that a running dhcpf may also have open. */
export function readStoredBindings(path: string): StoredBinding[] {
  const store = openLeaseStore(path);
  try {
    return [...store.allBindings()];
  } finally {
    store.close();
  }
}

/** Counts the pino lines of `log` whose event is `event`. */
export function countLogEvents(log: string, event: string): number {
  return readLog(log)
    .split('\n')
    .filter((line) => line.includes(`"event":"${event}"`)).length;
}

/** Tells whether `log` has a state.change into `state`. */
export function reachedState(log: string, state: string): boolean {
  return new RegExp(`"event":"state.change"[^\\n]*"to":"${state}"`).test(readLog(log));
}
