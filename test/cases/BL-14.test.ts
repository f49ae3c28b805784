// BL-14: two clients, one address. The primary rejects the secondary's update with reason 2 and
// the secondary accepts the primary's; every conflict stays with its address and never ends the
// connection or the NORMAL state.

import { describe, expect, it } from 'vitest';
import { findOption, option } from '../../src/peer/options.js';
import { nowSeconds } from '../../src/peer/timers.js';
import {
  BindingStatus,
  IP_FLAG_RESERVED,
  MessageType,
  OptionCode,
  RejectReason,
} from '../../src/wire/codes.js';
import type { FailoverMessage, FailoverOption } from '../../src/wire/types.js';
import type { RawPartner } from '../peer/raw-partner.js';
import type { ManualClock } from '../../src/peer/timers.js';
import {
  activeBinding,
  caseMac,
  expectReplyLike,
  hexBytes,
  messageBytes,
  primaryInNormal,
  secondaryInNormal,
  T0,
} from './case-support.js';

const BNDUPD_501 =
  '00 3c 03 0c 65 53 f1 00 00 00 05 01 00 02 00 04 c0 00 02 32 00 03 00 01 02 00 05 00 07 01 00 00 5e 00 53 32 00 0d 00 04 65 53 f3 58 00 12 00 04 65 53 f8 08 00 06 00 04 65 53 f1 00';
const BNDACK_501_REJECT_2 =
  '00 3c 04 0c 65 53 f1 00 00 00 05 01 00 02 00 04 c0 00 02 32 00 15 00 01 02 00 10 00 1f 61 64 64 72 65 73 73 20 62 6f 75 6e 64 20 74 6f 20 61 6e 6f 74 68 65 72 20 63 6c 69 65 6e 74';

/** .50 ACTIVE for client :33 since T0-60, until T0+1800, as the primary stores it. */
const HELD_FOR_33 = activeBinding('192.0.2.50', 0x33, T0 - 60, T0 + 1800);

/** Builds an ACTIVE transaction of `address` for client `clientByte`, as BNDUPD#1 carries it. */
function activeTransaction(address: string, clientByte: number): FailoverOption[] {
  return [
    option(OptionCode.ASSIGNED_IP_ADDRESS, address),
    option(OptionCode.BINDING_STATUS, BindingStatus.ACTIVE),
    option(OptionCode.CLIENT_HARDWARE_ADDRESS, { htype: 1, chaddr: caseMac(clientByte) }),
    option(OptionCode.LEASE_EXPIRATION_TIME, T0 + 600),
    option(OptionCode.POTENTIAL_EXPIRATION_TIME, T0 + 1800),
    option(OptionCode.CLIENT_LAST_TRANSACTION_TIME, T0),
  ];
}

/**
 * Returns the messages the peer sends before its next CONTACT, which tSend makes it send 10 s
 * after its last message: nothing it sends before then can be missed.
 */
async function messagesUntilCONTACT(
  partner: RawPartner,
  clock: ManualClock,
): Promise<FailoverMessage[]> {
  clock.advance(10_000);
  const messages: FailoverMessage[] = [];
  for (;;) {
    const message = await partner.next();
    if (message.type === MessageType.CONTACT) {
      return messages;
    }

    messages.push(message);
  }
}

/** update.rejected lines of our own rejections, in order. */
function ourRejections(lines: Record<string, unknown>[]): Record<string, unknown>[] {
  return lines.filter((line) => line['by'] === 'us');
}

describe('BL-14 primary receives an update for an address it leased to another client', () => {
  it('BL-14: rejects .50 for :32 with reject-reason 2 and keeps it with :33 (FO-7.1.2-a, FO-6.3-d)', async () => {
    const { peer, partner } = await primaryInNormal({ seed: { bindings: [HELD_FOR_33] } });

    partner.sendBytes(hexBytes(BNDUPD_501));
    const bndack = await partner.nextOfType(MessageType.BNDACK);
    const held = peer.store.getBinding('192.0.2.50');

    expectReplyLike(bndack, BNDACK_501_REJECT_2);
    expect(held?.clientHardwareAddress?.chaddr).toEqual(caseMac(0x33));
    expect(held?.leaseExpirationTime).toBe(T0 + 1800);
  });

  it('BL-14: logs the rejection and sends no BNDUPD of its own for .50 afterwards (FO-7.2.1-d, FO-7.2.2-b)', async () => {
    const { peer, partner, clock, log } = await primaryInNormal({
      seed: { bindings: [HELD_FOR_33] },
    });

    partner.sendBytes(hexBytes(BNDUPD_501));
    await partner.nextOfType(MessageType.BNDACK);
    const sent = await messagesUntilCONTACT(partner, clock);
    const rejection = ourRejections(log.withEvent('update.rejected'))[0];

    expect(sent.filter((message) => message.type === MessageType.BNDUPD)).toEqual([]);
    expect(rejection?.['address']).toBe('192.0.2.50');
    expect(rejection?.['rejectReason']).toBe(RejectReason.FATAL_CONFLICT);
    expect(peer.store.getBinding('192.0.2.50')?.pendingUpdate).toBe(false);
  });

  it('BL-14: rejects ten conflicts within a minute one by one, staying NORMAL and connected (FO-7.1.3-f)', async () => {
    const addresses = Array.from({ length: 10 }, (_, index) => `192.0.2.${51 + index}`);
    const { peer, partner, log } = await primaryInNormal({
      seed: {
        bindings: addresses.map((address, index) =>
          activeBinding(address, 0x40 + index, T0 - 60, T0 + 1800),
        ),
      },
    });

    addresses.forEach((address, index) => {
      partner.sendBytes(
        messageBytes(
          MessageType.BNDUPD,
          0x510 + index,
          T0,
          activeTransaction(address, 0x60 + index),
        ),
      );
    });
    const reasons: (number | undefined)[] = [];
    while (reasons.length < addresses.length) {
      const bndack = await partner.nextOfType(MessageType.BNDACK);
      reasons.push(findOption(bndack, OptionCode.REJECT_REASON));
    }

    const logged = ourRejections(log.withEvent('update.rejected'));

    expect(reasons).toEqual(new Array(10).fill(RejectReason.FATAL_CONFLICT));
    expect(logged.map((line) => line['occurrence'])).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(peer.state).toBe('NORMAL');
    expect(partner.isClosed).toBe(false);
  });

  it('BL-14: rejects only the conflicting transaction of a batched BNDUPD (FO-6.3-c, FO-7.2.1-c)', async () => {
    const { peer, partner } = await primaryInNormal({ seed: { bindings: [HELD_FOR_33] } });

    partner.sendBytes(
      messageBytes(MessageType.BNDUPD, 0x520, T0, [
        ...activeTransaction('192.0.2.50', 0x32),
        ...activeTransaction('192.0.2.70', 0x70),
      ]),
    );
    const bndack = await partner.nextOfType(MessageType.BNDACK);

    expect(bndack.options.map((item) => item.code)).toEqual([
      OptionCode.ASSIGNED_IP_ADDRESS,
      OptionCode.REJECT_REASON,
      OptionCode.MESSAGE,
      OptionCode.ASSIGNED_IP_ADDRESS,
    ]);
    expect(peer.store.getBinding('192.0.2.70')?.bindingStatus).toBe('ACTIVE');
    expect(peer.store.getBinding('192.0.2.50')?.clientHardwareAddress?.chaddr).toEqual(
      caseMac(0x33),
    );
  });

  it.each([
    ['1 for an address outside every pool', RejectReason.ILLEGAL_IP_ADDRESS, '192.0.2.200', []],
    [
      '3 for an ACTIVE update without client-hardware-address',
      RejectReason.MISSING_BINDING_INFORMATION,
      '192.0.2.71',
      [OptionCode.CLIENT_HARDWARE_ADDRESS],
    ],
  ] as const)(
    'BL-14: rejects with reason %s and stays connected (FO-7.1.3-f)',
    async (_, reason, address, without) => {
      const { peer, partner } = await primaryInNormal();

      partner.sendBytes(
        messageBytes(
          MessageType.BNDUPD,
          0x530,
          T0,
          activeTransaction(address, 0x71).filter(
            (item) => !(without as readonly number[]).includes(item.code),
          ),
        ),
      );
      const bndack = await partner.nextOfType(MessageType.BNDACK);

      expect(findOption(bndack, OptionCode.REJECT_REASON)).toBe(reason);
      expect(typeof findOption(bndack, OptionCode.MESSAGE)).toBe('string');
      expect(partner.isClosed).toBe(false);
      expect(peer.state).toBe('NORMAL');
    },
  );

  it('BL-14: rejects a reserved BACKUP it holds no reservation for with reason 19 and stays connected (FO-7.1.3-e)', async () => {
    const { peer, partner } = await secondaryInNormal();

    partner.sendBytes(
      messageBytes(MessageType.BNDUPD, 0x540, T0, [
        option(OptionCode.ASSIGNED_IP_ADDRESS, '192.0.2.91'),
        option(OptionCode.BINDING_STATUS, BindingStatus.BACKUP),
        option(OptionCode.IP_FLAGS, IP_FLAG_RESERVED),
      ]),
    );
    const bndack = await partner.nextOfType(MessageType.BNDACK);

    expect(findOption(bndack, OptionCode.REJECT_REASON)).toBe(RejectReason.IP_NOT_RESERVED);
    expect(findOption(bndack, OptionCode.MESSAGE)).toBe('not reserved here');
    expect(peer.store.getBinding('192.0.2.91')).toBeUndefined();
    expect(partner.isClosed).toBe(false);
  });
});

describe('BL-14 secondary receives the primary view', () => {
  it('BL-14: accepts .50 ACTIVE for :33 over its own :32 binding and stores it (FO-7.1.2-a)', async () => {
    const { peer, partner } = await secondaryInNormal({
      seed: { bindings: [activeBinding('192.0.2.50', 0x32, T0 - 60, T0 + 600)] },
    });

    partner.sendBytes(
      messageBytes(MessageType.BNDUPD, 0x502, T0, activeTransaction('192.0.2.50', 0x33)),
    );
    const bndack = await partner.nextOfType(MessageType.BNDACK);
    const stored = peer.store.getBinding('192.0.2.50');

    expect(bndack.xid).toBe(0x502);
    expect(findOption(bndack, OptionCode.REJECT_REASON)).toBeUndefined();
    expect(stored?.bindingStatus).toBe('ACTIVE');
    expect(stored?.clientHardwareAddress?.chaddr).toEqual(caseMac(0x33));
  });
});

describe('BL-14 partner rejects an update of ours', () => {
  it('BL-14: logs a reason-2 BNDACK, stays NORMAL and connected, and resends only on UPDREQ (FO-7.2.2-b)', async () => {
    const pending = { ...HELD_FOR_33, pendingUpdate: true };
    const primary = await primaryInNormal({ seed: { bindings: [pending] } });
    const { peer, partner, clock, log } = primary;
    const bndupd = await partner.nextOfType(MessageType.BNDUPD);

    partner.send(
      MessageType.BNDACK,
      [
        option(OptionCode.ASSIGNED_IP_ADDRESS, '192.0.2.50'),
        option(OptionCode.REJECT_REASON, RejectReason.FATAL_CONFLICT),
        option(OptionCode.MESSAGE, 'address bound to another client'),
      ],
      bndupd.xid,
    );
    const sentBeforeCONTACT = await messagesUntilCONTACT(partner, clock);
    partner.send(MessageType.UPDREQ, [], 0x600, nowSeconds(clock));
    const resent = await partner.nextOfType(MessageType.BNDUPD);
    const byPartner = log.withEvent('update.rejected').filter((line) => line['by'] === 'partner');

    expect(sentBeforeCONTACT.some((message) => message.type === MessageType.BNDUPD)).toBe(false);
    expect(byPartner[0]?.['rejectReason']).toBe(RejectReason.FATAL_CONFLICT);
    expect(findOption(resent, OptionCode.ASSIGNED_IP_ADDRESS)).toBe('192.0.2.50');
    expect(peer.state).toBe('NORMAL');
    expect(partner.isClosed).toBe(false);
  });
});
