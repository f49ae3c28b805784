// Harness check: two real ISC dhcpd servers resync through the namespaces this suite builds, and
// the lease file the secondary writes parses into the primary's leases. It proves the harness and
// the lease file parser against dhcpd itself, independent of dhcpf.

import { describe, expect, it } from 'vitest';
import { readIscLeaseFile } from '../../src/isc/index.js';
import { syncDhcpdPair } from './dhcpd.js';
import { setUpInteropSuite } from './interop-suite.js';
import { diffLeaseFacts, factsFromIscLease } from './lease-facts.js';

const LEASE_COUNT = 1000;
const TEST_TIMEOUT_MS = 90_000;
const NORMAL_TIMEOUT_MS = 60_000;

describe('dhcpd pair in network namespaces (needs root, dhcpd, ip)', () => {
  const suite = setUpInteropSuite({ needsDhcpf: false }, 'the dhcpd pair check');

  it.runIf(suite.runs)(
    'copies 1000 ACTIVE leases from a dhcpd primary to a dhcpd secondary',
    async () => {
      const { interop, dhcpd } = suite.startRun('dhcpd-pair');
      const { primaryFiles, secondaryFiles } = await syncDhcpdPair(
        interop,
        dhcpd,
        LEASE_COUNT,
        NORMAL_TIMEOUT_MS,
      );

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
