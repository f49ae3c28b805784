import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { formatImportSummary, importIsc } from '../../src/cli/import.js';
import { loadRelationshipConfig } from '../../src/config/load.js';
import type { RelationshipConfig } from '../../src/config/types.js';
import { startPeer } from '../../src/endpoint/peer.js';
import { parseDhcpdConf } from '../../src/isc/dhcpd-conf.js';
import { openLeaseStore } from '../../src/store/sqlite-store.js';
import { sharedAvailable, sharedPath } from '../helpers/shared-dir.js';
import { temporaryDirectory, testConfig, waitForState } from '../peer/peer-fixtures.js';

const captureConfs = sharedAvailable
  ? readdirSync(sharedPath('captures')).filter((name) => name.endsWith('.conf'))
  : [];

/** Writes `count` ACTIVE leases from 10.77.1.0 up with the interop kit's generator. */
function generatedLeases(directory: string, count: number): string {
  const path = join(directory, 'dhcpd.leases');
  const text = execFileSync(process.execPath, [
    sharedPath('interop', 'gen-leases.js'),
    String(count),
  ]);
  writeFileSync(path, text);
  return path;
}

describe('dhcpd.conf parser', () => {
  it('reads a failover peer, its pool ranges and the statements it skips', () => {
    const conf = parseDhcpdConf(`
      authoritative;
      failover peer "fo" {
        primary;
        address 10.0.0.1; port 519;
        peer address 10.0.0.2; peer port 520;
        max-response-delay 60; max-unacked-updates 10;
        load balance max seconds 3;
        mclt 1800; split 128;
        auto-partner-down 3600;
        max-lease-misbalance 1;
      }
      shared-network lan {
        subnet 10.0.1.0 netmask 255.255.255.0 {
          option routers 10.0.1.1;
          pool { failover peer "fo"; range 10.0.1.10 10.0.1.20; range dynamic-bootp 10.0.1.30; }
        }
      }
      subnet 10.0.2.0 netmask 255.255.255.0 { range 10.0.2.5 10.0.2.9; }
    `);

    expect(conf.failoverPeers).toEqual([
      {
        name: 'fo',
        role: 'primary',
        address: '10.0.0.1',
        port: 519,
        peerAddress: '10.0.0.2',
        peerPort: 520,
        maxResponseDelay: 60,
        maxUnackedUpdates: 10,
        loadBalanceMaxSeconds: 3,
        mclt: 1800,
        split: 128,
        autoPartnerDown: 3600,
        line: 3,
      },
    ]);
    expect(conf.ranges).toEqual([
      { peer: 'fo', start: '10.0.1.10', end: '10.0.1.20', line: 16 },
      { peer: 'fo', start: '10.0.1.30', end: '10.0.1.30', line: 16 },
    ]);
    expect(conf.skipped).toEqual([
      { statement: 'authoritative', line: 2 },
      { statement: 'failover peer max-lease-misbalance', line: 11 },
      { statement: 'option routers', line: 15 },
      { statement: 'range', line: 19 },
    ]);
  });

  it('rejects a host name where a failover address belongs', () => {
    const parse = (): unknown =>
      parseDhcpdConf('failover peer "fo" { primary; address dhcp1.example; }');

    expect(parse).toThrow(
      'address at line 1 is "dhcp1.example", expected an IPv4 address (host names are not resolved)',
    );
  });

  it('rejects an unclosed block with its line', () => {
    expect(() => parseDhcpdConf('subnet 10.0.0.0 netmask 255.0.0.0 {\n  pool {\n')).toThrow(
      expect.objectContaining({ code: 'FO_ERR_DHCPD_CONF_SYNTAX' }),
    );
  });
});

describe.runIf(sharedAvailable)('dhcpf import isc', () => {
  it.each(captureConfs)('imports %s into a config the loader accepts', (name) => {
    const out = temporaryDirectory();

    const result = importIsc({ conf: sharedPath('captures', name), out });
    const config = loadRelationshipConfig(result.configPath);

    expect(config.name).toBe('fo');
    expect(config.role).toBe(name.includes('.primary.') ? 'primary' : 'secondary');
    expect(config.local.address).toBe(name.includes('.primary.') ? '10.77.0.1' : '10.77.0.2');
    expect(config.peer.port).toBe(647);
    expect(config.maxUnackedUpdates).toBe(10);
    expect(config.pools[0]?.start).toBe('10.77.1.0');
    expect(config.loadBalanceMaxSecs).toBe(3);
    expect(result.skipped.map((skipped) => skipped.statement)).toContain('ddns-update-style');
  });

  it('carries over mclt, split and max-response-delay of the interrupt primary', () => {
    const out = temporaryDirectory();

    const result = importIsc({ conf: sharedPath('captures', 'fo-interrupt.primary.conf'), out });
    const json = JSON.parse(readFileSync(result.configPath, 'utf8')) as Record<string, unknown>;

    expect(json['mclt']).toBe(600);
    expect(json['split']).toBe(128);
    expect(json['receiveTimer']).toBe(9);
    expect(json['pools']).toEqual([{ start: '10.77.1.0', end: '10.77.1.63' }]);
    expect(json['store']).toBe('fo.db');
  });

  it('loads generated dhcpd leases into the store with their failover times', () => {
    const directory = temporaryDirectory();
    const leases = generatedLeases(directory, 40);
    const out = join(directory, 'out');

    const result = importIsc({
      conf: sharedPath('captures', 'fo-clients.primary.conf'),
      leases,
      out,
    });
    const store = openLeaseStore(result.storePath);
    onTestFinished(() => store.close());
    const first = store.getBinding('10.77.1.0');

    expect(store.countBindings()).toBe(40);
    expect(store.countPending()).toBe(40);
    expect(first?.bindingStatus).toBe('ACTIVE');
    expect(first?.sentPet).toBe(first?.leaseExpirationTime);
    expect(first?.clientHardwareAddress?.chaddr).toEqual(Uint8Array.from([2, 0, 0, 0, 0, 0]));
    expect(formatImportSummary(result)).toContain(
      `wrote ${result.storePath}: 40 bindings (40 ACTIVE) from 40 lease declarations`,
    );
  });

  it('leaves out leases outside the failover pools and refuses to overwrite', () => {
    const directory = temporaryDirectory();
    // fo-poolreq's pool ends at 10.77.1.31, so 8 of the 40 generated leases lie outside it.
    const leases = generatedLeases(directory, 40);
    const conf = sharedPath('captures', 'fo-poolreq.secondary.conf');

    const result = importIsc({ conf, leases, out: directory });
    const again = (): unknown => importIsc({ conf, leases, out: directory });

    expect(result.leases?.bindings).toHaveLength(32);
    expect(result.leases?.outsidePools).toBe(8);
    expect(again).toThrow(expect.objectContaining({ code: 'FO_ERR_IMPORT_OUTPUT_EXISTS' }));
  });

  it('gives a store a dhcpf pair synchronizes on loopback', async () => {
    const directory = temporaryDirectory();
    const leases = generatedLeases(directory, 25);
    const result = importIsc({
      conf: sharedPath('captures', 'fo-clients.primary.conf'),
      leases,
      out: directory,
    });
    const secondary = await startPeer(
      testConfig('secondary', join(directory, 'secondary.db'), {
        name: 'fo',
        pools: [{ start: '10.77.1.0', end: '10.77.1.63' }],
      }),
    );
    onTestFinished(() => secondary.stop());
    // Only the addresses move to loopback; everything else is the imported config.
    const imported = loadRelationshipConfig(result.configPath);
    const primaryConfig: RelationshipConfig = {
      ...imported,
      local: { address: '127.0.0.1', port: 0 },
      peer: { address: '127.0.0.1', port: secondary.listeningPort ?? 0 },
    };
    const primary = await startPeer(primaryConfig);
    onTestFinished(() => primary.stop());

    await Promise.all([waitForState(primary, 'NORMAL'), waitForState(secondary, 'NORMAL')]);

    const active = [...secondary.store.allBindings()].filter(
      (binding) => binding.bindingStatus === 'ACTIVE',
    );
    expect(active).toHaveLength(25);
    expect(secondary.store.getBinding('10.77.1.24')?.bindingStatus).toBe('ACTIVE');
    await vi.waitFor(() => expect(primary.store.countPending()).toBe(0));
  });
});
