// Harness check: two real ISC dhcpd servers resync through the namespaces this suite builds, and
// the lease file the secondary writes parses into the primary's leases. It proves the harness and
// the lease file parser against dhcpd itself, independent of dhcpf.

import { afterEach, describe, expect, it } from 'vitest';
import { readIscLeaseFile } from '../../src/isc/index.js';
import {
  dhcpdReachedNormal,
  dhcpdStartedService,
  poolSizeFor,
  startDhcpd,
  writeDhcpdFiles,
} from './dhcpd.js';
import { InteropRun, NAMESPACE_A_ADDRESS, NAMESPACE_B_ADDRESS } from './interop-run.js';
import { diffLeaseFacts, factsFromIscLease } from './lease-facts.js';
import {
  assertPrerequisites,
  checkInteropPrerequisites,
  shouldRunInterop,
} from './prerequisites.js';

const LEASE_COUNT = 1000;
const TEST_TIMEOUT_MS = 90_000;
const NORMAL_TIMEOUT_MS = 60_000;

const prerequisites = checkInteropPrerequisites({ needsDhcpf: false });
const runs = shouldRunInterop(prerequisites, 'the dhcpd pair check');

describe('dhcpd pair in network namespaces (needs root, dhcpd, ip)', () => {
  let run: InteropRun | undefined;

  afterEach(async ({ task }) => {
    await run?.close(task.result?.state === 'fail');
    run = undefined;
  });

  it.runIf(runs)(
    'copies 1000 ACTIVE leases from a dhcpd primary to a dhcpd secondary',
    async () => {
      const { dhcpd } = assertPrerequisites(prerequisites);
      const interop = new InteropRun('dhcpd-pair');
      run = interop;
      const pool = { size: poolSizeFor(LEASE_COUNT), leaseCount: LEASE_COUNT };
      const primaryFiles = writeDhcpdFiles(
        interop,
        'dhcpd-primary',
        'primary',
        { local: NAMESPACE_A_ADDRESS, peer: NAMESPACE_B_ADDRESS },
        pool,
      );
      const secondaryFiles = writeDhcpdFiles(
        interop,
        'dhcpd-secondary',
        'secondary',
        { local: NAMESPACE_B_ADDRESS, peer: NAMESPACE_A_ADDRESS },
        { ...pool, leaseCount: 0 },
      );

      const secondary = startDhcpd(
        interop,
        dhcpd,
        'dhcpd-secondary',
        interop.namespaceB,
        secondaryFiles,
      );
      await interop.waitUntil(
        'the dhcpd secondary to serve',
        () => dhcpdStartedService(secondaryFiles),
        {
          timeoutMs: NORMAL_TIMEOUT_MS,
          watch: [secondary],
        },
      );
      const primary = startDhcpd(interop, dhcpd, 'dhcpd-primary', interop.namespaceA, primaryFiles);
      await interop.waitUntil(
        'both dhcpd servers to log "Both servers normal"',
        () => dhcpdReachedNormal(primaryFiles) && dhcpdReachedNormal(secondaryFiles),
        { timeoutMs: NORMAL_TIMEOUT_MS, watch: [primary, secondary] },
      );
      // dhcpd commits each BNDUPD to its lease file before the BNDACK, so the file is complete.
      await interop.stop(primary);
      await interop.stop(secondary);

      const sent = readIscLeaseFile(primaryFiles.leases).leases.filter(
        (lease) => lease.bindingStatus === 'ACTIVE',
      );
      const received = readIscLeaseFile(secondaryFiles.leases).leases;
      expect(sent).toHaveLength(LEASE_COUNT);
      expect(diffLeaseFacts(sent.map(factsFromIscLease), received.map(factsFromIscLease))).toEqual(
        [],
      );
    },
    TEST_TIMEOUT_MS,
  );
});
