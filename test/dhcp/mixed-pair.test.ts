// Real DHCP clients against a mixed failover pair in network namespaces: dhcpf and ISC dhcpd 4.4,
// each in one role. The clients get distinct leases, both servers record them, and when one server
// is killed the other goes on renewing in COMMUNICATIONS-INTERRUPTED.

import { describe, expect, it } from 'vitest';
import { type IscLease } from '../../src/isc/index.js';
import type { StoredBinding } from '../../src/store/types.js';
import {
  type DhcpdFiles,
  dhcpdReachedNormal,
  dhcpdStartedService,
  startDhcpd,
} from '../interop/dhcpd.js';
import { type DhcpfFiles, dhcpfReachedNormal } from '../interop/dhcpf.js';
import type { InteropRun, StartedProcess } from '../interop/interop-run.js';
import { closeRunsAfterEach } from '../interop/interop-suite.js';
import { formatHardwareAddress } from '../interop/lease-facts.js';
import { checkInteropPrerequisites, runsInCI } from '../interop/prerequisites.js';
import {
  addBroadcastRoute,
  addClientNamespace,
  Dhclient,
  hasPrograms,
  macsOwnedBy,
  runUdhcpc,
  type UdhcpcResult,
} from './namespace-clients.js';
import {
  countDhcpdAcks,
  dhcpdMovedTo,
  readDhcpdLeases,
  writeDhcpdConfig,
} from './namespace-dhcpd.js';
import {
  reachedState,
  readStoredBindings,
  type ServePairSettings,
  startServe,
  writeServeConfig,
} from './namespace-dhcpf.js';

/**
 * A first lease is MCLT long, so MCLT 12 s puts T2 at 10.5 s: a client whose server dies rebinds,
 * or starts over when its retransmissions pass the expiry, within the test.
 */
const MCLT = 12;
const POOL_SIZE = 64;
const SETTINGS: ServePairSettings = {
  mclt: MCLT,
  leaseSeconds: MCLT,
  pool: { start: '10.77.1.0', end: '10.77.1.63' },
};
const NORMAL_TIMEOUT_MS = 30_000;
const SYNC_TIMEOUT_MS = 10_000;
const REBIND_TIMEOUT_MS = 20_000;

const prerequisites = checkInteropPrerequisites({ needsDhcpf: true });
const missing = [
  ...prerequisites.missing,
  ...(hasPrograms('dhclient', 'udhcpc') ? [] : ['dhclient and udhcpc']),
];
// Outside CI a missing tool skips with the reason; in CI the test runs and fails on it.
const canRun = missing.length === 0 || runsInCI();

function chaddrOf(record: StoredBinding | IscLease): string | undefined {
  const hardware =
    'pendingUpdate' in record ? record.clientHardwareAddress : record.hardwareAddress;
  return hardware === undefined ? undefined : formatHardwareAddress(hardware.chaddr);
}

/** ACTIVE address to client MAC, from either server's records. */
function activeClients(records: readonly (StoredBinding | IscLease)[]): Record<string, string> {
  const clients: Record<string, string> = {};
  for (const record of records) {
    if (record.bindingStatus === 'ACTIVE') {
      clients[record.address] = chaddrOf(record) ?? '-';
    }
  }
  return clients;
}

/**
 * Tells whether every client bound again after `boundBefore` bindings, last from `server`. A client
 * whose retransmissions pass its lease expiry starts over with DHCPDISCOVER, and may then get
 * another address, because the surviving server has made the old one EXPIRED.
 */
function boundAgainBy(clients: Dhclient[], boundBefore: number[], server: string): boolean {
  return clients.every(
    (client, index) =>
      client.boundAddresses().length > (boundBefore[index] ?? 0) &&
      client.serverOfLastBinding() === server,
  );
}

/** The clients of one test: two dhclients and a udhcpc, with the address each obtained. */
interface BoundClients {
  dhclients: Dhclient[];
  udhcpc: UdhcpcResult;
  /** The dhclients' addresses, then udhcpc's, or 'none' when udhcpc obtained none. */
  addresses: string[];
}

/**
 * Starts a dhclient whose chaddr the primary owns, one whose chaddr the secondary owns, and a
 * udhcpc whose client-identifier `udhcpcOwner` owns, each in its own namespace, and waits for each
 * lease in that order.
 */
async function bindClients(
  interop: InteropRun,
  udhcpcOwner: 'primary' | 'secondary',
): Promise<BoundClients> {
  const [primaryMac] = macsOwnedBy('primary', 1, 'chaddr');
  const [secondaryMac] = macsOwnedBy('secondary', 1, 'chaddr');
  const [udhcpcMac] = macsOwnedBy(udhcpcOwner, 1, 'client-identifier', 0x40);
  const dhclients = [primaryMac, secondaryMac].map(
    (mac, index) =>
      new Dhclient(interop, addClientNamespace(interop, index + 1, mac ?? ''), `c${index + 1}`),
  );
  const udhcpcNamespace = addClientNamespace(interop, 3, udhcpcMac ?? '');
  const addresses = [await dhclients[0]!.obtain(), await dhclients[1]!.obtain()];
  const udhcpc = await runUdhcpc(interop, udhcpcNamespace, 'udhcpc');
  addresses.push(udhcpc.address ?? 'none');
  return { dhclients, udhcpc, addresses };
}

/** ACTIVE address to client MAC, as each server of the pair records it. */
interface ActiveClientsOfPair {
  dhcpfClients: Record<string, string>;
  dhcpdClients: Record<string, string>;
}

/** Waits until `recorded` holds for both servers' ACTIVE clients, and returns those clients. */
async function waitForActiveClients(
  interop: InteropRun,
  files: { dhcpf: DhcpfFiles; dhcpd: DhcpdFiles },
  description: string,
  recorded: (clients: ActiveClientsOfPair) => boolean,
  watch: StartedProcess[],
): Promise<ActiveClientsOfPair> {
  let clients: ActiveClientsOfPair = { dhcpfClients: {}, dhcpdClients: {} };
  await interop.waitUntil(
    description,
    () => {
      clients = {
        dhcpfClients: activeClients(readStoredBindings(files.dhcpf.store)),
        dhcpdClients: activeClients(readDhcpdLeases(files.dhcpd)),
      };
      return recorded(clients);
    },
    { timeoutMs: SYNC_TIMEOUT_MS, watch },
  );
  return clients;
}

describe('dhcpf primary with an ISC dhcpd secondary', () => {
  const startRun = closeRunsAfterEach();

  it.runIf(canRun)(
    'leases to dhclient and udhcpc, and dhcpd serves them alone after dhcpf dies (FO-9.9.2-a)',
    async () => {
      if (missing.length > 0) throw new Error(`missing: ${missing.join(', ')}`);
      const interop = startRun('mixed-dhcpf-primary');
      addBroadcastRoute(interop.namespaceA);
      const dhcpdFiles = writeDhcpdConfig(interop, 'secondary', POOL_SIZE, MCLT);
      const dhcpfFiles = writeServeConfig(interop, 'primary', SETTINGS);
      const dhcpd = startDhcpd(
        interop,
        prerequisites.dhcpd ?? 'dhcpd',
        'dhcpd-secondary',
        interop.namespaceB,
        dhcpdFiles,
      );
      await interop.waitUntil('dhcpd to serve', () => dhcpdStartedService(dhcpdFiles), {
        timeoutMs: NORMAL_TIMEOUT_MS,
        watch: [dhcpd],
      });
      const dhcpf = startServe(interop, interop.namespaceA, dhcpfFiles, 'dhcpf-primary');
      // dhcpf has a DHCP front end, so it lends half the pool on entering NORMAL (FO-5.4-c). dhcpd
      // sends no POOLREQ then, only once its BACKUP addresses run low.
      await interop.waitUntil(
        'both servers in NORMAL and BACKUP addresses lent to dhcpd',
        () =>
          dhcpdReachedNormal(dhcpdFiles) &&
          dhcpfReachedNormal(dhcpfFiles) &&
          readDhcpdLeases(dhcpdFiles).some((lease) => lease.bindingStatus === 'BACKUP'),
        { timeoutMs: NORMAL_TIMEOUT_MS, watch: [dhcpd, dhcpf] },
      );

      const { dhclients, udhcpc, addresses } = await bindClients(interop, 'primary');

      const { dhcpfClients, dhcpdClients } = await waitForActiveClients(
        interop,
        { dhcpf: dhcpfFiles, dhcpd: dhcpdFiles },
        'dhcpd to record the three leases',
        (clients) => Object.keys(clients.dhcpdClients).length === 3,
        [dhcpd, dhcpf],
      );
      const secondaryServed = countDhcpdAcks(dhcpdFiles, addresses[1] ?? '');
      const boundBefore = dhclients.map((client) => client.boundAddresses().length);
      await interop.stop(dhcpf, 'SIGKILL');
      await interop.waitUntil(
        'both dhclients bound again by dhcpd',
        () => boundAgainBy(dhclients, boundBefore, '10.77.0.2'),
        { timeoutMs: REBIND_TIMEOUT_MS, watch: [dhcpd] },
      );
      const lastAddresses = dhclients.map((client) => client.boundAddresses().at(-1));

      expect(udhcpc.status).toBe(0);
      expect(udhcpc.server).toBe('10.77.0.1');
      expect(secondaryServed).toBeGreaterThan(0);
      expect(new Set(addresses).size).toBe(3);
      expect(dhcpdClients).toEqual(dhcpfClients);
      expect(Object.keys(dhcpfClients).sort()).toEqual([...addresses].sort());
      expect(dhcpdMovedTo(dhcpdFiles, 'communications-interrupted')).toBe(true);
      expect(new Set([...lastAddresses, udhcpc.address]).size).toBe(3);
    },
    60_000,
  );
});

describe('ISC dhcpd primary with a dhcpf secondary', () => {
  const startRun = closeRunsAfterEach();

  it.runIf(canRun)(
    'leases from both servers, and dhcpf serves them alone after dhcpd dies (FO-9.9.2-a)',
    async () => {
      if (missing.length > 0) throw new Error(`missing: ${missing.join(', ')}`);
      const interop = startRun('mixed-dhcpf-secondary');
      addBroadcastRoute(interop.namespaceB);
      const dhcpdFiles = writeDhcpdConfig(interop, 'primary', POOL_SIZE, MCLT);
      const dhcpfFiles = writeServeConfig(interop, 'secondary', SETTINGS);
      const dhcpf = startServe(interop, interop.namespaceB, dhcpfFiles, 'dhcpf-secondary');
      await interop.waitUntil(
        'dhcpf to listen',
        () => interop.isListening(interop.namespaceB, 647),
        {
          timeoutMs: NORMAL_TIMEOUT_MS,
          watch: [dhcpf],
        },
      );
      const dhcpd = startDhcpd(
        interop,
        prerequisites.dhcpd ?? 'dhcpd',
        'dhcpd-primary',
        interop.namespaceA,
        dhcpdFiles,
      );
      await interop.waitUntil(
        'both servers in NORMAL and BACKUP addresses lent to dhcpf',
        () =>
          dhcpdReachedNormal(dhcpdFiles) &&
          dhcpfReachedNormal(dhcpfFiles) &&
          readStoredBindings(dhcpfFiles.store).some(
            (binding) => binding.bindingStatus === 'BACKUP',
          ),
        { timeoutMs: NORMAL_TIMEOUT_MS, watch: [dhcpd, dhcpf] },
      );

      const { dhclients, udhcpc, addresses } = await bindClients(interop, 'secondary');

      const { dhcpfClients, dhcpdClients } = await waitForActiveClients(
        interop,
        { dhcpf: dhcpfFiles, dhcpd: dhcpdFiles },
        'both servers to record the three leases',
        (clients) =>
          Object.keys(clients.dhcpdClients).length === 3 &&
          Object.keys(clients.dhcpfClients).length === 3,
        [dhcpd, dhcpf],
      );
      const boundBefore = dhclients.map((client) => client.boundAddresses().length);
      await interop.stop(dhcpd, 'SIGKILL');
      await interop.waitUntil(
        'dhcpf in COMMUNICATIONS-INTERRUPTED and both dhclients bound again by it',
        () =>
          reachedState(dhcpfFiles.log, 'COMMUNICATIONS-INTERRUPTED') &&
          boundAgainBy(dhclients, boundBefore, '10.77.0.2'),
        { timeoutMs: REBIND_TIMEOUT_MS, watch: [dhcpf] },
      );
      const lastAddresses = dhclients.map((client) => client.boundAddresses().at(-1));

      expect(udhcpc.status).toBe(0);
      expect(udhcpc.server).toBe('10.77.0.2');
      expect(new Set(addresses).size).toBe(3);
      expect(dhcpfClients).toEqual(dhcpdClients);
      expect(new Set([...lastAddresses, udhcpc.address]).size).toBe(3);
    },
    60_000,
  );
});
