// BL-22: reservations out of step between partners. The draft rejects a reserved BACKUP that the
// receiver does not reserve with reason 19. Windows rejects FREE or BACKUP for a reservation of
// its own with reason 15.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { option } from '../../src/peer/options.js';
import { bindingUpdatesOf } from '../../src/wire/binding-update.js';
import { MessageType, OptionCode, RejectReason } from '../../src/wire/codes.js';
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
import {
  clockAt,
  expectReplyLike,
  hexBytes,
  NORMAL_BEFORE_T0,
  secondaryInNormal,
  seedStore,
  settle,
  T0,
} from './case-support.js';

const DRAFT_BNDUPD_BACKUP_RESERVED_91 =
  '00 1f 03 0c 65 53 f1 00 00 00 07 31 00 02 00 04 c0 00 02 5b 00 03 00 01 07 00 0c 00 02 00 01';
const REBALANCING_SECONDS = 300;
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

  it.todo(
    'BL-22: accepts BACKUP with R=1 for .92, reserved on both servers, and gives it only to its client (needs reservations in the relationship config)',
  );
});

describe('BL-22 reservations on a Windows relationship', () => {
  it.todo(
    'BL-22: rejects the redistribution FREE for its reserved .90 with reason 15 and keeps .90 reserved (needs reservations in the relationship config)',
  );

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
