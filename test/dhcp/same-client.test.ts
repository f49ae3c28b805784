import { describe, expect, it, onTestFinished } from 'vitest';
import type { Role } from '../../model/endpoint-types.js';
import { LeaseExpiry } from '../../src/dhcp/expiry.js';
import { DHCPMessageType } from '../../src/dhcp/packet.js';
import { startDHCPServer, type DHCPServer, type FailoverView } from '../../src/dhcp/server.js';
import { hashBucketAssignmentForSplit } from '../../src/peer/hash-buckets.js';
import { ManualClock, nowSeconds } from '../../src/peer/timers.js';
import { openLeaseStore } from '../../src/store/sqlite-store.js';
import type { StoredBinding } from '../../src/store/types.js';
import type { FailoverStateName } from '../../src/wire/codes.js';
import { clientRequest, TestDHCPClient } from './dhcp-client.js';

const MCLT = 600;
const DESIRED_LEASE = 7200;
const CLIENT_A = Uint8Array.of(2, 0, 0, 0, 0xa, 1);
const CLIENT_B = Uint8Array.of(2, 0, 0, 0, 0xb, 2);
const CLIENT_C = Uint8Array.of(2, 0, 0, 0, 0xc, 3);

interface Fixture {
  view: FailoverView & { state: FailoverStateName; config: { name: string } };
  server: DHCPServer;
  client: TestDHCPClient;
  clock: ManualClock;
}

async function serve(
  state: FailoverStateName,
  role: Role,
  startTimeOfState: number,
  clock: ManualClock,
): Promise<Fixture> {
  const store = openLeaseStore(':memory:');
  onTestFinished(() => store.close());
  const view = {
    state,
    startTimeOfState,
    mclt: MCLT,
    // split 256: the primary serves every client in NORMAL, so load balancing drops none.
    hashBucketAssignment: hashBucketAssignmentForSplit(256),
    store,
    config: { name: 'fo', role, pools: [{ start: '192.0.2.10', end: '192.0.2.13' }] },
    sendPendingUpdates(): void {},
  };
  const server = await startDHCPServer({
    failover: view,
    address: '127.0.0.1',
    port: 0,
    serverIdentifier: '127.0.0.1',
    desiredLeaseSeconds: DESIRED_LEASE,
    replyTo: 'source',
    clock,
  });
  onTestFinished(() => server.stop());
  const client = await TestDHCPClient.open(server.port);
  return { view, server, client, clock };
}

/** Builds CLIENT_A's lease on .11 that became `status` at `since` and waits for its BNDACK. */
function endedLease(status: 'EXPIRED' | 'RELEASED', since: number): StoredBinding {
  return {
    address: '192.0.2.11',
    bindingStatus: status,
    ipFlags: 0,
    clientHardwareAddress: { htype: 1, chaddr: CLIENT_A },
    leaseExpirationTime: since,
    startTimeOfState: since,
    clientLastTransactionTime: since - MCLT,
    pendingUpdate: true,
    updateSeq: 3,
  };
}

describe('same-client return', () => {
  it('gives a released client its FREE address back before any other address', async () => {
    const clock = new ManualClock();
    const { view, client, server } = await serve('NORMAL', 'primary', nowSeconds(clock), clock);
    const first = await client.obtainLease(CLIENT_A);
    await client.exchangeOrSilence(
      clientRequest(CLIENT_A, DHCPMessageType.DHCPRELEASE, { ciaddr: first.ack.yiaddr }),
      server,
    );
    const released = view.store.getBinding(first.ack.yiaddr);
    view.store.acknowledgeUpdate(first.ack.yiaddr, released?.updateSeq ?? 0, undefined);
    new LeaseExpiry({ failover: view, clock }).sweep();
    const stranger = await client.obtainLease(CLIENT_C);

    const returned = await client.obtainLease(CLIENT_A);

    expect(released?.bindingStatus).toBe('RELEASED');
    expect(view.store.getBinding(first.ack.yiaddr)?.clientHardwareAddress?.chaddr).toEqual(
      CLIENT_A,
    );
    expect(stranger.ack.yiaddr).not.toBe(first.ack.yiaddr);
    expect(returned.offer.yiaddr).toBe(first.ack.yiaddr);
    expect(returned.ack.yiaddr).toBe(first.ack.yiaddr);
  });

  it('gives an expired client its address back in COMMUNICATIONS-INTERRUPTED before sending it (T9, FO-9.8.3-c)', async () => {
    const clock = new ManualClock();
    const now = nowSeconds(clock);
    const { view, client } = await serve('COMMUNICATIONS-INTERRUPTED', 'primary', now - 100, clock);
    view.store.putBindings([endedLease('EXPIRED', now - 10)]);

    const returned = await client.obtainLease(CLIENT_A);

    expect(returned.offer.yiaddr).toBe('192.0.2.11');
    expect(returned.ack.options.messageType).toBe(DHCPMessageType.DHCPACK);
    expect(view.store.getBinding('192.0.2.11')?.bindingStatus).toBe('ACTIVE');
  });

  it('keeps an unsent EXPIRED address from other clients in COMMUNICATIONS-INTERRUPTED (FO-9.8.3-c)', async () => {
    const clock = new ManualClock();
    const now = nowSeconds(clock);
    const { view, client } = await serve('COMMUNICATIONS-INTERRUPTED', 'primary', now - 100, clock);
    view.store.putBindings([endedLease('EXPIRED', now - 10)]);

    const stranger = await client.obtainLease(CLIENT_B, { requestedAddress: '192.0.2.11' });

    expect(stranger.ack.yiaddr).not.toBe('192.0.2.11');
    expect(view.store.getBinding('192.0.2.11')?.bindingStatus).toBe('EXPIRED');
  });

  it('withholds a RELEASED address whose BNDUPD may be out in NORMAL (T9, FO-9.8.3-c)', async () => {
    const clock = new ManualClock();
    const now = nowSeconds(clock);
    const { view, client } = await serve('NORMAL', 'primary', now - 100, clock);
    view.store.putBindings([endedLease('RELEASED', now - 10)]);

    const other = await client.obtainLease(CLIENT_A);

    expect(other.ack.yiaddr).not.toBe('192.0.2.11');
    expect(view.store.getBinding('192.0.2.11')?.bindingStatus).toBe('RELEASED');
  });

  it('withholds an EXPIRED address that changed before the connection was lost (T9, FO-9.8.3-c)', async () => {
    const clock = new ManualClock();
    const now = nowSeconds(clock);
    const { view, client } = await serve('COMMUNICATIONS-INTERRUPTED', 'primary', now - 5, clock);
    view.store.putBindings([endedLease('EXPIRED', now - 10)]);

    const other = await client.obtainLease(CLIENT_A);

    expect(other.ack.yiaddr).not.toBe('192.0.2.11');
  });
});

describe('group commit', () => {
  it('ACKs one of two clients that request the same address at once', async () => {
    const clock = new ManualClock();
    const { view, client } = await serve('NORMAL', 'primary', nowSeconds(clock), clock);
    const selecting = (chaddr: Uint8Array) =>
      clientRequest(
        chaddr,
        DHCPMessageType.DHCPREQUEST,
        {},
        { requestedAddress: '192.0.2.12', serverIdentifier: '127.0.0.1' },
      );

    const replies = await Promise.all([
      client.exchange(selecting(CLIENT_A)),
      client.exchange(selecting(CLIENT_B)),
    ]);

    const types = replies.map((reply) => reply.options.messageType).sort();
    expect(types).toEqual([DHCPMessageType.DHCPACK, DHCPMessageType.DHCPNAK].sort());
    expect(view.store.getBinding('192.0.2.12')?.bindingStatus).toBe('ACTIVE');
  });

  it('stores the binding of every ACK of a burst of clients', async () => {
    const clock = new ManualClock();
    const { view, client } = await serve('NORMAL', 'primary', nowSeconds(clock), clock);

    const leases = await Promise.all(
      [CLIENT_A, CLIENT_B, CLIENT_C].map((chaddr) => client.obtainLease(chaddr)),
    );

    for (const { ack } of leases) {
      expect(ack.options.messageType).toBe(DHCPMessageType.DHCPACK);
    }
    const stored = view.store.getBindings(leases.map(({ ack }) => ack.yiaddr));
    expect(stored.map((binding) => binding.bindingStatus)).toEqual(['ACTIVE', 'ACTIVE', 'ACTIVE']);
  });
});
