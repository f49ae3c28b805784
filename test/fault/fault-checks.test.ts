import { describe, expect, it } from 'vitest';
import type { HeldLease } from '../../fault/dhcp-clients.js';
import {
  checkCommitted,
  checkDuplicates,
  checkEqualBindings,
  checkHeldLeases,
} from '../../fault/fault-checks.js';
import { faultScriptOf } from '../../fault/fault-script.js';
import { KillPointTracker, KILL_POINTS } from '../../fault/kill-point.js';
import type { StoredBinding } from '../../src/store/types.js';

const CLIENT = Uint8Array.from([2, 0xfa, 0, 0, 0, 1]);

function active(address: string, cltt: number, expiry = 1000): StoredBinding {
  return {
    address,
    bindingStatus: 'ACTIVE',
    ipFlags: 0,
    clientHardwareAddress: { htype: 1, chaddr: CLIENT },
    leaseExpirationTime: expiry,
    clientLastTransactionTime: cltt,
    pendingUpdate: false,
    updateSeq: 1,
  };
}

function storeOf(...bindings: StoredBinding[]): Map<string, StoredBinding> {
  return new Map(bindings.map((binding) => [binding.address, binding]));
}

function lease(client: string, address: string, fromMs: number, untilMs: number): HeldLease {
  return { client, address, fromMs, untilMs };
}

describe('checkCommitted', () => {
  const committed = {
    address: '10.9.0.10',
    bindingStatus: 'ACTIVE',
    clientLastTransactionTime: 50,
  };

  it('finds an update committed before its BNDACK that the store lacks', () => {
    const violations = checkCommitted([committed], storeOf(), 'secondary');

    expect(violations.map((item) => item.property)).toEqual(['lost-update']);
    expect(violations[0]?.detail).toContain('store has no binding');
  });

  it('finds a stored binding older than the committed update', () => {
    const violations = checkCommitted([committed], storeOf(active('10.9.0.10', 49)), 'secondary');

    expect(violations.map((item) => item.property)).toEqual(['lost-update']);
  });

  it('accepts the committed update or a later change of the address', () => {
    expect(checkCommitted([committed], storeOf(active('10.9.0.10', 50)), 'x')).toEqual([]);
    expect(checkCommitted([committed], storeOf(active('10.9.0.10', 51)), 'x')).toEqual([]);
  });
});

describe('checkDuplicates', () => {
  it('finds two clients holding one address at once', () => {
    const violations = checkDuplicates([
      lease('a', '10.9.0.10', 0, 1000),
      lease('b', '10.9.0.10', 999, 2000),
    ]);

    expect(violations.map((item) => item.property)).toEqual(['duplicate-allocation']);
  });

  it('accepts one address held by two clients one after the other', () => {
    const violations = checkDuplicates([
      lease('a', '10.9.0.10', 0, 1000),
      lease('b', '10.9.0.10', 1000, 2000),
      lease('a', '10.9.0.11', 500, 3000),
    ]);

    expect(violations).toEqual([]);
  });
});

describe('checkEqualBindings', () => {
  const skew = { primary: 10, secondary: -5 };

  it('compares lease-expiration-time on the harness clock, less each peer skew', () => {
    const primary = storeOf(active('10.9.0.10', 1, 1010));
    const secondary = storeOf(active('10.9.0.10', 1, 995));

    expect(checkEqualBindings(primary, secondary, skew)).toEqual([]);
    expect(checkEqualBindings(primary, storeOf(active('10.9.0.10', 1, 1010)), skew)).toHaveLength(
      1,
    );
  });

  it('reads RELEASED on one peer and FREE or no row on the other as equal', () => {
    const released: StoredBinding = { ...active('10.9.0.10', 1), bindingStatus: 'RELEASED' };

    expect(checkEqualBindings(storeOf(released), storeOf(), skew)).toEqual([]);
  });

  it('finds ACTIVE on one peer and FREE on the other', () => {
    const violations = checkEqualBindings(storeOf(active('10.9.0.10', 1)), storeOf(), skew);

    expect(violations.map((item) => item.property)).toEqual(['bindings-differ']);
  });

  it('skips an address whose change is still pending on one peer', () => {
    const pending: StoredBinding = { ...active('10.9.0.10', 1), pendingUpdate: true };

    expect(checkEqualBindings(storeOf(pending), storeOf(), skew)).toEqual([]);
  });

  it('names FREE against BACKUP apart from other differences', () => {
    const backup: StoredBinding = { ...active('10.9.0.10', 1), bindingStatus: 'BACKUP' };
    const violations = checkEqualBindings(storeOf(backup), storeOf(), skew);

    expect(violations.map((item) => item.property)).toEqual(['free-backup-differs']);
  });
});

describe('checkHeldLeases', () => {
  it('finds a lease a client holds that one store does not have as ACTIVE', () => {
    const held = [lease('02fa00000001', '10.9.0.10', 0, 1000)];
    const violations = checkHeldLeases(held, {
      primary: storeOf(active('10.9.0.10', 1)),
      secondary: storeOf(),
    });

    expect(violations.map((item) => item.detail)).toEqual([
      '02fa00000001 holds 10.9.0.10, the secondary stores FREE',
    ]);
  });
});

describe('fault script', () => {
  it('gives the same script for the same seed', () => {
    expect(faultScriptOf(99)).toEqual(faultScriptOf(99));
    expect(faultScriptOf(99)).not.toEqual(faultScriptOf(100));
  });

  it('keeps both clock skews within the maxClockSkew of 60 s', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const { skewSeconds } = faultScriptOf(seed);

      expect(Math.abs(skewSeconds.primary - skewSeconds.secondary)).toBeLessThan(60);
    }
  });
});

describe('KillPointTracker', () => {
  it('fires on the count-th matching line only after the arming line', () => {
    const tracker = new KillPointTracker({ ...KILL_POINTS.updreqall, count: 2 });
    const bndupd = { event: 'message.sent', type: 'BNDUPD' };

    expect(tracker.observe(bndupd)).toBe(false);
    expect(tracker.observe({ event: 'message.received', type: 'UPDREQALL' })).toBe(false);
    expect(tracker.observe(bndupd)).toBe(false);
    expect(tracker.observe({ event: 'message.sent', type: 'STATE' })).toBe(false);
    expect(tracker.observe(bndupd)).toBe(true);
  });
});
