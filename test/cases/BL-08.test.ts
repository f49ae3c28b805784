// BL-08: a silent partner. tReceive expiry sends DISCONNECT 17 and moves NORMAL to
// COMMUNICATIONS-INTERRUPTED; after the return to NORMAL the timers run again and service resumes.

import { describe, expect, it } from 'vitest';
import { DHCPMessageType } from '../../src/dhcp/packet.js';
import { answersClient } from '../../src/loadbal/client-service.js';
import { findOption, option } from '../../src/peer/options.js';
import { nowSeconds } from '../../src/peer/timers.js';
import { MessageType, OptionCode, ServerState } from '../../src/wire/codes.js';
import type { FailoverMessage } from '../../src/wire/types.js';
import { connectackOptions, secondsOf, stateOptions, waitForState } from '../peer/peer-fixtures.js';
import type { Peer } from '../../src/endpoint/peer.js';
import type { RawPartner } from '../peer/raw-partner.js';
import {
  caseDHCPConfig,
  caseMac,
  dhcpOf,
  discover,
  expectReplyLike,
  primaryInNormal,
  primaryWithPartner,
  secondaryInNormal,
  secondaryWithPartner,
  settle,
  T0,
} from './case-support.js';

const DISCONNECT_17 =
  '00 1f 0c 0c 65 53 f1 00 00 00 02 00 00 15 00 01 11 00 10 00 0a 6e 6f 20 74 72 61 66 66 69 63';
const CONTACT_POFF12 = '00 0c 0b 0c 65 53 f1 00 00 00 00 01';

/** Client :00 hashes to bucket 106 (the primary's with split 128), client :01 to bucket 175. */
const OWN_BUCKET_CLIENT = caseMac(0x00);
const PARTNER_BUCKET_CLIENT = caseMac(0x01);

function answersDISCOVER(peer: Peer, chaddr: Uint8Array): boolean {
  return answersClient({
    role: peer.config.role,
    state: peer.state,
    hashBucketAssignment: peer.hashBucketAssignment,
    key: chaddr,
    renewal: false,
  });
}

/**
 * Returns the next BNDUPD for `address`. Others, such as the addresses a primary lends on
 * entering NORMAL, are acknowledged, so the primary's window of unacknowledged BNDUPDs moves on.
 */
async function nextBNDUPDFor(partner: RawPartner, address: string): Promise<FailoverMessage> {
  for (;;) {
    const bndupd = await partner.nextOfType(MessageType.BNDUPD);
    const updated = findOption(bndupd, OptionCode.ASSIGNED_IP_ADDRESS);
    if (updated === address) {
      return bndupd;
    }

    if (updated !== undefined) {
      partner.send(
        MessageType.BNDACK,
        [option(OptionCode.ASSIGNED_IP_ADDRESS, updated)],
        bndupd.xid,
      );
    }
  }
}

function secondsAfterT0(message: FailoverMessage): number {
  return message.time - T0;
}

describe('BL-08 silent partner of a primary', () => {
  it('BL-08: sends CONTACT at t=10 and t=20 while the partner is silent (FO-7.9.2-h, FO-7.11-a)', async () => {
    const { partner, clock } = await primaryInNormal();

    clock.advance(10_000);
    const first = await partner.next();
    clock.advance(10_000);
    const second = await partner.next();

    expectReplyLike(first, CONTACT_POFF12, 'isc', false);
    expectReplyLike(second, CONTACT_POFF12, 'isc', false);
    expect(secondsAfterT0(first)).toBe(10);
    expect(secondsAfterT0(second)).toBe(20);
  });

  it('BL-08: sends DISCONNECT 17 at t=30, closes and enters COMMUNICATIONS-INTERRUPTED at t=30 (FO-7.9.1-h, FO-9.8.4-c)', async () => {
    const { peer, partner, clock, log } = await primaryInNormal();

    clock.advance(30_000);
    const disconnect = await partner.nextOfType(MessageType.DISCONNECT);
    await partner.expectClosed();
    const change = log.withEvent('state.change').at(-1);

    expectReplyLike(disconnect, DISCONNECT_17, 'isc', false);
    expect(secondsAfterT0(disconnect)).toBe(30);
    expect(peer.state).toBe('COMMUNICATIONS-INTERRUPTED');
    expect(change?.['from']).toBe('NORMAL');
    expect(change?.['startTimeOfState']).toBe(T0 + 30);
    expect(log.withEvent('alarm.raised').at(-1)?.['rule']).toBe('FO-9.9.1-b');
  });

  it('BL-08: answers client :01 of the partner bucket at t=40 in COMMUNICATIONS-INTERRUPTED (FO-9.9.2-a)', async () => {
    const { peer, partner, clock } = await primaryInNormal();
    const before = answersDISCOVER(peer, PARTNER_BUCKET_CLIENT);

    clock.advance(30_000);
    await partner.expectClosed();
    clock.advance(10_000);

    expect(before).toBe(false);
    expect(peer.state).toBe('COMMUNICATIONS-INTERRUPTED');
    expect(answersDISCOVER(peer, PARTNER_BUCKET_CLIENT)).toBe(true);
  });

  it('BL-08: returns to NORMAL on reconnection, sends STATE(NORMAL) and the t=40 lease, and serves only its buckets (FO-9.9.3-b, FO-9.8.2-a)', async () => {
    const { peer, partner, clock, listener } = await primaryInNormal();
    clock.advance(30_000);
    await partner.expectClosed();

    // The primary reconnects at once (FO-8.6-a); the partner answers at t=40.
    const again = await listener.accept(secondsOf(clock));
    const connect = await again.nextOfType(MessageType.CONNECT);
    clock.advance(10_000);
    peer.store.putBindings([
      {
        address: '192.0.2.40',
        bindingStatus: 'ACTIVE',
        ipFlags: 0,
        clientHardwareAddress: { htype: 1, chaddr: PARTNER_BUCKET_CLIENT },
        leaseExpirationTime: T0 + 40 + 3600,
        startTimeOfState: T0 + 40,
        clientLastTransactionTime: T0 + 40,
        pendingUpdate: true,
        updateSeq: 1,
      },
    ]);
    again.send(MessageType.CONNECTACK, connectackOptions(), connect.xid);
    const firstAfterConnectack = await again.next();
    again.send(
      MessageType.STATE,
      stateOptions('COMMUNICATIONS-INTERRUPTED', false, nowSeconds(clock) - 40),
      1,
    );
    await waitForState(peer, 'NORMAL');
    const announced = await again.nextOfType(MessageType.STATE);
    const bndupd = await again.nextOfType(MessageType.BNDUPD);

    expect(firstAfterConnectack.type).toBe(MessageType.STATE);
    expect(findOption(announced, OptionCode.SERVER_STATE)).toBe(ServerState.NORMAL);
    expect(findOption(bndupd, OptionCode.ASSIGNED_IP_ADDRESS)).toBe('192.0.2.40');
    expect(answersDISCOVER(peer, OWN_BUCKET_CLIENT)).toBe(true);
    expect(answersDISCOVER(peer, PARTNER_BUCKET_CLIENT)).toBe(false);
    again.close();
  });

  it('BL-08: runs tSend and tReceive again on the new connection after the return to NORMAL (FO-7.9.2-h)', async () => {
    const { peer, partner, clock, listener } = await primaryInNormal();
    clock.advance(30_000);
    await partner.expectClosed();
    const again = await listener.accept(secondsOf(clock));
    const connect = await again.nextOfType(MessageType.CONNECT);
    again.send(MessageType.CONNECTACK, connectackOptions(), connect.xid);
    await again.nextOfType(MessageType.STATE);
    again.send(
      MessageType.STATE,
      stateOptions('COMMUNICATIONS-INTERRUPTED', false, nowSeconds(clock)),
      1,
    );
    await waitForState(peer, 'NORMAL');
    await again.nextOfType(MessageType.STATE);

    clock.advance(10_000);
    const contact = await again.next();
    clock.advance(19_000);
    await settle();
    const openAfter29 = !again.isClosed;
    clock.advance(1_000);
    const disconnect = await again.nextOfType(MessageType.DISCONNECT);

    expect(contact.type).toBe(MessageType.CONTACT);
    expect(openAfter29).toBe(true);
    expect(findOption(disconnect, OptionCode.REJECT_REASON)).toBe(17);
    expect(secondsAfterT0(disconnect)).toBe(60);
  });

  it('BL-08: waits the receive-timer for CONNECTACK, closes, and reconnects after connectRetrySeconds (FO-7.9.2-a, FO-8.2-b)', async () => {
    const { partner, clock, listener } = await primaryWithPartner();

    clock.advance(29_000);
    await settle();
    const openAfter29 = !partner.isClosed;
    clock.advance(1_000);
    await partner.expectClosed();
    clock.advance(5_000);
    const retry = await listener.accept(secondsOf(clock));

    expect(openAfter29).toBe(true);
    expect((await retry.next()).type).toBe(MessageType.CONNECT);
    retry.close();
  });
});

describe('BL-08 silent partner of a secondary', () => {
  it('BL-08: sends CONTACT every third of the primary receive-timer and DISCONNECT 17 at its own (FO-7.9.1-g, FO-7.9.1-h)', async () => {
    const { peer, partner, clock } = await secondaryInNormal({ config: { receiveTimer: 45 } });

    const times: number[] = [];
    for (let step = 0; step < 4; step++) {
      clock.advance(10_000);
      const contact = await partner.next();
      expect(contact.type).toBe(MessageType.CONTACT);
      times.push(secondsAfterT0(contact));
    }
    clock.advance(5_000);
    const disconnect = await partner.nextOfType(MessageType.DISCONNECT);
    await partner.expectClosed();

    expect(times).toEqual([10, 20, 30, 40]);
    expect(secondsAfterT0(disconnect)).toBe(45);
    expect(findOption(disconnect, OptionCode.REJECT_REASON)).toBe(17);
    expect(peer.state).toBe('COMMUNICATIONS-INTERRUPTED');
  });

  it('BL-08: closes a connection that sends no CONNECT within the receive-timer (FO-7.8.2-a)', async () => {
    const { partner, clock } = await secondaryWithPartner();

    clock.advance(29_000);
    await settle();
    const openAfter29 = !partner.isClosed;
    clock.advance(1_000);
    await partner.expectClosed();

    expect(openAfter29).toBe(true);
    expect(partner.received).toEqual([]);
  });
});

describe('BL-08 service after the return to NORMAL', () => {
  /** Starts a primary with a DHCP front end whose partner falls silent: COMM-INT from t=30. */
  async function silentPartnerAt30() {
    const primary = await primaryInNormal({ config: { dhcp: caseDHCPConfig() } });
    primary.clock.advance(30_000);
    await primary.partner.expectClosed();
    return { ...primary, dhcp: await dhcpOf(primary.peer) };
  }

  it('BL-08: offers client :01 an address of the primary FREE pool at t=40 (FO-9.9.2-a)', async () => {
    const { peer, clock, dhcp } = await silentPartnerAt30();
    peer.store.putBindings([
      {
        address: '192.0.2.20',
        bindingStatus: 'BACKUP',
        ipFlags: 0,
        pendingUpdate: false,
        updateSeq: 1,
      },
    ]);

    clock.advance(10_000);
    const offer = await discover(dhcp, PARTNER_BUCKET_CLIENT);

    expect(peer.state).toBe('COMMUNICATIONS-INTERRUPTED');
    expect(offer?.options.messageType).toBe(DHCPMessageType.DHCPOFFER);
    expect(offer?.yiaddr).not.toBe('192.0.2.20');
    expect(peer.store.getBinding(offer?.yiaddr ?? '')?.bindingStatus ?? 'FREE').toBe('FREE');
  });

  it('BL-08: sends the t=40 lease as BNDUPD after the return to NORMAL, then offers to :00 and stays silent to :01 at t=100 (FO-9.9.3-b, FO-9.8.2-a)', async () => {
    const { peer, clock, listener, dhcp } = await silentPartnerAt30();
    // The primary reconnects at once (FO-8.6-a); the partner replies at t=50.
    const again = await listener.accept(secondsOf(clock));
    const connect = await again.nextOfType(MessageType.CONNECT);
    clock.advance(10_000);
    const { ack } = await dhcp.client.obtainLease(PARTNER_BUCKET_CLIENT);
    clock.advance(10_000);

    again.send(MessageType.CONNECTACK, connectackOptions(), connect.xid);
    await again.nextOfType(MessageType.STATE);
    again.send(
      MessageType.STATE,
      stateOptions('COMMUNICATIONS-INTERRUPTED', false, nowSeconds(clock) - 50),
      1,
    );
    await waitForState(peer, 'NORMAL');
    const bndupd = await nextBNDUPDFor(again, ack.yiaddr);
    // The partner keeps the connection alive until t=100, as a real secondary's CONTACTs would.
    for (let step = 0; step < 5; step++) {
      again.send(MessageType.CONTACT, [], 0);
      await settle();
      clock.advance(10_000);
    }
    const ownBucket = await discover(dhcp, OWN_BUCKET_CLIENT);
    const partnerBucket = await discover(dhcp, PARTNER_BUCKET_CLIENT);

    expect(ack.options.messageType).toBe(DHCPMessageType.DHCPACK);
    expect(findOption(bndupd, OptionCode.ASSIGNED_IP_ADDRESS)).toBe(ack.yiaddr);
    expect(secondsAfterT0(bndupd)).toBe(50);
    expect(nowSeconds(clock)).toBe(T0 + 100);
    expect(peer.state).toBe('NORMAL');
    expect(ownBucket?.options.messageType).toBe(DHCPMessageType.DHCPOFFER);
    expect(partnerBucket).toBeUndefined();
    again.close();
  });
});
