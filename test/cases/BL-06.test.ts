// BL-06: clock skew above 60 s. In draft/ISC mode the secondary rejects the CONNECT with reason 4
// and the primary drops a skewed CONNECTACK; an accepted skew corrects every later partner time.
// In Windows mode every message is checked, and one too far off closes the connection unanswered.

import { describe, expect, it } from 'vitest';
import { findOption, option } from '../../src/peer/options.js';
import { nowSeconds } from '../../src/peer/timers.js';
import { BindingStatus, IP_FLAG_BOOTP, MessageType, OptionCode } from '../../src/wire/codes.js';
import type { FailoverOption } from '../../src/wire/types.js';
import { RawPartner } from '../peer/raw-partner.js';
import { connectackOptions, secondsOf, waitForState } from '../peer/peer-fixtures.js';
import {
  caseConnectOptions,
  caseMac,
  expectReplyLike,
  hexBytes,
  messageBytes,
  primaryWithPartner,
  secondaryInNormal,
  secondaryWithPartner,
  settle,
  T0,
} from './case-support.js';
import { windowsSecondaryInNormal } from './windows-support.js';

const MS_CONTACT_T0_PLUS_61 = '00 0c 0b 08 65 53 f1 3d 00 00 00 40';
const MS_CONTACT_T0_PLUS_59 = '00 0c 0b 08 65 53 f1 3b 00 00 00 41';
/** tReceive of the Windows-mode secondary, seconds. */
const WINDOWS_RECEIVE_TIMER = 180;
const CONNECT_T0_PLUS_61 =
  '00 65 05 0c 65 53 f1 3d 00 00 00 10 00 16 00 07 66 6f 2d 74 65 73 74 00 0e 00 04 00 00 00 0a 00 13 00 04 00 00 00 1e 00 1c 00 04 74 65 73 74 00 14 00 01 01 00 1b 00 01 00 00 0f 00 04 00 00 0e 10 00 0b 00 20 ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00';
const CONNECT_T0_PLUS_59 =
  '00 65 05 0c 65 53 f1 3b 00 00 00 10 00 16 00 07 66 6f 2d 74 65 73 74 00 0e 00 04 00 00 00 0a 00 13 00 04 00 00 00 1e 00 1c 00 04 74 65 73 74 00 14 00 01 01 00 1b 00 01 00 00 0f 00 04 00 00 0e 10 00 0b 00 20 ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00';
const CONNECTACK_REJECT_4 =
  '00 3f 06 0c 65 53 f1 00 00 00 00 10 00 16 00 07 66 6f 2d 74 65 73 74 00 14 00 01 01 00 1a 00 01 00 00 15 00 01 04 00 10 00 15 74 69 6d 65 20 6f 66 66 73 65 74 20 74 6f 6f 20 6c 61 72 67 65';

/** Encodes a BNDUPD with the given options, stamped `time`. */
function bndupdBytes(xid: number, time: number, options: FailoverOption[]): Uint8Array {
  return messageBytes(MessageType.BNDUPD, xid, time, options);
}

/** Builds an ACTIVE update of .31 for client :31 with every time option, on the partner's clock. */
function activeUpdate(partnerNow: number, leaseExpiration = partnerNow + 3600): FailoverOption[] {
  return [
    option(OptionCode.ASSIGNED_IP_ADDRESS, '192.0.2.31'),
    option(OptionCode.BINDING_STATUS, BindingStatus.ACTIVE),
    option(OptionCode.CLIENT_HARDWARE_ADDRESS, { htype: 1, chaddr: caseMac(0x31) }),
    option(OptionCode.LEASE_EXPIRATION_TIME, leaseExpiration),
    option(OptionCode.POTENTIAL_EXPIRATION_TIME, partnerNow + 5400),
    option(OptionCode.START_TIME_OF_STATE, partnerNow - 100),
    option(OptionCode.CLIENT_LAST_TRANSACTION_TIME, partnerNow - 10),
  ];
}

describe('BL-06 CONNECT time checked by an ISC-mode secondary', () => {
  it('BL-06: refuses a CONNECT 61 s ahead with reject-reason 4 (FO-7.8.2-g)', async () => {
    const { peer, partner, log } = await secondaryWithPartner();

    partner.sendBytes(hexBytes(CONNECT_T0_PLUS_61));
    const connectack = await partner.next();
    await partner.expectClosed();

    expectReplyLike(connectack, CONNECTACK_REJECT_4);
    expect(peer.state).toBe('STARTUP');
    expect(log.withEvent('connection.up')).toEqual([]);
  });

  it('BL-06: accepts a CONNECT 59 s ahead on a new connection after rejecting one 61 s ahead (FO-7.8.2-g)', async () => {
    const { peer, partner, clock } = await secondaryWithPartner();
    partner.sendBytes(hexBytes(CONNECT_T0_PLUS_61));
    await partner.expectClosed();

    const next = await RawPartner.connect(peer.listeningPort ?? 0, secondsOf(clock));
    next.sendBytes(hexBytes(CONNECT_T0_PLUS_59));
    const connectack = await next.next();

    expect(connectack.type).toBe(MessageType.CONNECTACK);
    expect(connectack.xid).toBe(0x10);
    expect(findOption(connectack, OptionCode.REJECT_REASON)).toBeUndefined();
    next.close();
  });

  it('BL-06: stores every time of a BNDUPD 59 s earlier after a CONNECT 59 s ahead (FO-7.8.2-g, FO-6.2-b)', async () => {
    const { peer, partner } = await secondaryWithPartner();
    const partnerNow = T0 + 59;

    partner.sendBytes(hexBytes(CONNECT_T0_PLUS_59));
    await partner.nextOfType(MessageType.CONNECTACK);
    partner.sendBytes(bndupdBytes(0x11, partnerNow, activeUpdate(partnerNow)));
    await partner.nextOfType(MessageType.BNDACK);
    const stored = peer.store.getBinding('192.0.2.31');

    expect(stored?.leaseExpirationTime).toBe(T0 + 3600);
    expect(stored?.receivedPet).toBe(T0 + 5400);
    expect(stored?.startTimeOfState).toBe(T0 - 100);
    expect(stored?.clientLastTransactionTime).toBe(T0 - 10);
  });

  it('BL-06: keeps an infinite lease-expiration-time infinite when it corrects a 59 s skew (FO-7.8.2-g)', async () => {
    const { peer, partner } = await secondaryWithPartner();
    const partnerNow = T0 + 59;
    const bootp = activeUpdate(partnerNow, 0xffffffff).map((item) =>
      item.code === OptionCode.POTENTIAL_EXPIRATION_TIME
        ? option(OptionCode.POTENTIAL_EXPIRATION_TIME, 0xffffffff)
        : item,
    );

    partner.sendBytes(hexBytes(CONNECT_T0_PLUS_59));
    await partner.nextOfType(MessageType.CONNECTACK);
    partner.sendBytes(
      bndupdBytes(0x12, partnerNow, [...bootp, option(OptionCode.IP_FLAGS, IP_FLAG_BOOTP)]),
    );
    await partner.nextOfType(MessageType.BNDACK);
    const stored = peer.store.getBinding('192.0.2.31');

    expect(stored?.leaseExpirationTime).toBe(0xffffffff);
    expect(stored?.receivedPet).toBe(0xffffffff);
    expect(stored?.ipFlags).toBe(IP_FLAG_BOOTP);
  });

  it.each([60, -60])(
    'BL-06: accepts a CONNECT whose clock is exactly %i s off (FO-7.8.2-g)',
    async (skew) => {
      const { partner } = await secondaryWithPartner();

      partner.send(MessageType.CONNECT, caseConnectOptions(), 0x10, T0 + skew);
      const connectack = await partner.next();

      expect(findOption(connectack, OptionCode.REJECT_REASON)).toBeUndefined();
    },
  );

  it.each([61, -61, 3600, -3600])(
    'BL-06: rejects a CONNECT whose clock is %i s off with reject-reason 4 (FO-7.8.2-g)',
    async (skew) => {
      const { partner } = await secondaryWithPartner();

      partner.send(MessageType.CONNECT, caseConnectOptions(), 0x10, T0 + skew);
      const connectack = await partner.next();
      await partner.expectClosed();

      expect(findOption(connectack, OptionCode.REJECT_REASON)).toBe(4);
    },
  );

  it('BL-06: keeps an established ISC-mode connection open for a CONTACT and a BNDUPD 61 s ahead (FO-7.8.2-g)', async () => {
    const { peer, partner } = await secondaryInNormal();
    const partnerNow = T0 + 61;

    partner.send(MessageType.CONTACT, [], 0x20, partnerNow);
    partner.sendBytes(bndupdBytes(0x21, partnerNow, activeUpdate(partnerNow)));
    const bndack = await partner.nextOfType(MessageType.BNDACK);

    expect(findOption(bndack, OptionCode.REJECT_REASON)).toBeUndefined();
    expect(partner.isClosed).toBe(false);
    expect(peer.state).toBe('NORMAL');
  });
});

describe('BL-06 clock check on every message of a Windows-mode connection', () => {
  it('BL-06: closes a Windows-mode connection without a reply on a CONTACT 61 s ahead (MSF-3.1.5-b, MSF-3.1.5-c, AMB-24)', async () => {
    const { peer, partner, log } = await windowsSecondaryInNormal({ secret: undefined });
    const sentBefore = partner.received.length;

    partner.socket.write(hexBytes(MS_CONTACT_T0_PLUS_61));
    await partner.expectClosed();

    expect(partner.received.slice(sentBefore)).toEqual([]);
    expect(log.withEvent('message.rejected').at(-1)?.['code']).toBe('FO_ERR_CLOCK_SKEW');
    expect(peer.state).toBe('COMMUNICATIONS-INTERRUPTED');
    expect(log.withEvent('state.change').at(-1)?.['trigger']).toBe('COMMUNICATIONS_FAILED');
  });

  it('BL-06: restarts tReceive and does nothing else on a Windows-mode CONTACT 59 s ahead (MSF-3.1.5-c, MSF-3.1.2.4-a)', async () => {
    const { peer, partner, clock, log } = await windowsSecondaryInNormal({
      secret: undefined,
      config: { receiveTimer: WINDOWS_RECEIVE_TIMER },
    });
    const sentBefore = partner.received.length;
    clock.advance((WINDOWS_RECEIVE_TIMER - 10) * 1000);
    // The vector's time is fixed at T0+59 and the clock has moved on, so this CONTACT is built
    // with the same 59 s lead on the current time.
    partner.send(MessageType.CONTACT, [], 0x41, { time: nowSeconds(clock) + 59 });
    await settle();
    clock.advance(20 * 1000);
    await settle();

    expect(log.withEvent('message.rejected')).toEqual([]);
    expect(partner.isClosed).toBe(false);
    expect(peer.state).toBe('NORMAL');
    expect(partner.received.slice(sentBefore).map((frame) => frame.message.type)).not.toContain(
      MessageType.DISCONNECT,
    );
  });

  it('BL-06: keeps a Windows-mode connection open on the CONTACT 59 s ahead as given (MSF-3.1.5-c)', async () => {
    const { peer, partner, log } = await windowsSecondaryInNormal({ secret: undefined });
    const sentBefore = partner.received.length;

    partner.socket.write(hexBytes(MS_CONTACT_T0_PLUS_59));
    await settle();

    expect(log.withEvent('message.received').filter((line) => line['xid'] === 0x41)).toHaveLength(
      1,
    );
    expect(log.withEvent('message.rejected')).toEqual([]);
    expect(partner.received.slice(sentBefore)).toEqual([]);
    expect(partner.isClosed).toBe(false);
    expect(peer.state).toBe('NORMAL');
  });
});

describe('BL-06 CONNECTACK time checked by an ISC-mode primary', () => {
  it('BL-06: sends DISCONNECT 4 for a CONNECTACK 61 s ahead and waits a minute to reconnect (FO-7.9.2-f, FO-7.9-a)', async () => {
    const { partner, connect, clock, listener } = await primaryWithPartner();

    partner.send(MessageType.CONNECTACK, connectackOptions(), connect.xid, T0 + 61);
    const disconnect = await partner.nextOfType(MessageType.DISCONNECT);
    await partner.expectClosed();
    clock.advance(59_000);
    await settle();
    const waitingBefore = listener.waitingConnections;
    clock.advance(1_000);
    const retry = await listener.accept(secondsOf(clock));

    expect(findOption(disconnect, OptionCode.REJECT_REASON)).toBe(4);
    expect(waitingBefore).toBe(0);
    expect((await retry.nextOfType(MessageType.CONNECT)).type).toBe(MessageType.CONNECT);
    retry.close();
  });

  it('BL-06: accepts a CONNECTACK exactly 60 s ahead and reaches NORMAL (FO-7.9.2-f)', async () => {
    const { peer, partner, connect, clock } = await primaryWithPartner({
      seed: { record: { state: 'NORMAL' } },
    });

    partner.send(MessageType.CONNECTACK, connectackOptions(), connect.xid, T0 + 60);
    await partner.nextOfType(MessageType.STATE);
    partner.send(
      MessageType.STATE,
      [
        option(OptionCode.SERVER_STATE, 2),
        option(OptionCode.SERVER_FLAGS, 0),
        option(OptionCode.START_TIME_OF_STATE, nowSeconds(clock) + 60),
      ],
      1,
      T0 + 60,
    );
    await waitForState(peer, 'NORMAL');

    expect(partner.isClosed).toBe(false);
  });
});
