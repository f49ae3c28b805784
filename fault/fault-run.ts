// One seeded fault run: a dhcpf pair as child processes on loopback with a proxy between them and
// simulated DHCP clients, the faults of the seed's script, then the checks of fault-checks.ts.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Role } from '../model/endpoint-types.js';
import { addressAfter, sampleActiveBindings } from '../src/endpoint/sample-bindings.js';
import { openLeaseStore } from '../src/store/sqlite-store.js';
import type { StoredBinding } from '../src/store/types.js';
import { DHCPClients } from './dhcp-clients.js';
import {
  checkCommitted,
  checkDuplicates,
  checkEqualBindings,
  checkHeldLeases,
  readBindings,
  type Violation,
} from './fault-checks.js';
import { faultNameOf, faultScriptOf, type FaultScript, type FaultStep } from './fault-script.js';
import { LinkProxy } from './link-proxy.js';
import { SeededRandom } from './random.js';
import { startStrangerFlood } from './stranger-flood.js';
import { CLTT_TIE_ERROR, ProcessPair, SERVER_IDENTIFIERS } from './process-pair.js';

export const POOL_START = '10.9.0.10';
/** MCLT of the pair, seconds: short, so RECOVER-WAIT after a restart ends within the run. */
export const FAULT_MCLT = 3;
const NORMAL_TIMEOUT_MS = 30_000;
const QUIET_TIMEOUT_MS = 15_000;

export interface FaultRunResult {
  seed: number;
  /** Faults injected, by name; a kill point that was never reached is not counted. */
  faults: Record<string, number>;
  /** Updates the receivers committed and acknowledged with BNDACK. */
  updatesAcknowledged: number;
  leasesGranted: number;
  lost: number;
  duplicateAllocations: number;
  violations: Violation[];
  /** Reason the run could not finish its checks, such as a peer that never got back to NORMAL. */
  error?: string;
  durationMs: number;
  directory: string;
  /** Connections from strangers during the run. */
  strangerConnections: number;
  /** Largest peak resident set size of a peer at the end of the run, bytes. */
  peakPeerRss: number;
}

export interface FaultRunOptions {
  /** Faults after the first sync; 3 unless set. */
  steps?: number;
  /** Keeps the run's directory (configs, stores, logs) even when every check passed. */
  keep?: boolean;
  /** Concurrent loops of stranger connections against the secondary during the whole run. */
  strangerLoops?: number;
}

/** Runs one seed and returns its figures; a failed check is in `violations`, never thrown. */
export async function runFaultSeed(
  seed: number,
  options: FaultRunOptions = {},
): Promise<FaultRunResult> {
  const startedMs = Date.now();
  const script = faultScriptOf(seed, options.steps);
  const directory = mkdtempSync(join(tmpdir(), `dhcpf-fault-${seed}-`));
  const result: FaultRunResult = {
    seed,
    faults: {},
    updatesAcknowledged: 0,
    leasesGranted: 0,
    lost: 0,
    duplicateAllocations: 0,
    violations: [],
    durationMs: 0,
    directory,
    strangerConnections: 0,
    peakPeerRss: 0,
  };
  if (script.skewSeconds.primary !== 0 || script.skewSeconds.secondary !== 0) {
    result.faults['clock-skew'] = 1;
  }

  const proxy = await LinkProxy.start();
  const pair = new ProcessPair(directory, script, proxy, result);
  const clients = await DHCPClients.open(() => pair.dhcpPorts(), new SeededRandom(seed ^ 0x5eed));
  const flood = startStrangerFlood(options.strangerLoops ?? 0, () => {
    const secondary = pair.current('secondary');
    return secondary?.running === true ? secondary.failoverPort : undefined;
  });
  try {
    await runScript(script, pair, proxy, clients, result);
  } catch (error) {
    result.error = error instanceof Error ? error.message : String(error);
  } finally {
    await flood.stop();
    result.strangerConnections = flood.connections();
    await pair.stopAll();
    await clients.close();
    await proxy.close();
  }

  try {
    if (result.error === undefined) {
      finalChecks(script, pair, clients, result);
    } else if (result.error.startsWith(CLTT_TIE_ERROR)) {
      // The peers disagree on the tied addresses, so only the safety properties are checked.
      safetyChecks(pair, clients, result);
    }
  } catch (error) {
    result.error ??= `checks failed: ${String(error)}`;
  }

  result.leasesGranted = clients.figures.acks;
  result.lost = result.violations.filter((item) => item.property.startsWith('lost')).length;
  result.duplicateAllocations = result.violations.filter(
    (item) => item.property === 'duplicate-allocation',
  ).length;
  result.durationMs = Date.now() - startedMs;
  if (options.keep !== true && result.error === undefined && result.violations.length === 0) {
    rmSync(directory, { recursive: true, force: true });
  }

  return result;
}

async function runScript(
  script: FaultScript,
  pair: ProcessPair,
  proxy: LinkProxy,
  clients: DHCPClients,
  result: FaultRunResult,
): Promise<void> {
  writeConfigs(pair, script, proxy);
  seedPrimaryStore(pair.storePath('primary'), script);
  await pair.startBoth(script.launchKill);
  await pair.waitNormal(NORMAL_TIMEOUT_MS);
  const load = runClients(clients, script.clients);
  try {
    for (const [index, step] of script.steps.entries()) {
      await sleep(script.pausesMs[index] ?? 0);
      if (await applyStep(step, pair, proxy)) {
        const name = faultNameOf(step);
        result.faults[name] = (result.faults[name] ?? 0) + 1;
      }
    }

    proxy.heal();
    proxy.slow(0);
    await pair.waitNormal(NORMAL_TIMEOUT_MS);
  } finally {
    await load.stop();
  }

  clients.endAll(Date.now());
  await pair.waitQuiet(QUIET_TIMEOUT_MS);
}

/** Applies one fault; returns whether it took place (a kill point may never be reached). */
async function applyStep(step: FaultStep, pair: ProcessPair, proxy: LinkProxy): Promise<boolean> {
  switch (step.kind) {
    case 'kill':
      // Counted when the child dies at the point, as a kill point armed at the start is.
      await pair.killAt(step.role, step.point);
      return false;
    case 'partition':
      proxy.cut(step.mode);
      await sleep(step.durationMs);
      proxy.heal();
      return true;
    case 'slow':
      proxy.slow(step.delayMs);
      await sleep(step.durationMs);
      proxy.slow(0);
      return true;
    case 'kill-now':
      return pair.killNow(step.role);
    case 'restart':
      await pair.restart('primary');
      return true;
  }
}

/** No acknowledged update lost, no address held by two clients; returns both stores. */
function safetyChecks(
  pair: ProcessPair,
  clients: DHCPClients,
  result: FaultRunResult,
): Record<Role, Map<string, StoredBinding>> {
  const stores = {
    primary: readBindings(pair.storePath('primary')),
    secondary: readBindings(pair.storePath('secondary')),
  };
  for (const role of ['primary', 'secondary'] as const) {
    const current = pair.current(role);
    if (current !== undefined) {
      result.updatesAcknowledged += current.committedCount;
      result.violations.push(
        ...checkCommitted(current.committed.values(), stores[role], `${role} (last start)`),
      );
    }
  }

  result.violations.push(...checkDuplicates(clients.leases));
  return stores;
}

/** Runs the safety checks, then checks for equal bindings and every held lease in both stores. */
function finalChecks(
  script: FaultScript,
  pair: ProcessPair,
  clients: DHCPClients,
  result: FaultRunResult,
): void {
  const stores = safetyChecks(pair, clients, result);
  result.violations.push(
    ...checkEqualBindings(stores.primary, stores.secondary, script.skewSeconds),
  );
  result.violations.push(...checkHeldLeases(clients.heldAt(pair.quietAtMs), stores));
}

interface ClientLoad {
  stop(): Promise<void>;
}

/** Runs every client in its own loop with short seeded pauses until stopped. */
function runClients(clients: DHCPClients, count: number): ClientLoad {
  let running = true;
  const pauses = new SeededRandom(count * 7919);
  const loops = Array.from({ length: count }, async (_, index) => {
    while (running) {
      await clients.step(index);
      // Two seconds or more between a client's requests: both servers store
      // client-last-transaction-time in whole seconds, so two changes by different servers
      // within one second tie and each rejects the other's update (FO-7.1.3-d).
      await sleep(pauses.integer(2_100, 2_600));
    }
  });
  return {
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

function writeConfigs(pair: ProcessPair, script: FaultScript, proxy: LinkProxy): void {
  const poolEnd = addressAfter(POOL_START, script.seededBindings + script.clients + 1);
  for (const role of ['primary', 'secondary'] as const) {
    const config = {
      name: 'fault-run',
      role,
      local: { address: '127.0.0.1', port: 0 },
      // The primary reaches the secondary through the proxy; the secondary accepts 127.0.0.1.
      peer: { address: '127.0.0.1', port: role === 'primary' ? proxy.port : 1 },
      mclt: FAULT_MCLT,
      receiveTimer: 2,
      startupSeconds: 1,
      connectRetrySeconds: 1,
      pools: [{ start: POOL_START, end: poolEnd }],
      store: pair.storePath(role),
      dhcp: {
        address: '127.0.0.1',
        port: 0,
        serverIdentifier: SERVER_IDENTIFIERS[role],
        leaseSeconds: 60,
        replyTo: 'source',
      },
    };
    writeFileSync(pair.configPath(role), JSON.stringify(config, null, 2));
  }
}

function seedPrimaryStore(storePath: string, script: FaultScript): void {
  const store = openLeaseStore(storePath);
  try {
    const now = Math.floor(Date.now() / 1000) + script.skewSeconds.primary;
    store.putBindings(sampleActiveBindings(script.seededBindings, POOL_START, now));
  } finally {
    store.close();
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
