// BL-22: reservations out of step between partners. The draft rejects a reserved BACKUP that the
// receiver does not reserve with reason 19. Windows rejects FREE or BACKUP for a reservation of
// its own with reason 15.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { POOL_CHECK_INTERVAL_MS } from '../../src/endpoint/pool-balance.js';
import { findOption, option } from '../../src/peer/options.js';
import { bindingAckOptions } from '../../src/wire/binding-ack.js';
import { bindingUpdatesOf } from '../../src/wire/binding-update.js';
import {
  BindingStatus,
  IP_FLAG_RESERVED,
  MessageType,
  OptionCode,
  RejectReason,
} from '../../src/wire/codes.js';
import { decodeMessage } from '../../src/wire/message.js';
import type { BindingUpdate } from '../../src/wire/types.js';
import type { RawPartner } from '../peer/raw-partner.js';
import {
  secondsOf,
  startTestPeer,
  stateOptions,
  temporaryDirectory,
  waitForState,
  type StartedPeer,
} from '../peer/peer-fixtures.js';
import { microsoftConfig } from '../microsoft/microsoft-fixtures.js';
import {
  WindowsListener,
  windowsCONNECTACKOptions,
  type WindowsPartner,
} from '../microsoft/windows-partner.js';
import { windowsSecondaryInNormal } from './windows-support.js';
import {
  caseDHCPConfig,
  caseMac,
  clockAt,
  dhcpOf,
  discover,
  expectReplyLike,
  hexBytes,
  NORMAL_BEFORE_T0,
  primaryInNormal,
  secondaryInNormal,
  seedStore,
  settle,
  T0,
} from './case-support.js';

const DRAFT_BNDUPD_BACKUP_RESERVED_91 =
  '00 1f 03 0c 65 53 f1 00 00 00 07 31 00 02 00 04 c0 00 02 5b 00 03 00 01 07 00 0c 00 02 00 01';
const MS_FREE_FOR_RESERVED_90 =
  '00 26 03 08 65 53 f1 00 00 00 07 30 00 02 00 04 c0 00 02 5a 00 03 00 01 01 00 0c 00 01 00 00 21 00 04 ff ff ff 00';
const BNDACK_730_REJECT_15 =
  '00 19 04 08 65 53 f1 00 00 00 07 30 00 02 00 04 c0 00 02 5a 00 15 00 01 0f';
const REBALANCING_SECONDS = 300;
/** The addresses of part c: .90 reserved for :5a, .91 dynamic, .92 reserved for :5c. */
const RESERVED_RANGE = { start: '192.0.2.90', end: '192.0.2.92' };
const RESERVED_CLIENT_92 = caseMac(0x5c);
const CASE_RESERVATIONS = [
  { address: '192.0.2.90', hardwareAddress: '00:00:5e:00:53:5a' },
  { address: '192.0.2.92', hardwareAddress: '00:00:5e:00:53:5c' },
];

/** Options of a BNDUPD that gives `address` to the secondary as BACKUP with R=1 (FO-5.13-a). */
function reservedBACKUP(address: string) {
  return [
    option(OptionCode.ASSIGNED_IP_ADDRESS, address),
    option(OptionCode.BINDING_STATUS, BindingStatus.BACKUP),
    option(OptionCode.IP_FLAGS, IP_FLAG_RESERVED),
    option(OptionCode.START_TIME_OF_STATE, T0 - 60),
  ];
}
const LENT_ADDRESS = '192.0.2.110';
const BNDACK_731_REJECT_19 =
  '00 2e 04 0c 65 53 f1 00 00 00 07 31 00 02 00 04 c0 00 02 5b 00 15 00 01 13 00 10 00 11 6e 6f 74 20 72 65 73 65 72 76 65 64 20 68 65 72 65';

describe('BL-22 reservations on an ISC relationship', () => {
  it('BL-22: rejects BACKUP with R=1 for .91, which it does not reserve, with reason 19 and stores nothing (FO-7.1.3-e)', async () => {
    const { peer, partner } = await secondaryInNormal();

    partner.sendBytes(hexBytes(DRAFT_BNDUPD_BACKUP_RESERVED_91));
    const bndack = await partner.nextOfType(MessageType.BNDACK);

    expectReplyLike(bndack, BNDACK_731_REJECT_19);
    expect(peer.store.getBinding('192.0.2.91')).toBeUndefined();
    expect(partner.isClosed).toBe(false);
  });

  it('BL-22: accepts BACKUP with R=1 for .92, reserved on both servers, and gives it only to its client (FO-5.13-a, FO-7.1.3-e)', async () => {
    const { peer, partner } = await secondaryInNormal({
      config: {
        pools: [RESERVED_RANGE],
        reservations: CASE_RESERVATIONS,
        dhcp: caseDHCPConfig(),
      },
    });
    const dhcp = await dhcpOf(peer);

    partner.send(MessageType.BNDUPD, reservedBACKUP('192.0.2.92'), 0x732);
    const bndack = await partner.nextOfType(MessageType.BNDACK);
    partner.close();
    await waitForState(peer, 'COMMUNICATIONS-INTERRUPTED');
    const stranger = await discover(dhcp, caseMac(0x01));
    const reservedClient = await discover(dhcp, RESERVED_CLIENT_92);

    expect(findOption(bndack, OptionCode.REJECT_REASON)).toBeUndefined();
    expect(peer.store.getBinding('192.0.2.92')?.bindingStatus).toBe('BACKUP');
    expect(peer.store.getBinding('192.0.2.92')?.ipFlags).toBe(IP_FLAG_RESERVED);
    expect(stranger).toBeUndefined();
    expect(reservedClient?.yiaddr).toBe('192.0.2.92');
  });

  it('BL-22: keeps the reserved .92 FREE on the primary and offers it only to its client (FO-5.13-a)', async () => {
    const { peer, partner } = await primaryInNormal({
      config: { pools: [RESERVED_RANGE], reservations: CASE_RESERVATIONS, dhcp: caseDHCPConfig() },
    });
    partner.close();
    await waitForState(peer, 'COMMUNICATIONS-INTERRUPTED');
    const dhcp = await dhcpOf(peer);

    const first = await dhcp.client.obtainLease(caseMac(0x01));
    const second = await discover(dhcp, caseMac(0x02));
    const reservedClient = await discover(dhcp, RESERVED_CLIENT_92);

    // .90 is reserved for :5a and .92 for :5c, so a stranger gets .91 and the next one nothing.
    expect(first.ack.yiaddr).toBe('192.0.2.91');
    expect(second).toBeUndefined();
    expect(reservedClient?.yiaddr).toBe('192.0.2.92');
    expect(peer.store.getBinding('192.0.2.92')?.bindingStatus).toBe('FREE');
  });

  it('BL-22: sends the reserved .92 to the secondary as BACKUP with R=1 and keeps it FREE (FO-5.13-a)', async () => {
    const { peer, partner } = await primaryInNormal({
      config: { pools: [RESERVED_RANGE], reservations: CASE_RESERVATIONS, dhcp: caseDHCPConfig() },
    });

    const sent = new Map<string, { bindingStatus: number; ipFlags: number | undefined }>();
    while (!sent.has('192.0.2.92')) {
      const bndupd = await partner.nextOfType(MessageType.BNDUPD);
      for (const update of bindingUpdatesOf(bndupd).updates) {
        sent.set(update.address, { bindingStatus: update.bindingStatus, ipFlags: update.ipFlags });
      }
    }

    expect(sent.get('192.0.2.92')?.bindingStatus).toBe(BindingStatus.BACKUP);
    expect(sent.get('192.0.2.92')?.ipFlags).toBe(IP_FLAG_RESERVED);
    expect(sent.has('192.0.2.91')).toBe(false);
    expect(peer.store.getBinding('192.0.2.92')?.bindingStatus).toBe('FREE');
    expect(peer.store.getBinding('192.0.2.92')?.ipFlags).toBe(IP_FLAG_RESERVED);
  });

  it('BL-22: sends .92 again as BACKUP with R=1 after its client released the lease the secondary gave (FO-5.13-a)', async () => {
    const { peer, partner, clock } = await primaryInNormal({ config: reservingPrimaryConfig() });
    await acknowledgeUntilUpdateOf(partner, '192.0.2.92');

    partner.send(MessageType.BNDUPD, reservedLease(BindingStatus.ACTIVE, T0 - 30), 0x740);
    await partner.nextOfType(MessageType.BNDACK);
    partner.send(MessageType.BNDUPD, reservedLease(BindingStatus.RELEASED, T0 - 10), 0x741);
    await partner.nextOfType(MessageType.BNDACK);
    const afterRelease = peer.store.getBinding('192.0.2.92');
    clock.advance(POOL_CHECK_INTERVAL_MS);
    const again = await acknowledgeUntilUpdateOf(partner, '192.0.2.92');

    expect(afterRelease?.bindingStatus).toBe('FREE');
    expect(again.bindingStatus).toBe(BindingStatus.BACKUP);
    expect(again.ipFlags).toBe(IP_FLAG_RESERVED);
  });

  it('BL-22: takes back .92 that a resync stored as BACKUP and offers it to its client alone (FO-5.13-a)', async () => {
    const { peer, partner, clock } = await primaryInNormal({ config: reservingPrimaryConfig() });
    await acknowledgeUntilUpdateOf(partner, '192.0.2.92');

    // The secondary's reply to an UPDREQALL carries .92 as it stores it: BACKUP with R=1.
    partner.send(MessageType.BNDUPD, reservedBACKUP('192.0.2.92'), 0x742);
    await partner.nextOfType(MessageType.BNDACK);
    const afterResync = peer.store.getBinding('192.0.2.92');
    clock.advance(POOL_CHECK_INTERVAL_MS);
    const takenBack = await acknowledgeUntilUpdateOf(partner, '192.0.2.92');
    partner.close();
    await waitForState(peer, 'COMMUNICATIONS-INTERRUPTED');
    const dhcp = await dhcpOf(peer);
    const stranger = await discover(dhcp, caseMac(0x02));
    const reservedClient = await discover(dhcp, RESERVED_CLIENT_92);

    expect(afterResync?.bindingStatus).toBe('BACKUP');
    expect(takenBack.bindingStatus).toBe(BindingStatus.BACKUP);
    expect(peer.store.getBinding('192.0.2.92')?.bindingStatus).toBe('FREE');
    expect(stranger?.yiaddr).not.toBe('192.0.2.92');
    expect(reservedClient?.yiaddr).toBe('192.0.2.92');
  });
});

/**
 * Returns the config of a primary with the case's reservations and front end. Its receive timer
 * of a day does not expire while a test advances the clock.
 */
function reservingPrimaryConfig(): Record<string, unknown> {
  return {
    pools: [RESERVED_RANGE],
    reservations: CASE_RESERVATIONS,
    dhcp: caseDHCPConfig(),
    receiveTimer: 86_400,
  };
}

/** Options of a BNDUPD from the secondary about .92 and its reserved client :5c, with R=1. */
function reservedLease(bindingStatus: number, clientLastTransactionTime: number) {
  return [
    option(OptionCode.ASSIGNED_IP_ADDRESS, '192.0.2.92'),
    option(OptionCode.BINDING_STATUS, bindingStatus),
    option(OptionCode.CLIENT_HARDWARE_ADDRESS, { htype: 1, chaddr: RESERVED_CLIENT_92 }),
    option(OptionCode.IP_FLAGS, IP_FLAG_RESERVED),
    ...(bindingStatus === BindingStatus.ACTIVE
      ? [
          option(OptionCode.LEASE_EXPIRATION_TIME, T0 + 600),
          option(OptionCode.POTENTIAL_EXPIRATION_TIME, T0 + 1800),
        ]
      : []),
    option(OptionCode.START_TIME_OF_STATE, clientLastTransactionTime),
    option(OptionCode.CLIENT_LAST_TRANSACTION_TIME, clientLastTransactionTime),
  ];
}

/**
 * Reads the primary's BNDUPDs and acknowledges each until one updates `address`, and returns that
 * update. The others are the addresses the primary lends on entering NORMAL.
 */
async function acknowledgeUntilUpdateOf(
  partner: RawPartner,
  address: string,
): Promise<BindingUpdate> {
  for (;;) {
    const bndupd = await partner.nextOfType(MessageType.BNDUPD);
    const { updates } = bindingUpdatesOf(bndupd);
    const acks = updates.map((update) => ({ address: update.address }));
    partner.send(MessageType.BNDACK, bindingAckOptions(acks), bndupd.xid);
    const wanted = updates.find((update) => update.address === address);
    if (wanted !== undefined) {
      return wanted;
    }
  }
}

describe('BL-22 reservations on a Windows relationship', () => {
  it('BL-22: rejects the redistribution FREE for its reserved .90 with reason 15 and keeps .90 reserved (MSF-3.1.5.2-g)', async () => {
    const { peer, partner } = await windowsSecondaryInNormal({
      secret: undefined,
      config: { reservations: CASE_RESERVATIONS, dhcp: caseDHCPConfig() },
    });
    const dhcp = await dhcpOf(peer);

    partner.socket.write(hexBytes(MS_FREE_FOR_RESERVED_90));
    const bndack = (await partner.nextOfType(MessageType.BNDACK)).message;
    partner.socket.destroy();
    await waitForState(peer, 'COMMUNICATIONS-INTERRUPTED');
    const stranger = await discover(dhcp, caseMac(0x01));

    const expected = decodeMessage(hexBytes(BNDACK_730_REJECT_15), 'microsoft');
    expect(bndack.xid).toBe(expected.xid);
    expect(findOption(bndack, OptionCode.ASSIGNED_IP_ADDRESS)).toBe('192.0.2.90');
    expect(findOption(bndack, OptionCode.REJECT_REASON)).toBe(
      findOption(expected, OptionCode.REJECT_REASON),
    );
    expect(peer.store.getBinding('192.0.2.90')).toBeUndefined();
    expect(stranger?.yiaddr).not.toBe('192.0.2.90');
  });

  // dhcpf's rebalancer only lends addresses as BACKUP and never takes them back with FREE, so the
  // rejected redistribution here is a BACKUP. The secondary's reservation is its own, so a scripted
  // partner plays the secondary.
  it('BL-22: logs a redistribution rejected with reason 15 and does not resend it before the next rebalancing run (MSF-3.1.5.3-c)', async () => {
    const { partner, clock, log, peer } = await windowsPrimaryInNormal();

    clock.advance(REBALANCING_SECONDS * 1000);
    const bndupd = await partner.nextOfType(MessageType.BNDUPD);
    partner.send(
      MessageType.BNDACK,
      [
        option(OptionCode.ASSIGNED_IP_ADDRESS, LENT_ADDRESS),
        option(OptionCode.REJECT_REASON, RejectReason.OUTDATED_BINDING_INFORMATION),
      ],
      bndupd.message.xid,
    );
    await settle();
    const sentAfterReject = partner.received.length;
    clock.advance((REBALANCING_SECONDS - 1) * 1000);
    await settle();
    const rejection = log.withEvent('update.rejected');

    expect(bindingUpdatesOf(bndupd.message).updates.map((update) => update.address)).toEqual([
      LENT_ADDRESS,
    ]);
    expect(rejection.map((line) => line['address'])).toEqual([LENT_ADDRESS]);
    expect(rejection[0]?.['rejectReason']).toBe(RejectReason.OUTDATED_BINDING_INFORMATION);
    expect(partner.received.slice(sentAfterReject)).toEqual([]);
    expect(peer.state).toBe('NORMAL');
  });
});

/** Starts a microsoft-profile primary that lends one address per run, and brings it to NORMAL. */
async function windowsPrimaryInNormal(): Promise<StartedPeer & { partner: WindowsPartner }> {
  const clock = clockAt();
  const storePath = join(temporaryDirectory(), 'primary.db');
  seedStore(storePath, { record: NORMAL_BEFORE_T0 });
  const listener = await WindowsListener.listen();
  const config = microsoftConfig('primary', storePath, {
    peer: { address: '127.0.0.1', port: listener.port },
    sharedSecret: undefined,
    // 2 % of the 91 pool addresses is one address, the highest: .110.
    reservePercent: 2,
    addressRebalancingSeconds: REBALANCING_SECONDS,
    receiveTimer: 86_400,
  });
  const started = await startTestPeer(config, clock);
  const partner = await listener.accept(secondsOf(clock), undefined);
  const connect = await partner.nextOfType(MessageType.CONNECT);
  partner.send(MessageType.CONNECTACK, windowsCONNECTACKOptions(), connect.message.xid);
  await partner.nextOfType(MessageType.STATE);
  partner.send(MessageType.STATE, stateOptions('NORMAL', false, T0 - 3600), 1);
  await waitForState(started.peer, 'NORMAL');
  await partner.nextOfType(MessageType.STATE);
  return { ...started, partner };
}
