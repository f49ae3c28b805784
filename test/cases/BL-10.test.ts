// BL-10: COMMUNICATIONS-INTERRUPTED never becomes PARTNER-DOWN by itself. A configured safe period
// (stateSwitchoverSeconds) or the operator's command does it, and the partner's pool opens only
// MCLT after PARTNER-DOWN begins.

import { describe, expect, it } from 'vitest';
import { partnerDownReuseTime } from '../../model/lease-time.js';
import type { Peer } from '../../src/endpoint/peer.js';
import { answersClient } from '../../src/loadbal/client-service.js';
import { MessageType } from '../../src/wire/codes.js';
import { nowSeconds } from '../../src/peer/timers.js';
import { RawPartner } from '../peer/raw-partner.js';
import { secondsOf, stateOptions, waitForState } from '../peer/peer-fixtures.js';
import type { CapturedLog } from '../peer/peer-fixtures.js';
import {
  caseConnectOptions,
  caseDHCPConfig,
  caseMac,
  dhcpOf,
  discover,
  secondaryInNormal,
  type SeededStore,
  type PeerWithPartner,
  T0,
} from './case-support.js';
import { windowsPrimaryReturns, windowsSecondaryInNormal } from './windows-support.js';

const MCLT = 3600;
/** The secondary's only own address; the primary owns FREE .101-.110. */
const OWN_BACKUP = '192.0.2.100';
/** Keeps a reconnected but silent partner connected while the test moves the clock by hours. */
const LONG_RECEIVE_TIMER = 86_400;

/**
 * Starts a secondary in NORMAL at T0 and drops its partner, so that it is in
 * COMMUNICATIONS-INTERRUPTED from T0.
 */
async function interruptedAtT0(
  config: Record<string, unknown> = {},
  seed: SeededStore = {},
): Promise<PeerWithPartner> {
  const started = await secondaryInNormal({
    config: { receiveTimer: LONG_RECEIVE_TIMER, ...config },
    seed,
  });
  started.partner.close();
  await waitForState(started.peer, 'COMMUNICATIONS-INTERRUPTED');
  return started;
}

function partnerDownSince(log: CapturedLog): number | undefined {
  const entered = log.withEvent('state.change').find((line) => line['to'] === 'PARTNER-DOWN');
  return entered === undefined ? undefined : Number(entered['startTimeOfState']);
}

function answers(peer: Peer, renewal: boolean): boolean {
  return answersClient({
    role: peer.config.role,
    state: peer.state,
    hashBucketAssignment: peer.hashBucketAssignment,
    key: caseMac(0x10),
    renewal,
  });
}

/** Reconnects a scripted primary in NORMAL, as the partner that comes back. */
async function partnerReturns({ peer, clock }: PeerWithPartner): Promise<RawPartner> {
  const partner = await RawPartner.connect(peer.listeningPort ?? 0, secondsOf(clock));
  partner.send(MessageType.CONNECT, caseConnectOptions(MCLT), 0);
  await partner.nextOfType(MessageType.STATE);
  partner.send(MessageType.STATE, stateOptions('NORMAL', false, T0 - 3600), 1);
  await waitForState(peer, 'NORMAL');
  return partner;
}

describe('BL-10 COMMUNICATIONS-INTERRUPTED without a safe period', () => {
  it('BL-10: stays in COMMUNICATIONS-INTERRUPTED for a day without a safe period (FO-10-a, FO-9.9.3-a)', async () => {
    const { peer, clock, log } = await interruptedAtT0();

    clock.advance(86_400 * 1000);

    expect(peer.state).toBe('COMMUNICATIONS-INTERRUPTED');
    expect(partnerDownSince(log)).toBeUndefined();
    expect(answers(peer, true)).toBe(true);
  });

  it('BL-10: enters PARTNER-DOWN at T0+600 on the operator command, partner pool open from T0+4200 (FO-9.9.3-a, FO-9.4.2-c)', async () => {
    const { peer, clock, log } = await interruptedAtT0();

    clock.advance(600 * 1000);
    peer.partnerDown();
    const since = partnerDownSince(log);

    expect(peer.state).toBe('PARTNER-DOWN');
    expect(since).toBe(T0 + 600);
    expect(partnerDownReuseTime({ partnerDownSince: since ?? 0, mclt: MCLT })).toBe(T0 + 4200);
  });
});

describe('BL-10 COMMUNICATIONS-INTERRUPTED with a safe period', () => {
  it('BL-10: enters PARTNER-DOWN when the 3600 s safe period ends, not a second earlier (FO-9.9.1-a, FO-10-a)', async () => {
    const { peer, clock, log } = await interruptedAtT0({ stateSwitchoverSeconds: 3600 });

    clock.advance(3599 * 1000);
    const before = peer.state;
    clock.advance(1000);
    const since = partnerDownSince(log);

    expect(before).toBe('COMMUNICATIONS-INTERRUPTED');
    expect(peer.state).toBe('PARTNER-DOWN');
    expect(since).toBe(T0 + 3600);
    expect(log.withEvent('state.change').at(-1)?.['trigger']).toBe('SAFE_PERIOD_EXPIRED');
    expect(partnerDownReuseTime({ partnerDownSince: since ?? 0, mclt: MCLT })).toBe(T0 + 7200);
    expect(answers(peer, true)).toBe(true);
  });

  it('BL-10: returns to NORMAL at T0+1800 and stays out of PARTNER-DOWN past T0+3600 (FO-9.9.3-b, MSF-3.1.2.1-c)', async () => {
    const started = await interruptedAtT0({ stateSwitchoverSeconds: 3600 });
    const { peer, clock, log } = started;

    clock.advance(1800 * 1000);
    const partner = await partnerReturns(started);
    clock.advance(7200 * 1000);

    expect(peer.state).toBe('NORMAL');
    expect(partnerDownSince(log)).toBeUndefined();
    partner.close();
  });

  it('BL-10: starts a full safe period again on the next entry to COMMUNICATIONS-INTERRUPTED (FO-9.9.1-a, MSF-3.1.2.1-a)', async () => {
    const started = await interruptedAtT0({ stateSwitchoverSeconds: 3600 });
    const { peer, clock, log } = started;
    clock.advance(1800 * 1000);
    const partner = await partnerReturns(started);
    clock.advance(200 * 1000);

    partner.close();
    await waitForState(peer, 'COMMUNICATIONS-INTERRUPTED');
    clock.advance(3599 * 1000);
    const before = peer.state;
    clock.advance(1000);

    expect(before).toBe('COMMUNICATIONS-INTERRUPTED');
    expect(partnerDownSince(log)).toBe(T0 + 2000 + 3600);
  });

  it('BL-10: leaves the safe period without effect after the operator command at T0+600 (FO-9.9.3-a)', async () => {
    const { peer, clock, log } = await interruptedAtT0({ stateSwitchoverSeconds: 3600 });

    clock.advance(600 * 1000);
    peer.partnerDown();
    clock.advance(3600 * 1000);
    const changes = log.withEvent('state.change').filter((line) => line['to'] === 'PARTNER-DOWN');

    expect(changes).toHaveLength(1);
    expect(changes[0]?.['startTimeOfState']).toBe(T0 + 600);
  });

  it('BL-10: returns to NORMAL at T0+1800 and cancels the StateSwitchInterval timer with a Windows partner (MSF-3.1.2.1-a, MSF-3.1.2.1-c)', async () => {
    const started = await windowsSecondaryInNormal({
      secret: undefined,
      config: { receiveTimer: LONG_RECEIVE_TIMER, stateSwitchoverSeconds: 3600 },
    });
    const { peer, clock, log } = started;
    started.partner.socket.destroy();
    await waitForState(peer, 'COMMUNICATIONS-INTERRUPTED');

    clock.advance(1800 * 1000);
    const partner = await windowsPrimaryReturns(started, undefined);
    clock.advance(7200 * 1000);

    expect(peer.state).toBe('NORMAL');
    expect(partnerDownSince(log)).toBeUndefined();
    expect(partner.isClosed).toBe(false);
  });

  it('BL-10: enters PARTNER-DOWN when the StateSwitchInterval ends with a Windows partner away (MSF-3.1.2.1-a)', async () => {
    const started = await windowsSecondaryInNormal({
      secret: undefined,
      config: { receiveTimer: LONG_RECEIVE_TIMER, stateSwitchoverSeconds: 3600 },
    });
    const { peer, clock, log } = started;
    started.partner.socket.destroy();
    await waitForState(peer, 'COMMUNICATIONS-INTERRUPTED');

    clock.advance(3599 * 1000);
    const before = peer.state;
    clock.advance(1000);

    expect(before).toBe('COMMUNICATIONS-INTERRUPTED');
    expect(peer.state).toBe('PARTNER-DOWN');
    expect(partnerDownSince(log)).toBe(T0 + 3600);
  });
});

/** DISCOVER times of each variant, seconds after T0: the case's times around its openings. */
const DISCOVER_TIMES = {
  a: [10, 3600, 7200, 86_400],
  b: [10, 3599, 3600, 7199, 7200],
  c: [10, 3599, 4199, 4200],
} as const;

/**
 * Runs a variant: a secondary owning BACKUP .100 of the pool .100-.110, in
 * COMMUNICATIONS-INTERRUPTED from T0. A new client sends DISCOVER at each case time; the client
 * at T0+10 takes its offer. Returns the address offered at each time, or "none".
 */
async function offersOverTime(variant: 'a' | 'b' | 'c'): Promise<Record<number, string>> {
  const { peer, clock } = await interruptedAtT0(
    {
      pools: [{ start: '192.0.2.100', end: '192.0.2.110' }],
      dhcp: caseDHCPConfig(),
      ...(variant === 'b' ? { stateSwitchoverSeconds: 3600 } : {}),
    },
    {
      bindings: [
        {
          address: OWN_BACKUP,
          bindingStatus: 'BACKUP',
          ipFlags: 0,
          pendingUpdate: false,
          updateSeq: 1,
        },
      ],
    },
  );
  const dhcp = await dhcpOf(peer);
  const offered: Record<number, string> = {};
  const advanceTo = (time: number): void => clock.advance((T0 + time - nowSeconds(clock)) * 1000);
  for (const [index, time] of DISCOVER_TIMES[variant].entries()) {
    if (variant === 'c' && time > 600 && peer.state === 'COMMUNICATIONS-INTERRUPTED') {
      advanceTo(600);
      peer.partnerDown();
    }

    advanceTo(time);

    const client = caseMac(0x30 + index);
    const offer =
      index === 0 ? (await dhcp.client.obtainLease(client)).ack : await discover(dhcp, client);
    offered[time] = offer?.yiaddr ?? 'none';
  }

  return offered;
}

describe('BL-10 addresses offered to new clients', () => {
  it('BL-10: offers only the own BACKUP .100 for a day without a safe period (FO-9.9.2-a, FO-10-a)', async () => {
    const offered = await offersOverTime('a');

    expect(offered).toEqual({ 10: OWN_BACKUP, 3600: 'none', 7200: 'none', 86_400: 'none' });
  });

  it('BL-10: offers the partner FREE addresses from T0+7200 with a 3600 s safe period, not before (FO-9.4.2-c, FO-9.9.3-a)', async () => {
    const offered = await offersOverTime('b');

    expect(offered).toEqual({
      10: OWN_BACKUP,
      3599: 'none',
      3600: 'none',
      7199: 'none',
      7200: '192.0.2.101',
    });
  });

  it('BL-10: offers the partner FREE addresses from T0+4200 after the command at T0+600, not before (FO-9.4.2-c, FO-9.9.3-a)', async () => {
    const offered = await offersOverTime('c');

    expect(offered).toEqual({ 10: OWN_BACKUP, 3599: 'none', 4199: 'none', 4200: '192.0.2.101' });
  });
});
