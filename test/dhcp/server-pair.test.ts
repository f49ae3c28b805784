import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { join } from 'node:path';
import { clientHashBucket, ownerOfBucket } from '../../src/loadbal/hash-bucket.js';
import { DHCPMessageType } from '../../src/dhcp/packet.js';
import { startDHCPServer, type DHCPServer } from '../../src/dhcp/server.js';
import type { Peer } from '../../src/endpoint/peer.js';
import { ManualClock, nowSeconds } from '../../src/peer/timers.js';
import type { Role } from '../../model/endpoint-types.js';
import {
  startTestPeer,
  temporaryDirectory,
  testConfig,
  waitForState,
  type StartedPeer,
} from '../peer/peer-fixtures.js';
import { clientRequest, TestDHCPClient } from './dhcp-client.js';

const MCLT = 3600;
const DESIRED_LEASE = 86_400;

interface Pair {
  primary: StartedPeer;
  secondary: StartedPeer;
  clock: ManualClock;
}

async function startNormalPair(primaryOverrides: Record<string, unknown> = {}): Promise<Pair> {
  const directory = temporaryDirectory();
  const clock = new ManualClock();
  const secondary = await startTestPeer(
    testConfig('secondary', join(directory, 'secondary.db'), { mclt: MCLT }),
    clock,
  );
  const primary = await startTestPeer(
    testConfig('primary', join(directory, 'primary.db'), {
      mclt: MCLT,
      peer: { address: '127.0.0.1', port: secondary.peer.listeningPort },
      ...primaryOverrides,
    }),
    clock,
  );
  await Promise.all([waitForState(primary.peer, 'NORMAL'), waitForState(secondary.peer, 'NORMAL')]);
  return { primary, secondary, clock };
}

async function serve(peer: Peer, clock: ManualClock): Promise<DHCPServer> {
  const server = await startDHCPServer({
    failover: peer,
    address: '127.0.0.1',
    port: 0,
    serverIdentifier: '127.0.0.1',
    desiredLeaseSeconds: DESIRED_LEASE,
    subnetMask: '255.255.255.0',
    replyTo: 'source',
    clock,
  });
  onTestFinished(() => server.stop());
  return server;
}

/** Stores the address as BACKUP on the primary, pending, so the BNDUPD gives it to the secondary. */
function lendToSecondary(pair: Pair, address: string): void {
  const now = nowSeconds(pair.clock);
  pair.primary.peer.store.putBindings([
    {
      address,
      bindingStatus: 'BACKUP',
      ipFlags: 0,
      startTimeOfState: now,
      pendingUpdate: true,
      updateSeq: 1,
    },
  ]);
  pair.primary.peer.sendPendingUpdates();
}

/** Returns a chaddr whose hash bucket the role owns with the default split of 128. */
function chaddrOwnedBy(peer: Peer, role: Role): Uint8Array {
  const assignment = peer.hashBucketAssignment ?? new Uint8Array(32);
  for (let last = 1; last < 256; last++) {
    const chaddr = Uint8Array.from([2, 0, 0, 0, 0, last]);
    if (ownerOfBucket(assignment, clientHashBucket(chaddr)) === role) {
      return chaddr;
    }
  }
  throw new Error(`no chaddr in the ${role} buckets`);
}

describe('DHCP server in front of a NORMAL pair', () => {
  it('gives a client of its own bucket a lease of MCLT and sends the BNDUPD (FO-7.1.5-c, FO-7.1.1-m)', async () => {
    const pair = await startNormalPair();
    const server = await serve(pair.primary.peer, pair.clock);
    const client = await TestDHCPClient.open(server.port);
    const chaddr = chaddrOwnedBy(pair.primary.peer, 'primary');

    const { offer, ack } = await client.obtainLease(chaddr);

    expect(offer.options.messageType).toBe(DHCPMessageType.DHCPOFFER);
    expect(offer.options.leaseTime).toBe(MCLT);
    expect(ack.options.messageType).toBe(DHCPMessageType.DHCPACK);
    expect(ack.yiaddr).toBe(offer.yiaddr);
    expect(ack.options.leaseTime).toBe(MCLT);
    expect(ack.options.serverIdentifier).toBe('127.0.0.1');
    const expiry = nowSeconds(pair.clock) + MCLT;
    await vi.waitFor(() =>
      expect(pair.secondary.peer.store.getBinding(ack.yiaddr)?.bindingStatus).toBe('ACTIVE'),
    );
    const copy = pair.secondary.peer.store.getBinding(ack.yiaddr);
    expect(copy?.leaseExpirationTime).toBe(expiry);
    expect(copy?.clientHardwareAddress?.chaddr).toEqual(chaddr);
    await vi.waitFor(() =>
      expect(pair.primary.peer.store.getBinding(ack.yiaddr)?.pendingUpdate).toBe(false),
    );
  });

  it('commits the binding before the ACK reaches the client (FO-7.1.1-m)', async () => {
    const pair = await startNormalPair();
    const server = await serve(pair.primary.peer, pair.clock);
    const client = await TestDHCPClient.open(server.port);

    const { ack } = await client.obtainLease(chaddrOwnedBy(pair.primary.peer, 'primary'));
    const stored = pair.primary.peer.store.getBinding(ack.yiaddr);

    expect(stored?.bindingStatus).toBe('ACTIVE');
    expect(stored?.leaseExpirationTime).toBe(nowSeconds(pair.clock) + MCLT);
  });

  it('ignores a DISCOVER from a client of the partner bucket in NORMAL (FO-9.8.2-a)', async () => {
    const pair = await startNormalPair();
    const server = await serve(pair.primary.peer, pair.clock);
    const client = await TestDHCPClient.open(server.port);

    await client.send(
      clientRequest(chaddrOwnedBy(pair.primary.peer, 'secondary'), DHCPMessageType.DHCPDISCOVER),
    );
    await vi.waitFor(() => expect(server.statistics.ignored).toBe(1));

    expect(server.statistics.replies.DHCPOFFER).toBe(0);
    expect(client.unexpected).toEqual([]);
  });

  it('answers the RENEW of a client of the partner bucket in NORMAL (FO-9.8.2-a)', async () => {
    const pair = await startNormalPair();
    const secondaryServer = await serve(pair.secondary.peer, pair.clock);
    const primaryServer = await serve(pair.primary.peer, pair.clock);
    const chaddr = chaddrOwnedBy(pair.primary.peer, 'secondary');
    lendToSecondary(pair, '192.0.2.100');
    await vi.waitFor(() =>
      expect(pair.secondary.peer.store.getBinding('192.0.2.100')?.bindingStatus).toBe('BACKUP'),
    );
    const secondaryClient = await TestDHCPClient.open(secondaryServer.port);
    const { ack } = await secondaryClient.obtainLease(chaddr);
    await vi.waitFor(() =>
      expect(pair.primary.peer.store.getBinding(ack.yiaddr)?.bindingStatus).toBe('ACTIVE'),
    );

    const primaryClient = await TestDHCPClient.open(primaryServer.port);
    const renewal = await primaryClient.exchange(
      clientRequest(chaddr, DHCPMessageType.DHCPREQUEST, { ciaddr: ack.yiaddr }),
    );

    expect(ack.yiaddr).toBe('192.0.2.100');
    expect(renewal.options.messageType).toBe(DHCPMessageType.DHCPACK);
    expect(renewal.yiaddr).toBe('192.0.2.100');
  });

  it('frees a released address and the partner stores it FREE (FO-9.8.3-c, FO-5.11-e)', async () => {
    const pair = await startNormalPair();
    const server = await serve(pair.primary.peer, pair.clock);
    const client = await TestDHCPClient.open(server.port);
    const chaddr = chaddrOwnedBy(pair.primary.peer, 'primary');
    const { ack } = await client.obtainLease(chaddr);
    await vi.waitFor(() =>
      expect(pair.secondary.peer.store.getBinding(ack.yiaddr)?.bindingStatus).toBe('ACTIVE'),
    );
    // The partner rejects a change that is not newer than the one it stored (reject-reason 15).
    pair.clock.advance(5000);

    await client.send(
      clientRequest(
        chaddr,
        DHCPMessageType.DHCPRELEASE,
        { ciaddr: ack.yiaddr },
        {
          serverIdentifier: '127.0.0.1',
        },
      ),
    );

    await vi.waitFor(() =>
      expect(pair.secondary.peer.store.getBinding(ack.yiaddr)?.bindingStatus).toBe('FREE'),
    );
    expect(pair.primary.peer.store.getBinding(ack.yiaddr)?.bindingStatus).toBe('RELEASED');
    expect(server.statistics.committed).toBe(2);
  });

  it('serves a client of the partner bucket from its FREE addresses after the partner stops (FO-9.9.2-a, FO-5.4-a)', async () => {
    const pair = await startNormalPair();
    lendToSecondary(pair, '192.0.2.20');
    await vi.waitFor(() =>
      expect(pair.secondary.peer.store.getBinding('192.0.2.20')?.bindingStatus).toBe('BACKUP'),
    );
    await pair.secondary.peer.stop();
    await waitForState(pair.primary.peer, 'COMMUNICATIONS-INTERRUPTED');
    const server = await serve(pair.primary.peer, pair.clock);
    const client = await TestDHCPClient.open(server.port);

    const { ack } = await client.obtainLease(chaddrOwnedBy(pair.primary.peer, 'secondary'), {
      requestedAddress: '192.0.2.20',
    });

    expect(ack.options.messageType).toBe(DHCPMessageType.DHCPACK);
    expect(ack.yiaddr).toBe('192.0.2.21');
    expect(ack.options.leaseTime).toBe(MCLT);
    expect(pair.primary.peer.store.getBinding('192.0.2.21')?.pendingUpdate).toBe(true);
  });

  it('starts the server of the dhcp config section with the peer', async () => {
    const pair = await startNormalPair({
      dhcp: { address: '127.0.0.1', port: 0, leaseSeconds: 600, replyTo: 'source' },
    });
    const server = pair.primary.peer.dhcp;
    const client = await TestDHCPClient.open(server?.port ?? 0);

    const { ack } = await client.obtainLease(chaddrOwnedBy(pair.primary.peer, 'primary'));

    expect(ack.options.leaseTime).toBe(600);
    expect(pair.secondary.peer.dhcp).toBeUndefined();
  });

  it('rejects a start on a port in use', async () => {
    const pair = await startNormalPair();
    const first = await serve(pair.primary.peer, pair.clock);

    const second = startDHCPServer({
      failover: pair.primary.peer,
      address: '127.0.0.1',
      port: first.port,
      serverIdentifier: '127.0.0.1',
      desiredLeaseSeconds: DESIRED_LEASE,
    });

    await expect(second).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });
});
