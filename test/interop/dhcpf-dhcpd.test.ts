// dhcpf against a real ISC dhcpd 4.4 in network namespaces: a full resync in each direction from
// RECOVER, checked by comparing the leases each side holds afterwards.

import { describe, expect, it } from 'vitest';
import { readIscLeaseFile } from '../../src/isc/index.js';
import {
  dhcpdReachedNormal,
  dhcpdStartedService,
  poolSizeFor,
  startDhcpd,
  writeDhcpdFiles,
} from './dhcpd.js';
import {
  dhcpfReachedNormal,
  generateLeaseRecords,
  listDhcpfLeases,
  seedDhcpfStore,
  startDhcpf,
  writeDhcpfConfig,
} from './dhcpf.js';
import { NAMESPACE_A_ADDRESS, NAMESPACE_B_ADDRESS } from './interop-run.js';
import { setUpInteropSuite } from './interop-suite.js';
import { diffLeaseFacts, factsFromIscLease } from './lease-facts.js';

const LEASE_COUNT = 1000;
const TEST_TIMEOUT_MS = 90_000;
const LISTEN_TIMEOUT_MS = 15_000;
const NORMAL_TIMEOUT_MS = 70_000;

describe('dhcpf with ISC dhcpd (needs root, dhcpd, ip)', () => {
  const suite = setUpInteropSuite({ needsDhcpf: true }, 'the dhcpf interop tests');

  it.runIf(suite.runs)(
    'receives 1000 ACTIVE leases as secondary of a dhcpd primary (FO-9.5.2-b, ISC-13)',
    async () => {
      const { interop, dhcpd } = suite.startRun('dhcpf-secondary');
      const poolSize = poolSizeFor(LEASE_COUNT);
      const dhcpdFiles = writeDhcpdFiles(
        interop,
        'dhcpd-primary',
        'primary',
        { local: NAMESPACE_A_ADDRESS, peer: NAMESPACE_B_ADDRESS },
        { size: poolSize, leaseCount: LEASE_COUNT },
      );
      const dhcpfFiles = writeDhcpfConfig(
        interop,
        'secondary',
        { local: NAMESPACE_B_ADDRESS, peer: NAMESPACE_A_ADDRESS },
        poolSize,
      );

      const dhcpf = startDhcpf(interop, interop.namespaceB, dhcpfFiles);
      await interop.waitUntil(
        'dhcpf to listen on port 647',
        () => interop.isListening(interop.namespaceB, 647),
        { timeoutMs: LISTEN_TIMEOUT_MS, watch: [dhcpf] },
      );
      const primary = startDhcpd(interop, dhcpd, 'dhcpd-primary', interop.namespaceA, dhcpdFiles);
      await interop.waitUntil(
        'dhcpd "Both servers normal" and a dhcpf state.change to NORMAL',
        () => dhcpdReachedNormal(dhcpdFiles) && dhcpfReachedNormal(dhcpfFiles),
        { timeoutMs: NORMAL_TIMEOUT_MS, watch: [dhcpf, primary] },
      );
      await interop.stop(dhcpf);
      await interop.stop(primary);

      const sent = readIscLeaseFile(dhcpdFiles.leases).leases.filter(
        (lease) => lease.bindingStatus === 'ACTIVE',
      );
      expect(sent).toHaveLength(LEASE_COUNT);
      expect(diffLeaseFacts(sent.map(factsFromIscLease), listDhcpfLeases(dhcpfFiles))).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );

  it.runIf(suite.runs)(
    'sends 1000 ACTIVE leases as primary to a dhcpd secondary (FO-7.4.2-a)',
    async () => {
      const { interop, dhcpd } = suite.startRun('dhcpf-primary');
      const poolSize = poolSizeFor(LEASE_COUNT);
      const dhcpdFiles = writeDhcpdFiles(
        interop,
        'dhcpd-secondary',
        'secondary',
        { local: NAMESPACE_B_ADDRESS, peer: NAMESPACE_A_ADDRESS },
        { size: poolSize, leaseCount: 0 },
      );
      const dhcpfFiles = writeDhcpfConfig(
        interop,
        'primary',
        { local: NAMESPACE_A_ADDRESS, peer: NAMESPACE_B_ADDRESS },
        poolSize,
      );
      const records = generateLeaseRecords(LEASE_COUNT, Math.floor(Date.now() / 1000));
      seedDhcpfStore(interop, dhcpfFiles, records);

      const secondary = startDhcpd(
        interop,
        dhcpd,
        'dhcpd-secondary',
        interop.namespaceB,
        dhcpdFiles,
      );
      await interop.waitUntil(
        'the dhcpd secondary to serve',
        () => dhcpdStartedService(dhcpdFiles),
        {
          timeoutMs: LISTEN_TIMEOUT_MS,
          watch: [secondary],
        },
      );
      const dhcpf = startDhcpf(interop, interop.namespaceA, dhcpfFiles);
      await interop.waitUntil(
        'dhcpd "Both servers normal" and a dhcpf state.change to NORMAL',
        () => dhcpdReachedNormal(dhcpdFiles) && dhcpfReachedNormal(dhcpfFiles),
        { timeoutMs: NORMAL_TIMEOUT_MS, watch: [dhcpf, secondary] },
      );
      // dhcpd commits each BNDUPD to its lease file before the BNDACK, and reaches NORMAL only
      // after the UPDDONE that follows the last BNDACK, so the file holds every lease now.
      await interop.stop(dhcpf);
      await interop.stop(secondary);

      const received = readIscLeaseFile(dhcpdFiles.leases).leases.map(factsFromIscLease);
      const expected = records.map((record) => ({
        address: record.address,
        bindingStatus: record.bindingStatus,
        hardwareAddress: record.hardwareAddress,
        leaseExpirationTime: record.leaseExpirationTime,
      }));
      expect(diffLeaseFacts(expected, received)).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );
});
