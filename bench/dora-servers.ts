// The server setups of the DORA bench: ISC dhcpd standalone and as a failover pair, dhcpf
// standalone and as a pair in NORMAL, and Kea standalone when installed. Every step starts from
// the same state: empty lease files for a standalone server, and for a pair the files the pair
// left once it reached NORMAL, balanced its pool and went idle.

import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RelationshipConfig } from '../src/config/types.js';
import { openLeaseStore } from '../src/store/sqlite-store.js';
import { DORA_SERVER_A, DORA_SERVER_B, type DoraNetwork } from './dora-network.js';
import { sleep } from './measure.js';
import { DHCPF_BEST_SETTINGS } from './resync.js';
import { StartedProcess, waitUntil } from './processes.js';
import { dhcpfCliPath, sharedPath } from './shared-dir.js';

export const DORA_SETUPS = ['dhcpd', 'dhcpd-pair', 'kea', 'dhcpf', 'dhcpf-pair'] as const;
export type DoraSetupName = (typeof DORA_SETUPS)[number];

/** First and last pool address: 65,279 addresses, as in the dhcpd and Kea configs. */
const POOL = { start: '10.88.1.0', end: '10.88.255.254' };
const MCLT = 600;
const LEASE_SECONDS = 86_400;
const START_TIMEOUT_MS = 30_000;
/** A fresh pair exchanges the whole pool before NORMAL; dhcpd takes about a minute here. */
const PAIR_READY_TIMEOUT_MS = 240_000;
const IDLE_TIMEOUT_MS = 60_000;

/** Servers of one step, ready for clients. */
export interface RunningSetup {
  processes: StartedProcess[];
  /** Stops the servers and returns how many distinct addresses they store as leased. */
  stop(): Promise<number>;
}

export interface SetupContext {
  network: DoraNetwork;
  /** Folder of lease files, stores, configs and logs; the bench deletes it at the end. */
  workDir: string;
}

/** Starts one setup for a step; a pair's settled template is made on first use. */
export async function startSetup(
  name: DoraSetupName,
  context: SetupContext,
): Promise<RunningSetup> {
  switch (name) {
    case 'dhcpd':
      return startDhcpdStandalone(context);
    case 'dhcpd-pair':
      return startDhcpdPair(context);
    case 'kea':
      return startKea(context);
    case 'dhcpf':
      return startDhcpfStandalone(context);
    case 'dhcpf-pair':
      return startDhcpfPair(context);
  }
}

function path(context: SetupContext, name: string): string {
  return join(context.workDir, name);
}

function startLogged(
  context: SetupContext,
  label: string,
  namespace: string,
  command: string,
  args: string[],
): StartedProcess {
  const log = openSync(path(context, `${label}.log`), 'w');
  return new StartedProcess({
    label,
    namespace,
    command,
    args,
    stdio: ['ignore', log, log],
  });
}

function logOf(context: SetupContext, label: string): string {
  try {
    return readFileSync(path(context, `${label}.log`), 'utf8');
  } catch {
    return '';
  }
}

function runDhcpd(context: SetupContext, side: 'a' | 'b', config: string): StartedProcess {
  const namespace = side === 'a' ? context.network.serverA : context.network.serverB;
  const leases = path(context, `dhcpd-${side}.leases`);
  if (!existsSync(leases)) {
    writeFileSync(leases, '');
  }

  return startLogged(context, `dhcpd-${side}`, namespace, '/usr/sbin/dhcpd', [
    ...['-4', '-f', '-d', '-cf', sharedPath('interop', 'dora', config)],
    ...['-lf', leases, '-pf', path(context, `dhcpd-${side}.pid`), 'eth0'],
  ]);
}

async function startDhcpdStandalone(context: SetupContext): Promise<RunningSetup> {
  writeFileSync(path(context, 'dhcpd-a.leases'), '');
  const server = runDhcpd(context, 'a', 'dhcpd.conf');
  await waitUntil(
    'dhcpd to start',
    () => logOf(context, 'dhcpd-a').includes('Server starting service'),
    { timeoutMs: START_TIMEOUT_MS, watch: [server] },
  );
  return {
    processes: [server],
    stop: async () => {
      await server.stop();
      return countDhcpdLeases([path(context, 'dhcpd-a.leases')]);
    },
  };
}

async function startDhcpdPairOnce(context: SetupContext): Promise<StartedProcess[]> {
  const servers = [
    runDhcpd(context, 'a', 'dhcpd-primary.conf'),
    runDhcpd(context, 'b', 'dhcpd-secondary.conf'),
  ];
  await waitUntil(
    'both dhcpd servers in NORMAL',
    () =>
      ['dhcpd-a', 'dhcpd-b'].every((label) =>
        logOf(context, label).includes('Both servers normal'),
      ),
    { timeoutMs: PAIR_READY_TIMEOUT_MS, watch: servers, intervalMs: 200 },
  );
  return servers;
}

async function startDhcpdPair(context: SetupContext): Promise<RunningSetup> {
  const templates = ['a', 'b'].map((side) => path(context, `template-dhcpd-${side}.leases`));
  if (!templates.every(existsSync)) {
    for (const side of ['a', 'b']) writeFileSync(path(context, `dhcpd-${side}.leases`), '');
    const fresh = await startDhcpdPairOnce(context);
    await waitIdle(fresh);
    await Promise.all(fresh.map((server) => server.stop()));
    ['a', 'b'].forEach((side, index) =>
      copyFileSync(path(context, `dhcpd-${side}.leases`), templates[index] ?? ''),
    );
  }

  ['a', 'b'].forEach((side, index) =>
    copyFileSync(templates[index] ?? '', path(context, `dhcpd-${side}.leases`)),
  );
  const servers = await startDhcpdPairOnce(context);
  return {
    processes: servers,
    stop: async () => {
      await Promise.all(servers.map((server) => server.stop()));
      return countDhcpdLeases(['a', 'b'].map((side) => path(context, `dhcpd-${side}.leases`)));
    },
  };
}

/** Counts distinct addresses whose last lease statement in any of the files is active. */
export function countDhcpdLeases(files: readonly string[]): number {
  const active = new Set<string>();
  for (const file of files) {
    const states = new Map<string, string>();
    let address: string | undefined;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const lease = /^lease (\S+) \{/.exec(line);
      if (lease !== null) {
        address = lease[1];
      }

      const state = /^ {2}binding state (\w+);/.exec(line);
      if (state?.[1] !== undefined && address !== undefined) {
        states.set(address, state[1]);
      }
    }
    for (const [leased, state] of states) {
      if (state === 'active') active.add(leased);
    }
  }

  return active.size;
}

/** Kea 2.2 kea-dhcp4 with memfile and one thread, the interop kit's config. */
async function startKea(context: SetupContext): Promise<RunningSetup> {
  const config = readFileSync(sharedPath('interop', 'dora', 'kea-dhcp4.json'), 'utf8')
    .replaceAll('@W@', context.workDir)
    .replaceAll('@MT@', 'false');
  const configPath = path(context, 'kea-a.json');
  writeFileSync(configPath, config);
  rmSync(path(context, 'kea-a.csv'), { force: true });
  writeFileSync(path(context, 'kea-a.log'), '');
  const server = startLogged(
    context,
    'kea-a-output',
    context.network.serverA,
    '/usr/sbin/kea-dhcp4',
    ['-c', configPath],
  );
  await waitUntil('kea-dhcp4 to start', () => logOf(context, 'kea-a').includes('DHCP4_STARTED'), {
    timeoutMs: START_TIMEOUT_MS,
    watch: [server],
  });
  return {
    processes: [server],
    stop: async () => {
      await server.stop();
      return countKeaLeases(path(context, 'kea-a.csv'));
    },
  };
}

/** Counts addresses whose last memfile row has a valid lifetime and state 0 (assigned). */
function countKeaLeases(file: string): number {
  const rows = existsSync(file) ? readFileSync(file, 'utf8').split('\n').slice(1) : [];
  const assigned = new Map<string, boolean>();
  for (const row of rows) {
    const fields = row.split(',');
    if (fields[0] !== undefined && fields[0] !== '') {
      assigned.set(fields[0], Number(fields[3]) > 0 && fields[9] === '0');
    }
  }

  return [...assigned.values()].filter(Boolean).length;
}

function writeDhcpfConfig(context: SetupContext, role: 'primary' | 'secondary'): string {
  const [local, peer] =
    role === 'primary' ? [DORA_SERVER_A, DORA_SERVER_B] : [DORA_SERVER_B, DORA_SERVER_A];
  const config: Omit<RelationshipConfig, 'dhcp'> & { dhcp: Record<string, unknown> } = {
    name: 'fo',
    role,
    profile: 'isc',
    local: { address: local, port: 647 },
    peer: { address: peer, port: 647 },
    mclt: MCLT,
    maxUnackedUpdates: DHCPF_BEST_SETTINGS.maxUnackedUpdates,
    updatesPerMessage: DHCPF_BEST_SETTINGS.updatesPerMessage,
    receiveTimer: 30,
    split: 128,
    maxClockSkew: 60,
    startupSeconds: 1,
    connectRetrySeconds: 1,
    pools: [POOL],
    store: path(context, `dhcpf-${role}.db`),
    dhcp: {
      address: '0.0.0.0',
      serverIdentifier: local,
      leaseSeconds: LEASE_SECONDS,
      subnetMask: '255.255.0.0',
    },
  };
  const file = path(context, `dhcpf-${role}.json`);
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

function runDhcpf(context: SetupContext, role: 'primary' | 'secondary'): StartedProcess {
  const config = writeDhcpfConfig(context, role);
  const namespace = role === 'primary' ? context.network.serverA : context.network.serverB;
  // Node options for profiling, such as --cpu-prof, from the variable the resync runs read.
  const extra = process.env['DHCPF_BENCH_NODE_OPTIONS']?.split(' ').filter(Boolean) ?? [];
  return startLogged(context, `dhcpf-${role}`, namespace, process.execPath, [
    ...extra,
    dhcpfCliPath,
    ...['serve', '--config', config, '--log', path(context, `dhcpf-${role}.pino`)],
  ]);
}

function dhcpfReached(context: SetupContext, role: string, state: string): boolean {
  const file = path(context, `dhcpf-${role}.pino`);
  if (!existsSync(file)) {
    return false;
  }

  const pino = readFileSync(file, 'utf8');
  return (
    pino.includes('"event":"dhcp.started"') &&
    new RegExp(`"event":"state.change"[^\\n]*"to":"${state}"`).test(pino)
  );
}

/** Removes a role's store and log, so a step starts from what the setup writes next. */
function removeStore(context: SetupContext, role: string): void {
  rmSync(path(context, `dhcpf-${role}.pino`), { force: true });
  for (const suffix of ['', '-wal', '-shm']) {
    rmSync(path(context, `dhcpf-${role}.db${suffix}`), { force: true });
  }
}

/**
 * dhcpf standalone: a primary whose partner never connects, started in PARTNER-DOWN entered two
 * MCLTs ago, so it serves every client from the whole pool through the same commit path and MCLT
 * rules as in a pair, with no BNDUPD to send.
 */
async function startDhcpfStandalone(context: SetupContext): Promise<RunningSetup> {
  removeStore(context, 'primary');
  const store = openLeaseStore(path(context, 'dhcpf-primary.db'));
  const now = Math.floor(Date.now() / 1000);
  store.writeEndpoint({
    relationship: 'fo',
    state: 'PARTNER-DOWN',
    startTimeOfState: now - 2 * MCLT,
    lastOperatingTime: now,
    hasSyncedBefore: true,
  });
  store.close();
  const server = runDhcpf(context, 'primary');
  await waitUntil('dhcpf in PARTNER-DOWN', () => dhcpfReached(context, 'primary', 'PARTNER-DOWN'), {
    timeoutMs: START_TIMEOUT_MS,
    watch: [server],
  });
  return {
    processes: [server],
    stop: async () => {
      await server.stop();
      return countDhcpfLeases([path(context, 'dhcpf-primary.db')]);
    },
  };
}

async function startDhcpfPairOnce(context: SetupContext): Promise<StartedProcess[]> {
  const servers = [runDhcpf(context, 'primary'), runDhcpf(context, 'secondary')];
  await waitUntil(
    'both dhcpf servers in NORMAL',
    () => ['primary', 'secondary'].every((role) => dhcpfReached(context, role, 'NORMAL')),
    { timeoutMs: PAIR_READY_TIMEOUT_MS, watch: servers, intervalMs: 200 },
  );
  return servers;
}

async function startDhcpfPair(context: SetupContext): Promise<RunningSetup> {
  const roles = ['primary', 'secondary'] as const;
  const template = (role: string): string => path(context, `template-dhcpf-${role}.db`);
  if (!roles.every((role) => existsSync(template(role)))) {
    roles.forEach((role) => removeStore(context, role));
    const fresh = await startDhcpfPairOnce(context);
    await waitIdle(fresh);
    await Promise.all(fresh.map((server) => server.stop()));
    roles.forEach((role) => copyFileSync(path(context, `dhcpf-${role}.db`), template(role)));
  }

  for (const role of roles) {
    removeStore(context, role);
    copyFileSync(template(role), path(context, `dhcpf-${role}.db`));
  }
  const servers = await startDhcpfPairOnce(context);
  return {
    processes: servers,
    stop: async () => {
      await Promise.all(servers.map((server) => server.stop()));
      return countDhcpfLeases(roles.map((role) => path(context, `dhcpf-${role}.db`)));
    },
  };
}

/** Counts distinct addresses stored ACTIVE in any of the dhcpf stores. */
function countDhcpfLeases(stores: readonly string[]): number {
  const active = new Set<string>();
  for (const file of stores) {
    const store = openLeaseStore(file, { readonly: true });
    try {
      for (const binding of store.allBindings()) {
        if (binding.bindingStatus === 'ACTIVE') active.add(binding.address);
      }
    } finally {
      store.close();
    }
  }

  return active.size;
}

/** Returns a process's CPU time in clock ticks (utime + stime of /proc/PID/stat), 0 once ended. */
export function cpuTicks(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/**
 * Waits until the processes together used under 10 % of one CPU in each of 2 seconds in a row,
 * or at most one minute. The bound is not lower because node uses a few percent for its timers
 * and the failover keepalives.
 */
export async function waitIdle(processes: readonly StartedProcess[]): Promise<void> {
  const total = (): number => processes.reduce((sum, started) => sum + cpuTicks(started.pid), 0);
  const quietTicks = clockTicksPerSecond() / 10;
  let quiet = 0;
  let before = total();
  const deadline = Date.now() + IDLE_TIMEOUT_MS;
  while (quiet < 2 && Date.now() < deadline) {
    await sleep(1000);
    const after = total();
    quiet = after - before < quietTicks ? quiet + 1 : 0;
    before = after;
  }
}

let ticksPerSecond: number | undefined;

/** Returns the kernel's clock ticks per second (getconf CLK_TCK), the unit of cpuTicks. */
export function clockTicksPerSecond(): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  return ticksPerSecond;
}
