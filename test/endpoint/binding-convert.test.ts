import { describe, expect, it } from 'vitest';
import {
  localUpdateOf,
  potentialExpirationOf,
  storedFromUpdate,
  updateFromStored,
} from '../../src/endpoint/binding-convert.js';
import { sampleActiveBindings } from '../../src/endpoint/sample-bindings.js';
import type { StoredBinding } from '../../src/store/types.js';
import { BindingStatus } from '../../src/wire/codes.js';

const T0 = 1_700_000_000;
const [active] = sampleActiveBindings(1, '192.0.2.20', T0) as [StoredBinding];

describe('updateFromStored', () => {
  it('sends lease and potential expiration only with ACTIVE (Table 7.1-1)', () => {
    const free: StoredBinding = { ...active, bindingStatus: 'FREE' };

    const update = updateFromStored(free, undefined, []);

    expect(update.bindingStatus).toBe(BindingStatus.FREE);
    expect(update.leaseExpirationTime).toBeUndefined();
    expect(update.potentialExpirationTime).toBeUndefined();
  });

  it('sends no client identity with ABANDONED (Table 7.1-1)', () => {
    const update = updateFromStored({ ...active, bindingStatus: 'ABANDONED' }, undefined, []);

    expect(update.clientIdentifier).toBeUndefined();
    expect(update.clientHardwareAddress).toBeUndefined();
  });

  it('leaves IP-flags out when no flag is set (FO-7.1.1-e)', () => {
    expect(updateFromStored(active, 1, []).ipFlags).toBeUndefined();
    expect(updateFromStored({ ...active, ipFlags: 2 }, 1, []).ipFlags).toBe(2);
  });
});

describe('potentialExpirationOf', () => {
  it('sends a PET later than the lease expiry when none is recorded (FO-7.1.1-f)', () => {
    expect(potentialExpirationOf(active, 600)).toBe((active.leaseExpirationTime ?? 0) + 600);
  });

  it('keeps the latest recorded PET when it is later (FO-7.1.1-g)', () => {
    const later = (active.leaseExpirationTime ?? 0) + 5000;

    expect(potentialExpirationOf({ ...active, ackedPet: later }, 600)).toBe(later);
  });

  it('sends an infinite PET for an infinite lease, within uint32 (FO-7.1.1-f, FO-5.14-a)', () => {
    const infinite = { ...active, leaseExpirationTime: 0xffff_ffff, receivedPet: 0xffff_ffff };

    expect(potentialExpirationOf(infinite, 600)).toBe(0xffff_ffff);
    expect(potentialExpirationOf({ ...infinite, receivedPet: undefined }, 600)).toBe(0xffff_ffff);
  });

  it('stops the PET at 0xffffffff for a lease that ends within MCLT of it', () => {
    expect(potentialExpirationOf({ ...active, leaseExpirationTime: 0xffff_ff00 }, 600)).toBe(
      0xffff_ffff,
    );
  });
});

describe('storedFromUpdate', () => {
  it('stores an accepted RELEASED as FREE from now and not pending (FO-5.11-e, FO-5.5-c)', () => {
    const update = {
      address: active.address,
      bindingStatus: BindingStatus.RELEASED,
      otherOptions: [],
    };

    const stored = storedFromUpdate(update, 'RELEASED', active, T0 + 10, undefined);

    expect(stored.bindingStatus).toBe('FREE');
    expect(stored.startTimeOfState).toBe(T0 + 10);
    expect(stored.pendingUpdate).toBe(false);
    expect(stored.updateSeq).toBe(active.updateSeq + 1);
  });

  it('keeps the later expiry when the same client renews (FO-7.1.5-a)', () => {
    const shorter = updateFromStored(active, undefined, []);
    shorter.leaseExpirationTime = (active.leaseExpirationTime ?? 0) - 100;

    const stored = storedFromUpdate(shorter, 'ACTIVE', active, T0, undefined);

    expect(stored.leaseExpirationTime).toBe(active.leaseExpirationTime);
  });

  it('stays pending when it keeps a later expiry than the update (FO-7.1.5-a)', () => {
    const shorter = updateFromStored(active, undefined, []);
    shorter.leaseExpirationTime = (active.leaseExpirationTime ?? 0) - 100;
    const same = updateFromStored(active, undefined, []);

    expect(storedFromUpdate(shorter, 'ACTIVE', active, T0, undefined).pendingUpdate).toBe(true);
    expect(storedFromUpdate(same, 'ACTIVE', active, T0, undefined).pendingUpdate).toBe(false);
  });
});

describe('localUpdateOf', () => {
  it('subtracts the clock delta and drops zero times (FO-7.8.2-g, ISC-13)', () => {
    const update = localUpdateOf(
      {
        address: '192.0.2.20',
        bindingStatus: BindingStatus.FREE,
        leaseExpirationTime: 0,
        startTimeOfState: T0 + 30,
        otherOptions: [],
      },
      30,
    );

    expect(update.leaseExpirationTime).toBeUndefined();
    expect(update.startTimeOfState).toBe(T0);
  });
});
