// Imports the configuration and the lease file of a real ISC dhcpd secondary after it synchronized
// with a dhcpd primary in network namespaces. The import so reads what dhcpd itself writes:
// failover state blocks, tstp, tsfp and atsfp, and the whole pool as FREE and BACKUP leases.

import { describe, expect, it, onTestFinished } from 'vitest';
import { formatImportSummary, importIsc } from '../../src/cli/import.js';
import { readIscLeaseFile } from '../../src/isc/index.js';
import { openLeaseStore } from '../../src/store/sqlite-store.js';
import { poolSizeFor, syncDhcpdPair } from '../interop/dhcpd.js';
import { setUpInteropSuite } from '../interop/interop-suite.js';

const LEASE_COUNT = 50;
const TEST_TIMEOUT_MS = 90_000;
const NORMAL_TIMEOUT_MS = 60_000;

describe('dhcpf import isc of a lease file dhcpd wrote (needs root, dhcpd, ip)', () => {
  const suite = setUpInteropSuite(
    { needsDhcpf: false },
    'the import of a dhcpd-written lease file',
  );

  it.runIf(suite.runs)(
    'imports every lease a dhcpd secondary received',
    async () => {
      const { interop, dhcpd } = suite.startRun('import');
      const { primaryFiles, secondaryFiles } = await syncDhcpdPair(
        interop,
        dhcpd,
        LEASE_COUNT,
        NORMAL_TIMEOUT_MS,
      );

      const result = importIsc({
        conf: secondaryFiles.config,
        leases: secondaryFiles.leases,
        out: interop.path('imported'),
      });
      const store = openLeaseStore(result.storePath);
      onTestFinished(() => store.close());
      const sent = readIscLeaseFile(primaryFiles.leases).leases.filter(
        (lease) => lease.bindingStatus === 'ACTIVE',
      );
      const imported = [...store.allBindings()];
      const active = imported.filter((binding) => binding.bindingStatus === 'ACTIVE');

      expect(result.role).toBe('secondary');
      expect(active.map((binding) => binding.address)).toEqual(sent.map((lease) => lease.address));
      for (const [index, binding] of active.entries()) {
        expect(binding.clientHardwareAddress?.chaddr).toEqual(sent[index]?.hardwareAddress?.chaddr);
        expect(binding.leaseExpirationTime).toBe(sent[index]?.ends);
        expect(binding.receivedPet).toBeGreaterThan(0);
      }
      expect(imported).toHaveLength(poolSizeFor(LEASE_COUNT));
      // The secondary records COMMUNICATIONS-INTERRUPTED once the primary stops first.
      expect(formatImportSummary(result)).toMatch(/\nnot imported: failover state [A-Z-]+; /);
    },
    TEST_TIMEOUT_MS,
  );
});
