// BL-09: a PARTNER-DOWN primary meets its restarted secondary. The secondary goes RECOVER,
// RECOVER-WAIT until its down time + MCLT, then RECOVER-DONE; the primary stays in PARTNER-DOWN,
// serving every client, until the secondary reports RECOVER-DONE.

import { describe, expect, it } from 'vitest';
import { partnerDownReuseTime } from '../../model/lease-time.js';
import type { Peer } from '../../src/endpoint/peer.js';
import { answersClient } from '../../src/loadbal/client-service.js';
import { findOption, option } from '../../src/peer/options.js';
import { MessageType, OptionCode, ServerState } from '../../src/wire/codes.js';
import { connectackOptions, connectOptions, waitForState } from '../peer/peer-fixtures.js';
import type { CapturedLog } from '../peer/peer-fixtures.js';
import { DHCPMessageType } from '../../src/dhcp/packet.js';
import { DHCPLogEvent } from '../../src/dhcp/server.js';
import type { StoredBinding } from '../../src/store/types.js';
import {
  caseDHCPConfig,
  caseMac,
  clockAt,
  dhcpOf,
  discover,
  type CaseSetup,
  expectReplyLike,
  hexBytes,
  primaryWithPartner,
  secondaryWithPartner,
  settle,
  T0,
} from './case-support.js';

const STATE_PARTNER_DOWN_SINCE_T0_MINUS_7200 =
  '00 1e 0a 0c 65 53 f1 00 00 00 00 50 00 18 00 01 04 00 17 00 01 00 00 19 00 04 65 53 d4 e0';
const STATE_STARTUP_FLAG_PREVIOUS_COMM_INT =
  '00 1e 0a 0c 65 53 f1 00 00 00 00 06 00 18 00 01 03 00 17 00 01 01 00 19 00 04 65 53 d4 e0';
const STATE_RECOVER =
  '00 1e 0a 0c 65 53 f1 00 00 00 00 51 00 18 00 01 06 00 17 00 01 00 00 19 00 04 65 53 f1 05';
const UPDREQ_2B = '00 0c 09 0c 65 53 f1 00 00 00 00 2b';
const UPDDONE_2B = '00 0c 08 0c 65 53 f1 00 00 00 00 2b';
const STATE_RECOVER_WAIT_254 =
  '00 1e 0a 0c 65 53 f1 00 00 00 00 07 00 18 00 01 fe 00 17 00 01 00 00 19 00 04 65 53 f1 00';
const STATE_RECOVER_DONE =
  '00 1e 0a 0c 65 53 f1 00 00 00 00 52 00 18 00 01 09 00 17 00 01 00 00 19 00 04 65 54 37 50';

const MCLT = 28_800;
/** Addresses the secondary owns as BACKUP; with only these in its pool the primary has no FREE. */
const SECONDARY_OWNED = { start: '192.0.2.100', end: '192.0.2.110' };

function backupBindings(range: { start: string; end: string }): StoredBinding[] {
  const first = Number(range.start.split('.')[3]);
  const last = Number(range.end.split('.')[3]);
  return Array.from({ length: last - first + 1 }, (_, index) => ({
    address: `192.0.2.${first + index}`,
    bindingStatus: 'BACKUP' as const,
    ipFlags: 0,
    pendingUpdate: false,
    updateSeq: 1,
  }));
}
/** The secondary went down at T0-10800 and had last operated then. */
const SECONDARY_DOWN_AT = T0 - 10_800;
/** A receive-timer long enough that no link drops while the test moves the clock by hours. */
const LONG_RECEIVE_TIMER = 86_400;

function answersNewClient(peer: Peer): boolean {
  return answersClient({
    role: peer.config.role,
    state: peer.state,
    hashBucketAssignment: peer.hashBucketAssignment,
    key: caseMac(0x99),
    renewal: false,
  });
}

function statesEntered(log: CapturedLog): unknown[] {
  return log.withEvent('state.change').map((line) => line['to']);
}

/** The vector with its xid replaced, for a reply that must echo a request of ours. */
function withXid(hex: string, xid: number): Uint8Array {
  const bytes = hexBytes(hex);
  new DataView(bytes.buffer).setUint32(8, xid);
  return bytes;
}

/** Starts the secondary that went down at T0-10800, and connects the PARTNER-DOWN primary at T0. */
async function restartedSecondary(mclt = MCLT) {
  const started = await secondaryWithPartner({
    config: { receiveTimer: LONG_RECEIVE_TIMER },
    seed: {
      record: {
        state: 'NORMAL',
        startTimeOfState: SECONDARY_DOWN_AT - 86_400,
        lastOperatingTime: SECONDARY_DOWN_AT,
        mclt,
      },
    },
  });
  const { partner } = started;
  partner.send(
    MessageType.CONNECT,
    connectOptions({
      [OptionCode.MCLT]: option(OptionCode.MCLT, mclt),
      [OptionCode.RECEIVE_TIMER]: option(OptionCode.RECEIVE_TIMER, LONG_RECEIVE_TIMER),
    }),
    0,
  );
  await partner.nextOfType(MessageType.CONNECTACK);
  await partner.nextOfType(MessageType.STATE);
  return started;
}

describe('BL-09 the restarted secondary', () => {
  it('BL-09: enters RECOVER for a partner in PARTNER-DOWN since after its last operation and sends UPDREQ (FO-9.3.2-f, FO-9.5.2-b)', async () => {
    const { peer, partner, log } = await restartedSecondary();

    partner.sendBytes(hexBytes(STATE_PARTNER_DOWN_SINCE_T0_MINUS_7200));
    await waitForState(peer, 'RECOVER');
    const request = await partner.nextOfType(MessageType.UPDREQ);

    expect(request.type).toBe(MessageType.UPDREQ);
    expect(statesEntered(log)).not.toContain('POTENTIAL-CONFLICT');
    expect(answersNewClient(peer)).toBe(false);
  });

  it('BL-09: waits in RECOVER-WAIT until down time + MCLT = T0+18000, then RECOVER-DONE and NORMAL (FO-9.5.2-c, FO-9.6.2-a, FO-9.7.2-a)', async () => {
    const { peer, partner, clock } = await restartedSecondary();
    partner.sendBytes(hexBytes(STATE_PARTNER_DOWN_SINCE_T0_MINUS_7200));
    const request = await partner.nextOfType(MessageType.UPDREQ);

    partner.sendBytes(withXid(UPDDONE_2B, request.xid));
    await waitForState(peer, 'RECOVER-WAIT');
    const waiting = await partner.nextOfType(MessageType.STATE);
    clock.advance(17_999 * 1000);
    const stillWaiting = peer.state;
    clock.advance(1000);
    const done = await partner.nextOfType(MessageType.STATE);
    partner.send(
      MessageType.STATE,
      [
        option(OptionCode.SERVER_STATE, ServerState.NORMAL),
        option(OptionCode.SERVER_FLAGS, 0),
        option(OptionCode.START_TIME_OF_STATE, T0 + 18_000),
      ],
      0x53,
    );
    await waitForState(peer, 'NORMAL');

    expectReplyLike(waiting, STATE_RECOVER_WAIT_254, 'isc', false);
    expect(stillWaiting).toBe('RECOVER-WAIT');
    expectReplyLike(done, STATE_RECOVER_DONE, 'isc', false);
  });

  it('BL-09: answers only renewals in RECOVER-DONE (FO-9.7.1-a)', async () => {
    const { peer, partner } = await restartedSecondary(3600);
    partner.sendBytes(hexBytes(STATE_PARTNER_DOWN_SINCE_T0_MINUS_7200));
    const request = await partner.nextOfType(MessageType.UPDREQ);
    partner.sendBytes(withXid(UPDDONE_2B, request.xid));
    await waitForState(peer, 'RECOVER-DONE');

    const query = {
      role: peer.config.role,
      state: peer.state,
      hashBucketAssignment: peer.hashBucketAssignment,
      key: caseMac(0x99),
    };
    expect(answersClient({ ...query, renewal: true })).toBe(true);
    expect(answersClient({ ...query, renewal: false })).toBe(false);
  });

  it('BL-09: goes straight on to RECOVER-DONE after UPDDONE when it was down longer than MCLT (FO-9.6.2-a)', async () => {
    const { peer, partner, log } = await restartedSecondary(3600);
    partner.sendBytes(hexBytes(STATE_PARTNER_DOWN_SINCE_T0_MINUS_7200));
    const request = await partner.nextOfType(MessageType.UPDREQ);

    partner.sendBytes(withXid(UPDDONE_2B, request.xid));
    await waitForState(peer, 'RECOVER-DONE');

    expect(statesEntered(log).slice(-2)).toEqual(['RECOVER-WAIT', 'RECOVER-DONE']);
    expect(log.withEvent('state.change').at(-1)?.['startTimeOfState']).toBe(T0);
  });
});

/**
 * Starts the primary at T0-7200 in COMMUNICATIONS-INTERRUPTED and puts it into PARTNER-DOWN by the
 * operator's command. The secondary accepts the connection but answers only at T0.
 */
async function partnerDownPrimary(setup: CaseSetup = {}) {
  const clock = clockAt(-7200);
  const primary = await primaryWithPartner({
    clock,
    config: { mclt: MCLT, receiveTimer: LONG_RECEIVE_TIMER, startupSeconds: 0, ...setup.config },
    seed: {
      ...setup.seed,
      record: {
        state: 'COMMUNICATIONS-INTERRUPTED',
        startTimeOfState: SECONDARY_DOWN_AT,
        lastOperatingTime: T0 - 7260,
        mclt: MCLT,
      },
    },
  });
  clock.advance(0);
  primary.peer.partnerDown(SECONDARY_DOWN_AT);
  await waitForState(primary.peer, 'PARTNER-DOWN');
  clock.advance(7200 * 1000);
  primary.partner.send(
    MessageType.CONNECTACK,
    connectackOptions(10, LONG_RECEIVE_TIMER),
    primary.connect.xid,
  );
  return primary;
}

describe('BL-09 the PARTNER-DOWN primary', () => {
  it('BL-09: announces PARTNER-DOWN since T0-7200 to the reconnecting secondary (FO-9.3.2-f)', async () => {
    const { partner } = await partnerDownPrimary();

    const state = await partner.nextOfType(MessageType.STATE);

    expectReplyLike(state, STATE_PARTNER_DOWN_SINCE_T0_MINUS_7200, 'isc', false);
  });

  it('BL-09: stays in PARTNER-DOWN through STARTUP, RECOVER, UPDREQ and RECOVER-WAIT of the partner (FO-9.4.3-a)', async () => {
    const { peer, partner, log } = await partnerDownPrimary();
    await partner.nextOfType(MessageType.STATE);

    partner.sendBytes(hexBytes(STATE_STARTUP_FLAG_PREVIOUS_COMM_INT));
    partner.sendBytes(hexBytes(STATE_RECOVER));
    partner.sendBytes(hexBytes(UPDREQ_2B));
    const updateDone = await partner.nextOfType(MessageType.UPDDONE);
    partner.sendBytes(hexBytes(STATE_RECOVER_WAIT_254));
    await settle();

    expectReplyLike(updateDone, UPDDONE_2B);
    expect(peer.state).toBe('PARTNER-DOWN');
    expect(statesEntered(log)).not.toContain('POTENTIAL-CONFLICT');
    expect(statesEntered(log)).not.toContain('SHUTDOWN');
    expect(answersNewClient(peer)).toBe(true);
  });

  it('BL-09: moves from PARTNER-DOWN to NORMAL when the secondary reports RECOVER-DONE at T0+18000 (FO-9.4.3-b)', async () => {
    const { peer, partner, clock } = await partnerDownPrimary();
    await partner.nextOfType(MessageType.STATE);
    partner.sendBytes(hexBytes(STATE_RECOVER));

    clock.advance(18_000 * 1000);
    partner.sendBytes(hexBytes(STATE_RECOVER_DONE));
    await waitForState(peer, 'NORMAL');
    const announced = await partner.nextOfType(MessageType.STATE);

    expect(findOption(announced, OptionCode.SERVER_STATE)).toBe(ServerState.NORMAL);
  });

  it('BL-09: opens the partner pool at PARTNER-DOWN entry + MCLT = T0+21600 (FO-9.4.2-c)', async () => {
    const { log } = await partnerDownPrimary();
    const entered = log.withEvent('state.change').find((line) => line['to'] === 'PARTNER-DOWN');

    const since = Number(entered?.['startTimeOfState']);

    expect(since).toBe(T0 - 7200);
    expect(partnerDownReuseTime({ partnerDownSince: since, mclt: MCLT })).toBe(T0 + 21_600);
  });

  it('BL-09: gives no address to a new client before T0+21600 when the primary has no free address of its own (FO-9.4.2-c, FO-9.4.2-a)', async () => {
    const { peer, clock, log } = await partnerDownPrimary({
      config: { pools: [SECONDARY_OWNED], dhcp: caseDHCPConfig() },
      seed: { bindings: backupBindings(SECONDARY_OWNED) },
    });
    const dhcp = await dhcpOf(peer);

    const atT0 = await discover(dhcp, caseMac(0x90));
    const exhausted = log.withEvent(DHCPLogEvent.POOL_EXHAUSTED)[0];
    clock.advance(21_599 * 1000);
    const secondBefore = await discover(dhcp, caseMac(0x91));
    clock.advance(1000);
    const atReuseTime = await discover(dhcp, caseMac(0x92));

    expect(peer.state).toBe('PARTNER-DOWN');
    expect(atT0).toBeUndefined();
    expect(exhausted?.['partnerOpensAt']).toBe(T0 + 21_600);
    expect(exhausted?.['partnerAvailable']).toBe(11);
    expect(exhausted?.['rule']).toBe('FO-9.4.2-c');
    expect(secondBefore).toBeUndefined();
    expect(atReuseTime?.options.messageType).toBe(DHCPMessageType.DHCPOFFER);
    expect(atReuseTime?.yiaddr).toBe('192.0.2.100');
    expect(peer.store.getBinding('192.0.2.100')?.bindingStatus).toBe('BACKUP');
  });
});
