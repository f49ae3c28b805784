import { EventEmitter } from 'node:events';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  LeaseExpiry,
  nextBindingOf,
  partnerDownFreeTime,
  type ExpiryContext,
  type LeaseExpiryView,
} from '../../src/dhcp/expiry.js';
import { ManualClock } from '../../src/peer/timers.js';
import { openLeaseStore } from '../../src/store/sqlite-store.js';
import type { LeaseStore, StoredBinding } from '../../src/store/types.js';
import { INFINITE_TIME, type FailoverStateName } from '../../src/wire/codes.js';

const NOW = 1_767_225_600;
const MCLT = 600;
const DAY_MS = 86_400_000;
const CLIENT = { htype: 1, chaddr: Uint8Array.of(2, 0, 0, 0, 0xc1, 1) };

function active(overrides: Partial<StoredBinding> = {}): StoredBinding {
  return {
    address: '192.0.2.10',
    bindingStatus: 'ACTIVE',
    ipFlags: 0,
    clientHardwareAddress: CLIENT,
    leaseExpirationTime: NOW - 1,
    startTimeOfState: NOW - 600,
    clientLastTransactionTime: NOW - 600,
    sentPet: NOW + 300,
    ackedPet: NOW + 300,
    pendingUpdate: false,
    updateSeq: 4,
    ...overrides,
  };
}

function context(state: FailoverStateName, overrides: Partial<ExpiryContext> = {}): ExpiryContext {
  return { now: NOW, state, mclt: MCLT, ...overrides };
}

describe('nextBindingOf', () => {
  it('expires an ACTIVE binding once its expiry second has passed (FO-9.8.3-c)', () => {
    const next = nextBindingOf(active(), context('NORMAL'));

    expect(next?.bindingStatus).toBe('EXPIRED');
    expect(next?.pendingUpdate).toBe(true);
    expect(next?.updateSeq).toBe(5);
    expect(next?.startTimeOfState).toBe(NOW);
  });

  it('keeps the client-last-transaction-time of an expired lease (FO-7.1.3-c)', () => {
    const next = nextBindingOf(active(), context('NORMAL'));

    expect(next?.clientLastTransactionTime).toBe(NOW - 600);
    expect(next?.clientHardwareAddress).toEqual(CLIENT);
  });

  it('leaves an ACTIVE binding in its expiry second, which the partner would reject', () => {
    expect(nextBindingOf(active({ leaseExpirationTime: NOW }), context('NORMAL'))).toBeUndefined();
  });

  it('never expires an infinite lease (FO-5.14-a)', () => {
    const binding = active({ leaseExpirationTime: INFINITE_TIME });

    expect(nextBindingOf(binding, context('NORMAL', { now: INFINITE_TIME }))).toBeUndefined();
  });

  it.each(['COMMUNICATIONS-INTERRUPTED', 'PARTNER-DOWN', 'RECOVER'] as const)(
    'expires an ACTIVE binding in %s too (FO-9.8.3-c)',
    (state) => {
      expect(nextBindingOf(active(), context(state))?.bindingStatus).toBe('EXPIRED');
    },
  );

  it.each(['EXPIRED', 'RELEASED', 'RESET'] as const)(
    'frees an acknowledged %s binding without a new BNDUPD (FO-5.11-e)',
    (status) => {
      const next = nextBindingOf(active({ bindingStatus: status }), context('NORMAL'));

      expect(next?.bindingStatus).toBe('FREE');
      expect(next?.pendingUpdate).toBe(false);
      expect(next?.leaseExpirationTime).toBeUndefined();
      expect(next?.ackedPet).toBeUndefined();
      expect(next?.clientHardwareAddress).toEqual(CLIENT);
    },
  );

  it('keeps a RELEASED binding the partner has not accepted yet (FO-5.2.2-b)', () => {
    const binding = active({ bindingStatus: 'RELEASED', pendingUpdate: true });

    expect(nextBindingOf(binding, context('NORMAL'))).toBeUndefined();
    expect(
      nextBindingOf(binding, context('COMMUNICATIONS-INTERRUPTED', { now: NOW + 10 * MCLT })),
    ).toBeUndefined();
  });

  it('frees a pending RELEASED binding in PARTNER-DOWN after MCLT, pending (FO-5.11-f)', () => {
    const binding = active({
      bindingStatus: 'RELEASED',
      pendingUpdate: true,
      startTimeOfState: NOW,
    });
    const partnerDown = { partnerDownSince: NOW - 2 * MCLT };
    const freeTime = partnerDownFreeTime(binding, context('PARTNER-DOWN', partnerDown));

    const early = nextBindingOf(
      binding,
      context('PARTNER-DOWN', { ...partnerDown, now: freeTime - 1 }),
    );
    const due = nextBindingOf(binding, context('PARTNER-DOWN', { ...partnerDown, now: freeTime }));

    expect(freeTime).toBe(NOW + 300 + MCLT);
    expect(early).toBeUndefined();
    expect(due?.bindingStatus).toBe('FREE');
    expect(due?.pendingUpdate).toBe(true);
  });

  it('waits MCLT after PARTNER-DOWN entry before freeing (FO-9.4.2-d, E-15)', () => {
    const binding = active({
      bindingStatus: 'EXPIRED',
      pendingUpdate: true,
      sentPet: undefined,
      ackedPet: undefined,
    });

    expect(partnerDownFreeTime(binding, context('PARTNER-DOWN', { partnerDownSince: NOW }))).toBe(
      NOW + MCLT,
    );
  });

  it.each(['FREE', 'BACKUP', 'ABANDONED'] as const)('leaves a %s binding alone', (status) => {
    expect(nextBindingOf(active({ bindingStatus: status }), context('NORMAL'))).toBeUndefined();
  });
});

class FakeFailover extends EventEmitter<{ state: [] }> implements LeaseExpiryView {
  state: FailoverStateName = 'NORMAL';
  readonly mclt = MCLT;
  readonly config = { name: 'fo' };
  sendCalls = 0;

  constructor(readonly store: LeaseStore) {
    super();
  }

  sendPendingUpdates(): void {
    this.sendCalls += 1;
  }
}

describe('LeaseExpiry', () => {
  it('commits EXPIRED on the clock and sends it as a BNDUPD (FO-9.8.3-c)', () => {
    const store = openLeaseStore(':memory:');
    const clock = new ManualClock(NOW * 1000);
    const failover = new FakeFailover(store);
    store.putBindings([active({ leaseExpirationTime: NOW + 5 })]);
    const expiry = new LeaseExpiry({ failover, clock, intervalMs: 1000 });
    expiry.start();

    clock.advance(5000);
    const beforeExpiry = store.getBinding('192.0.2.10')?.bindingStatus;
    clock.advance(1000);

    expect(beforeExpiry).toBe('ACTIVE');
    expect(store.getBinding('192.0.2.10')?.bindingStatus).toBe('EXPIRED');
    expect(store.getBinding('192.0.2.10')?.pendingUpdate).toBe(true);
    expect(failover.sendCalls).toBe(1);
  });

  it('frees the address after the partner acknowledges the EXPIRED update (FO-5.11-e)', () => {
    const store = openLeaseStore(':memory:');
    const failover = new FakeFailover(store);
    store.putBindings([active()]);
    const expiry = new LeaseExpiry({ failover, clock: new ManualClock(NOW * 1000) });
    expiry.sweep();
    const expired = store.getBinding('192.0.2.10');
    store.acknowledgeUpdate('192.0.2.10', expired?.updateSeq ?? 0, undefined);

    const result = expiry.sweep();

    expect(result).toEqual({ expired: [], freed: ['192.0.2.10'] });
    expect(store.getBinding('192.0.2.10')?.bindingStatus).toBe('FREE');
    expect(failover.sendCalls).toBe(1);
  });

  it('stops sweeping once cancelled', () => {
    const store = openLeaseStore(':memory:');
    const clock = new ManualClock(NOW * 1000);
    store.putBindings([active({ leaseExpirationTime: NOW + 5 })]);
    const expiry = new LeaseExpiry({ failover: new FakeFailover(store), clock, intervalMs: 1000 });
    expiry.start();

    expiry.cancel();
    clock.advance(10_000);

    expect(store.getBinding('192.0.2.10')?.bindingStatus).toBe('ACTIVE');
    expect(clock.pendingTimers()).toBe(0);
  });

  it('reads the PARTNER-DOWN entry time from the endpoint record (FO-5.11-f)', () => {
    const store = openLeaseStore(':memory:');
    const failover = new FakeFailover(store);
    failover.state = 'PARTNER-DOWN';
    store.writeEndpoint({
      relationship: 'fo',
      state: 'PARTNER-DOWN',
      startTimeOfState: NOW,
      lastOperatingTime: NOW,
      hasSyncedBefore: true,
    });
    const released = {
      bindingStatus: 'RELEASED' as const,
      pendingUpdate: true,
      startTimeOfState: NOW - 3 * MCLT,
      leaseExpirationTime: NOW - 3 * MCLT,
      sentPet: undefined,
      ackedPet: undefined,
    };
    store.putBindings([active(released)]);
    const atEntry = new LeaseExpiry({ failover, clock: new ManualClock(NOW * 1000) });
    const afterMclt = new LeaseExpiry({ failover, clock: new ManualClock((NOW + MCLT) * 1000) });

    expect(atEntry.sweep().freed).toEqual([]);
    expect(afterMclt.sweep().freed).toEqual(['192.0.2.10']);
  });

  it('expires a lease at its expiry second without periodic sweeps (FO-9.8.3-c)', () => {
    const store = openLeaseStore(':memory:');
    const clock = new ManualClock(NOW * 1000);
    store.putBindings([active({ leaseExpirationTime: NOW + 3600 })]);
    const expiry = new LeaseExpiry({
      failover: new FakeFailover(store),
      clock,
      intervalMs: DAY_MS,
    });
    expiry.start();
    onTestFinished(() => expiry.cancel());

    const dueAt = expiry.nextDueTime();
    clock.advance(3600 * 1000);
    const atExpiry = store.getBinding('192.0.2.10')?.bindingStatus;
    clock.advance(1000);

    expect(dueAt).toBe(NOW + 3601);
    expect(atExpiry).toBe('ACTIVE');
    expect(store.getBinding('192.0.2.10')?.bindingStatus).toBe('EXPIRED');
    expect(clock.pendingTimers()).toBe(1);
  });

  it('moves its timer earlier when a shorter lease is committed', () => {
    const store = openLeaseStore(':memory:');
    const clock = new ManualClock(NOW * 1000);
    store.putBindings([active({ leaseExpirationTime: NOW + 3600 })]);
    const expiry = new LeaseExpiry({
      failover: new FakeFailover(store),
      clock,
      intervalMs: DAY_MS,
    });
    expiry.start();
    onTestFinished(() => expiry.cancel());

    store.putBindings([active({ address: '192.0.2.11', leaseExpirationTime: NOW + 5 })]);
    clock.advance(6000);

    expect(store.getBinding('192.0.2.11')?.bindingStatus).toBe('EXPIRED');
    expect(store.getBinding('192.0.2.10')?.bindingStatus).toBe('ACTIVE');
  });

  it('frees a transient binding on the next timer after its BNDACK (FO-5.11-e)', () => {
    const store = openLeaseStore(':memory:');
    const clock = new ManualClock(NOW * 1000);
    const failover = new FakeFailover(store);
    store.putBindings([active({ bindingStatus: 'RELEASED', pendingUpdate: true })]);
    const expiry = new LeaseExpiry({ failover, clock, intervalMs: DAY_MS });
    expiry.start();
    onTestFinished(() => expiry.cancel());

    clock.advance(1000);
    const beforeAck = store.getBinding('192.0.2.10')?.bindingStatus;
    store.acknowledgeUpdate('192.0.2.10', 4, undefined);
    clock.advance(0);

    expect(beforeAck).toBe('RELEASED');
    expect(store.getBinding('192.0.2.10')?.bindingStatus).toBe('FREE');
    expect(failover.sendCalls).toBe(0);
  });

  it('frees a pending binding MCLT after the state changes to PARTNER-DOWN (FO-5.11-f)', () => {
    const store = openLeaseStore(':memory:');
    const clock = new ManualClock(NOW * 1000);
    const failover = new FakeFailover(store);
    failover.state = 'COMMUNICATIONS-INTERRUPTED';
    store.putBindings([
      active({
        bindingStatus: 'EXPIRED',
        pendingUpdate: true,
        startTimeOfState: NOW,
        sentPet: undefined,
        ackedPet: undefined,
      }),
    ]);
    const expiry = new LeaseExpiry({ failover, clock, intervalMs: DAY_MS });
    expiry.start();
    onTestFinished(() => expiry.cancel());

    failover.state = 'PARTNER-DOWN';
    store.writeEndpoint({
      relationship: 'fo',
      state: 'PARTNER-DOWN',
      startTimeOfState: NOW,
      lastOperatingTime: NOW,
      hasSyncedBefore: true,
    });
    failover.emit('state');
    clock.advance((MCLT - 1) * 1000);
    const beforeMclt = store.getBinding('192.0.2.10')?.bindingStatus;
    clock.advance(1000);

    expect(beforeMclt).toBe('EXPIRED');
    expect(store.getBinding('192.0.2.10')?.bindingStatus).toBe('FREE');
    expect(store.getBinding('192.0.2.10')?.pendingUpdate).toBe(true);
  });
});
