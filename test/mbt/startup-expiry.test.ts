// The STARTUP expiry policies on a real peer: a first start whose partner never sends STATE, with
// each configured `startupExpiry`, then a partner that connects afterwards.

import { describe, expect, it } from 'vitest';
import type { StartupExpiryPolicy } from '../../model/endpoint-types.js';
import type { FailoverStateName } from '../../src/wire/codes.js';
import { RELATIONSHIP } from '../peer/peer-fixtures.js';
import { recorder } from './coverage/recorder.js';
import { PeerUnderTest, serverStateOf, waitUntil } from './harness/peer-under-test.js';
import { STARTUP_SECONDS } from './harness/timing.js';

interface ExpiredStart {
  harness: PeerUnderTest;
  /** The endpoint transitions STARTUP_EXPIRED took. */
  taken: string[];
}

/** Starts a primary with no stored record and runs its STARTUP timer out. */
async function expiredFirstStart(startupExpiry: StartupExpiryPolicy): Promise<ExpiredStart> {
  const mark = recorder.mark;
  const harness = await PeerUnderTest.start({ role: 'primary', config: { startupExpiry } });
  const taken = (): string[] =>
    recorder
      .stepsSince(mark)
      .filter((step) => step.eventType === 'STARTUP_EXPIRED')
      .map((step) => step.transitionId);
  harness.advance(STARTUP_SECONDS);
  await waitUntil(() => taken().length > 0, 'STARTUP_EXPIRED');
  return { harness, taken: taken() };
}

function expectState(harness: PeerUnderTest, state: FailoverStateName): void {
  expect(harness.peer.state).toBe(state);
  expect(harness.peer.store.readEndpoint(RELATIONSHIP)?.state).toBe(state);
}

describe('STARTUP expiry policy', () => {
  it('enters PARTNER-DOWN and tells a partner that connects later (FO-9.3.2-b)', async () => {
    const { harness, taken } = await expiredFirstStart('partner-down');

    expect(taken).toEqual(['endpoint:STARTUP.STARTUP_EXPIRED[1]']);
    expectState(harness, 'PARTNER-DOWN');
    const state = await harness.connect();
    expect(serverStateOf(state)).toBe('PARTNER-DOWN');
  });

  it('keeps waiting in STARTUP until the partner STATE arrives (FO-9.3.2-g)', async () => {
    const { harness, taken } = await expiredFirstStart('keep-waiting');

    expect(taken).toEqual(['endpoint:STARTUP.STARTUP_EXPIRED[0]']);
    expectState(harness, 'STARTUP');
    await harness.connect();
    harness.sendSTATE('NORMAL', false, harness.t0);
    // A first start resumes RECOVER, and a partner in NORMAL leaves it there (FO-9.3.2-a).
    await waitUntil(() => harness.peer.state === 'RECOVER', 'RECOVER after the partner STATE');
    expectState(harness, 'RECOVER');
  });

  it('serves without history in COMMUNICATIONS-INTERRUPTED on a first start (MSF-3.1.6.3-b, AMB-26)', async () => {
    const { harness, taken } = await expiredFirstStart('serve-without-history');

    expect(taken).toEqual(['endpoint:STARTUP.STARTUP_EXPIRED[2]']);
    expectState(harness, 'COMMUNICATIONS-INTERRUPTED');
  });

  it('resumes the previous state on a first start by default (FO-9.3.2-g, FO-9.3.2-a)', async () => {
    const { harness, taken } = await expiredFirstStart('previous-state');

    expect(taken).toEqual(['endpoint:STARTUP.STARTUP_EXPIRED[5]']);
    expectState(harness, 'RECOVER');
  });
});
