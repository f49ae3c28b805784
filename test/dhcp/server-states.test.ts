import { describe, expect, it, onTestFinished, vi } from 'vitest';
import type { Role } from '../../model/endpoint-types.js';
import { createSocket } from 'node:dgram';
import {
  decodeDHCPPacket,
  DHCPMessageType,
  encodeDHCPPacket,
  type DHCPPacket,
} from '../../src/dhcp/packet.js';
import { DHCPLogEvent, type FailoverView } from '../../src/dhcp/server.js';
import { hashBucketAssignmentForSplit } from '../../src/peer/hash-buckets.js';
import { ManualClock, nowSeconds } from '../../src/peer/timers.js';
import type { StoredBinding } from '../../src/store/types.js';
import type { FailoverStateName } from '../../src/wire/codes.js';
import { clientRequest } from './dhcp-client.js';
import {
  binding,
  openStoreWith,
  startFrontEnd,
  type RunningFrontEnd,
} from './front-end-fixture.js';

const MCLT = 600;
const DESIRED_LEASE = 7200;
const CHADDR = Uint8Array.from([2, 0, 0, 0, 0, 7]);
const RELAY_ADDRESS = '127.0.0.2';

interface StateFixture extends RunningFrontEnd {
  view: FailoverView & { state: FailoverStateName; sent: number };
  clock: ManualClock;
}

async function serveIn(
  state: FailoverStateName,
  role: Role,
  bindings: StoredBinding[] = [],
  replyTo: 'standard' | 'source' = 'source',
): Promise<StateFixture> {
  const store = openStoreWith(bindings);
  const view = {
    state,
    sent: 0,
    mclt: MCLT,
    hashBucketAssignment: hashBucketAssignmentForSplit(128),
    store,
    config: { role, pools: [{ start: '192.0.2.10', end: '192.0.2.13' }] },
    sendPendingUpdates(): void {
      view.sent += 1;
    },
  };
  const clock = new ManualClock();
  const { server, client, log } = await startFrontEnd(view, clock, {
    desiredLeaseSeconds: DESIRED_LEASE,
    replyTo,
  });
  return { view, server, client, clock, log };
}

const backupOf10 = binding('192.0.2.10', { bindingStatus: 'BACKUP' });
const backupOf12 = binding('192.0.2.12', { bindingStatus: 'BACKUP' });

describe('DHCP server by failover state', () => {
  it('answers no DISCOVER in RECOVER (FO-9.5.1-a)', async () => {
    const { server, client, log } = await serveIn('RECOVER', 'primary');

    await client.send(clientRequest(CHADDR, DHCPMessageType.DHCPDISCOVER));
    await vi.waitFor(() => expect(server.statistics.ignored).toBe(1));

    expect(server.statistics.replies.DHCPOFFER).toBe(0);
    expect(client.unexpected).toEqual([]);
    expect(log.withEvent(DHCPLogEvent.IGNORED)[0]?.['reason']).toBe(
      'RECOVER does not serve this request',
    );
  });

  it('answers no RENEW in RECOVER (FO-9.5.1-a)', async () => {
    const active = binding('192.0.2.11', {
      bindingStatus: 'ACTIVE',
      clientHardwareAddress: { htype: 1, chaddr: CHADDR },
    });
    const { server, client } = await serveIn('RECOVER', 'primary', [active]);

    await client.send(clientRequest(CHADDR, DHCPMessageType.DHCPREQUEST, { ciaddr: '192.0.2.11' }));
    await vi.waitFor(() => expect(server.statistics.ignored).toBe(1));

    expect(server.statistics.replies.DHCPACK).toBe(0);
  });

  it('gives a primary in COMMUNICATIONS-INTERRUPTED a FREE address, never BACKUP (FO-9.9.2-a, FO-5.4-a)', async () => {
    const { client } = await serveIn('COMMUNICATIONS-INTERRUPTED', 'primary', [backupOf10]);

    const { ack } = await client.obtainLease(CHADDR, { requestedAddress: '192.0.2.10' });

    expect(ack.options.messageType).toBe(DHCPMessageType.DHCPACK);
    expect(ack.yiaddr).toBe('192.0.2.11');
  });

  it('gives a secondary in COMMUNICATIONS-INTERRUPTED only BACKUP addresses (FO-9.9.2-a)', async () => {
    const { server, client } = await serveIn('COMMUNICATIONS-INTERRUPTED', 'secondary', [
      backupOf12,
    ]);
    const other = Uint8Array.from([2, 0, 0, 0, 0, 8]);

    const first = await client.obtainLease(CHADDR);
    await client.send(clientRequest(other, DHCPMessageType.DHCPDISCOVER));
    await vi.waitFor(() => expect(server.statistics.ignored).toBe(1));

    expect(first.ack.yiaddr).toBe('192.0.2.12');
    expect(server.statistics.replies.DHCPOFFER).toBe(1);
  });

  it('offers nothing when the own pool is used up in COMMUNICATIONS-INTERRUPTED (FO-9.9.2-a)', async () => {
    const { server, client } = await serveIn('COMMUNICATIONS-INTERRUPTED', 'secondary', []);

    await client.send(clientRequest(CHADDR, DHCPMessageType.DHCPDISCOVER));
    await vi.waitFor(() => expect(server.statistics.ignored).toBe(1));

    expect(server.statistics.replies.DHCPOFFER).toBe(0);
  });

  it('NAKs a SELECTING request for a BACKUP address on the primary (FO-5.4-a)', async () => {
    const { client } = await serveIn('COMMUNICATIONS-INTERRUPTED', 'primary', [backupOf10]);

    const reply = await client.exchange(
      clientRequest(
        CHADDR,
        DHCPMessageType.DHCPREQUEST,
        {},
        {
          requestedAddress: '192.0.2.10',
          serverIdentifier: '127.0.0.1',
        },
      ),
    );

    expect(reply.options.messageType).toBe(DHCPMessageType.DHCPNAK);
    expect(reply.yiaddr).toBe('0.0.0.0');
    expect(reply.options.leaseTime).toBeUndefined();
  });

  it('extends a renewal to MCLT past the acknowledged PET (FO-5.2.1-c, FO-7.1.5-c)', async () => {
    const clock = new ManualClock();
    const now = nowSeconds(clock);
    const active = binding('192.0.2.11', {
      bindingStatus: 'ACTIVE',
      clientHardwareAddress: { htype: 1, chaddr: CHADDR },
      leaseExpirationTime: now + 300,
      ackedPet: now + 1000,
    });
    const fixture = await serveIn('COMMUNICATIONS-INTERRUPTED', 'primary', [active]);

    const reply = await fixture.client.exchange(
      clientRequest(CHADDR, DHCPMessageType.DHCPREQUEST, { ciaddr: '192.0.2.11' }),
    );

    expect(reply.options.messageType).toBe(DHCPMessageType.DHCPACK);
    expect(reply.options.leaseTime).toBe(1000 + MCLT);
    expect(fixture.view.store.getBinding('192.0.2.11')?.leaseExpirationTime).toBe(
      now + 1000 + MCLT,
    );
    expect(fixture.view.store.getBinding('192.0.2.11')?.pendingUpdate).toBe(true);
    expect(fixture.view.store.getBinding('192.0.2.11')?.updateSeq).toBe(2);
    expect(fixture.view.sent).toBe(1);
  });

  it('answers a RENEW and no DISCOVER in RECOVER-DONE (FO-9.7.1-a)', async () => {
    const active = binding('192.0.2.11', {
      bindingStatus: 'ACTIVE',
      clientHardwareAddress: { htype: 1, chaddr: CHADDR },
    });
    const { server, client } = await serveIn('RECOVER-DONE', 'primary', [active]);

    const renewal = await client.exchange(
      clientRequest(CHADDR, DHCPMessageType.DHCPREQUEST, { ciaddr: '192.0.2.11' }),
    );
    await client.send(clientRequest(CHADDR, DHCPMessageType.DHCPDISCOVER));
    await vi.waitFor(() => expect(server.statistics.ignored).toBe(1));

    expect(renewal.options.messageType).toBe(DHCPMessageType.DHCPACK);
    expect(server.statistics.replies.DHCPOFFER).toBe(0);
  });

  it('NAKs the INIT-REBOOT request of an address bound to another client', async () => {
    const active = binding('192.0.2.11', {
      bindingStatus: 'ACTIVE',
      clientHardwareAddress: { htype: 1, chaddr: Uint8Array.from([2, 0, 0, 0, 0, 9]) },
    });
    const { client } = await serveIn('COMMUNICATIONS-INTERRUPTED', 'primary', [active]);

    const reply = await client.exchange(
      clientRequest(CHADDR, DHCPMessageType.DHCPREQUEST, {}, { requestedAddress: '192.0.2.11' }),
    );

    expect(reply.options.messageType).toBe(DHCPMessageType.DHCPNAK);
  });

  it('records a declined address as ABANDONED for the partner (FO-5.11-b)', async () => {
    const { client, view } = await serveIn('COMMUNICATIONS-INTERRUPTED', 'primary');
    const { ack } = await client.obtainLease(CHADDR);

    await client.send(
      clientRequest(CHADDR, DHCPMessageType.DHCPDECLINE, {}, { requestedAddress: ack.yiaddr }),
    );

    await vi.waitFor(() =>
      expect(view.store.getBinding(ack.yiaddr)?.bindingStatus).toBe('ABANDONED'),
    );
    expect(view.store.getBinding(ack.yiaddr)?.pendingUpdate).toBe(true);
    expect(view.sent).toBe(2);
  });

  it('answers an INFORM with configuration and no lease', async () => {
    const { client } = await serveIn('COMMUNICATIONS-INTERRUPTED', 'primary');

    const reply = await client.exchange(
      clientRequest(CHADDR, DHCPMessageType.DHCPINFORM, { ciaddr: '198.51.100.7' }),
    );

    expect(reply.options.messageType).toBe(DHCPMessageType.DHCPACK);
    expect(reply.yiaddr).toBe('0.0.0.0');
    expect(reply.ciaddr).toBe('198.51.100.7');
    expect(reply.options.leaseTime).toBeUndefined();
  });

  it('counts and logs a malformed message, then serves the next one', async () => {
    const { server, client, log } = await serveIn('COMMUNICATIONS-INTERRUPTED', 'primary');

    await client.send(Uint8Array.from([1, 2, 3]));
    await vi.waitFor(() => expect(server.statistics.malformed).toBe(1));
    const { ack } = await client.obtainLease(CHADDR);

    expect(ack.options.messageType).toBe(DHCPMessageType.DHCPACK);
    const line = log.withEvent(DHCPLogEvent.MALFORMED)[0];
    expect(line?.['code']).toBe('FO_ERR_DHCP_TRUNCATED');
    expect(line?.['msg']).toBe(
      'malformed DHCP message: DHCP message length 3, expected at least 240 at offset 0',
    );
  });

  it('sends the OFFER for a relayed DISCOVER to the relay agent at giaddr', async () => {
    const { server } = await serveIn('COMMUNICATIONS-INTERRUPTED', 'primary', [], 'standard');
    // A second loopback address stands for the relay agent, which listens on the server port.
    const relay = createSocket('udp4');
    await new Promise<void>((resolve) => relay.bind(server.port, RELAY_ADDRESS, resolve));
    onTestFinished(() => new Promise<void>((resolve) => relay.close(() => resolve())));
    const received = new Promise<DHCPPacket>((resolve) =>
      relay.once('message', (message) => resolve(decodeDHCPPacket(message))),
    );
    const discover = clientRequest(CHADDR, DHCPMessageType.DHCPDISCOVER, {
      giaddr: RELAY_ADDRESS,
      hops: 1,
    });

    relay.send(encodeDHCPPacket(discover), server.port, '127.0.0.1');
    const offer = await received;

    expect(offer.options.messageType).toBe(DHCPMessageType.DHCPOFFER);
    expect(offer.xid).toBe(discover.xid);
    expect(offer.giaddr).toBe(RELAY_ADDRESS);
    expect(offer.yiaddr).toBe('192.0.2.10');
  });
});
