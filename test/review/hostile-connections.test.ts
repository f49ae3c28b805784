import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { startPeer } from '../../src/endpoint/peer.js';
import { findOption, option } from '../../src/peer/options.js';
import { ManualClock, nowSeconds } from '../../src/peer/timers.js';
import { BindingStatus, MessageType, OptionCode, RejectReason } from '../../src/wire/codes.js';
import { encodeMessage } from '../../src/wire/message.js';
import type { FailoverOption } from '../../src/wire/types.js';
import { RawPartner } from '../peer/raw-partner.js';
import {
  connectOptions,
  RELATIONSHIP,
  secondsOf,
  startTestPeer,
  temporaryDirectory,
  testConfig,
} from '../peer/peer-fixtures.js';
import {
  activeTransaction,
  collectUncaught,
  connectFromPartner,
  establishedSecondary,
  nowOf,
  PARTNER_ADDRESS,
  settle,
  storedBindings,
} from './review-fixtures.js';

async function listeningSecondary() {
  const storePath = join(temporaryDirectory(), 'secondary.db');
  const started = await startTestPeer(
    testConfig('secondary', storePath, { peer: { address: PARTNER_ADDRESS, port: 1 } }),
  );
  return { ...started, storePath };
}

/** `count` FREE transactions for addresses outside the test pool, 13 bytes each on the wire. */
function outOfPoolFREEs(count: number): FailoverOption[] {
  return Array.from({ length: count }, (_, index) => [
    option(OptionCode.ASSIGNED_IP_ADDRESS, `198.51.100.${index + 1}`),
    option(OptionCode.BINDING_STATUS, BindingStatus.FREE),
  ]).flat();
}

describe('connections from strangers and out of order', () => {
  it('closes a stranger connection unread and logs its address, leaving the link up (FO-7.8.2-f)', async () => {
    const started = await establishedSecondary();
    const { peer, log, partner, storePath } = started;

    const stranger = await RawPartner.connect(peer.listeningPort ?? 0, secondsOf(started.clock));
    stranger.send(MessageType.BNDUPD, activeTransaction('192.0.2.50', nowOf(started) + 600), 1);
    await stranger.expectClosed();
    partner.send(MessageType.BNDUPD, activeTransaction('192.0.2.51', nowOf(started) + 600), 2);
    const bndack = await partner.nextOfType(MessageType.BNDACK);
    const refused = log.withEvent('connection.refused');

    expect(stranger.received).toEqual([]);
    expect(refused[0]?.['remote']).toBe('127.0.0.1');
    expect(bndack.xid).toBe(2);
    expect(storedBindings(storePath).map((binding) => binding.address)).toEqual(['192.0.2.51']);
    partner.close();
  });

  it('closes a connection whose first message is a BNDUPD, storing nothing (FO-7.8-a)', async () => {
    const started = await listeningSecondary();

    const partner = await connectFromPartner(started);
    partner.send(MessageType.BNDUPD, activeTransaction('192.0.2.52', nowOf(started) + 600), 1);
    await partner.expectClosed();

    expect(partner.received).toEqual([]);
    expect(storedBindings(started.storePath)).toEqual([]);
    expect(String(started.log.withEvent('message.rejected')[0]?.['msg'])).toContain(
      'before CONNECT',
    );
  });

  it('rejects each of 20 more CONNECTs with reason 7 while one connection is established (ISC-8)', async () => {
    const started = await establishedSecondary();
    const { partner } = started;

    const reasons: (number | undefined)[] = [];
    for (let attempt = 0; attempt < 20; attempt++) {
      const intruder = await connectFromPartner(started);
      intruder.send(MessageType.CONNECT, connectOptions(), attempt);
      const connectack = await intruder.nextOfType(MessageType.CONNECTACK);
      await intruder.expectClosed();
      reasons.push(findOption(connectack, OptionCode.REJECT_REASON));
    }
    partner.send(MessageType.BNDUPD, activeTransaction('192.0.2.53', nowOf(started) + 600), 3);
    const bndack = await partner.nextOfType(MessageType.BNDACK);

    expect(new Set(reasons)).toEqual(new Set([RejectReason.DUPLICATE_CONNECTION]));
    expect(bndack.xid).toBe(3);
    partner.close();
  });
});

describe('idle connections beside an established one', () => {
  // Each idle connection has its own CONNECT-wait timer, so a second one cannot cancel the first's.
  it('closes both of two idle connections beside an established one (FO-7.8.2-a)', async () => {
    const started = await establishedSecondary();
    const { partner, clock } = started;
    const first = await connectFromPartner(started);
    const second = await connectFromPartner(started);
    await settle();

    // Four receive-timer periods; the CONTACTs keep the established connection alive.
    for (let step = 0; step < 6; step++) {
      clock.advance(20_000);
      partner.send(MessageType.CONTACT, [], 100 + step);
      await settle();
    }
    const firstClosed = first.isClosed;
    first.close();
    second.close();
    partner.close();

    expect(second.isClosed).toBe(true);
    expect(firstClosed).toBe(true);
  });

  // Losing the established connection leaves the idle connection's own CONNECT-wait running.
  it('closes an idle connection after the established one drops (FO-7.8.2-a)', async () => {
    const started = await establishedSecondary();
    const { partner, clock } = started;
    const idle = await connectFromPartner(started);
    await settle();

    partner.close();
    await settle();
    clock.advance(120_000);
    await settle();
    const idleClosed = idle.isClosed;
    idle.close();

    expect(idleClosed).toBe(true);
  });
});

describe('replies longer than 2048 bytes', () => {
  // Echoing the CONNECT's relationship-name, as dhcpd does, would make the rejecting CONNECTACK
  // longer than 2048 bytes, and an encoding error inside the socket's data listener ends the
  // process.
  it('rejects a CONNECT with a 2027-byte relationship-name, sending its own name (FO-6.1-c, FO-7.9.1-b)', async () => {
    const started = await listeningSecondary();
    const partner = await connectFromPartner(started);

    const caught = await collectUncaught(async () => {
      partner.send(
        MessageType.CONNECT,
        [
          option(OptionCode.RELATIONSHIP_NAME, 'x'.repeat(2027)),
          option(OptionCode.PROTOCOL_VERSION, 1),
        ],
        0,
      );
      await settle(200);
    });
    const connectack = partner.received.find((message) => message.type === MessageType.CONNECTACK);
    partner.close();

    expect(caught.map((error) => error.message)).toEqual([]);
    expect(connectack).toBeDefined();
    expect(connectack && findOption(connectack, OptionCode.REJECT_REASON)).toBe(
      RejectReason.INVALID_FAILOVER_PARTNER,
    );
    expect(connectack && findOption(connectack, OptionCode.RELATIONSHIP_NAME)).toBe(RELATIONSHIP);
  });

  // Each rejected transaction costs 35 bytes in the BNDACK with its message (address,
  // reject-reason, message) but only 13 in the BNDUPD, so 59 of them with messages would overflow
  // the BNDACK.
  it('answers a BNDUPD of 59 rejected transactions with one BNDACK without messages (FO-6.1-c, FO-7.2-a)', async () => {
    const { partner } = await establishedSecondary();

    const caught = await collectUncaught(async () => {
      partner.send(MessageType.BNDUPD, outOfPoolFREEs(59), 5);
      await settle(200);
    });
    const bndack = partner.received.find((message) => message.type === MessageType.BNDACK);
    partner.close();
    const optionsOf = (code: number) => bndack?.options.filter((item) => item.code === code) ?? [];

    expect(caught.map((error) => error.message)).toEqual([]);
    expect(bndack?.xid).toBe(5);
    expect(optionsOf(OptionCode.REJECT_REASON)).toHaveLength(59);
    expect(optionsOf(OptionCode.MESSAGE)).toEqual([]);
  });

  it('answers a BNDUPD of 58 rejected transactions with one BNDACK (FO-6.3-c)', async () => {
    const { partner } = await establishedSecondary();

    partner.send(MessageType.BNDUPD, outOfPoolFREEs(58), 6);
    const bndack = await partner.nextOfType(MessageType.BNDACK);
    const reasons = bndack.options.filter((item) => item.code === OptionCode.REJECT_REASON);

    expect(reasons).toHaveLength(58);
    partner.close();
  });
});

describe('a partner that does not read', () => {
  // A missing-binding-information reject is 44 bytes per 8-byte transaction, so the replies would
  // queue in memory if reading went on while the send buffer is full.
  it('bounds buffered BNDACKs while the partner stops reading (FO-8.3-e)', async () => {
    const clock = new ManualClock();
    const storePath = join(temporaryDirectory(), 'secondary.db');
    const peer = await startPeer(
      testConfig('secondary', storePath, { peer: { address: PARTNER_ADDRESS, port: 1 } }),
      { clock },
    );
    const partner = await RawPartner.connect(
      peer.listeningPort ?? 0,
      secondsOf(clock),
      PARTNER_ADDRESS,
    );
    try {
      partner.send(MessageType.CONNECT, connectOptions(), 0);
      await partner.nextOfType(MessageType.CONNECTACK);
      partner.socket.pause();
      const addressesOnly = Array.from({ length: 45 }, (_, index) =>
        option(OptionCode.ASSIGNED_IP_ADDRESS, `192.0.2.${20 + index}`),
      );
      for (let round = 0; round < 60; round++) {
        const frames = Array.from({ length: 100 }, (_, index) =>
          encodeMessage(
            {
              type: MessageType.BNDUPD,
              payloadOffset: 12,
              time: nowSeconds(clock),
              xid: round * 100 + index + 1,
              extraHeader: new Uint8Array(0),
              options: addressesOnly,
            },
            'isc',
          ),
        );
        partner.sendBytes(Buffer.concat(frames));
        await settle(5);
      }
      await settle(200);
      // Reached through private fields, because the user-space send buffer is not exposed.
      const link = (peer as unknown as { link: { connection?: { socket: Socket } } }).link;
      const buffered = link.connection?.socket.writableLength ?? 0;

      expect(buffered).toBeLessThan(1024 * 1024);
    } finally {
      partner.close();
      await peer.stop();
    }
  });
});
