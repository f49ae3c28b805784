// Each invariant of the model check against worlds built to break it, and the visited-set key
// against renamed clients, so that a failing check points at one property.

import { describe, expect, it } from 'vitest';
import { createCheckRuntime } from '../../model/check/explore.js';
import { initialWorld } from '../../model/check/initial-world.js';
import { invariants } from '../../model/check/invariants.js';
import { defaultBounds, defaultModelOptions } from '../../model/check/model-options.js';
import { withLease, type World } from '../../model/check/world.js';

const runtime = createCheckRuntime(defaultModelOptions, defaultBounds);
const start = initialWorld(runtime);

function invariantNamed(name: string) {
  const invariant = invariants.find((candidate) => candidate.name === name);
  if (invariant === undefined) {
    throw new Error(`no invariant ${name}`);
  }

  return invariant;
}

function activeCopy(world: World, role: 'primary' | 'secondary', address: number, changes: object) {
  const lease = world.servers[role].leases[address];
  if (lease === undefined) {
    throw new Error(`no address ${address}`);
  }

  return withLease(world, role, address, {
    value: 'ACTIVE',
    context: { ...lease.context, client: 'client-1', ...changes },
  });
}

describe('initial world', () => {
  it('starts with both endpoints NORMAL and the first address lent', () => {
    const { primary, secondary } = start.world.servers;

    expect(primary.endpoint.value).toBe('NORMAL');
    expect(secondary.endpoint.value).toBe('NORMAL');
    expect(primary.leases.map((lease) => lease.value)).toEqual(['BACKUP', 'FREE']);
    expect(secondary.leases.map((lease) => lease.value)).toEqual(['BACKUP', 'FREE']);
    expect(start.world.inFlight).toEqual({ primary: [], secondary: [] });
  });

  it('satisfies every invariant', () => {
    for (const invariant of invariants) {
      expect(invariant.check(start.world, runtime), invariant.name).toBeUndefined();
    }
  });
});

describe('single-client-per-address', () => {
  const invariant = invariantNamed('single-client-per-address');

  it('reports an address leased to two clients (draft-12 goal 5)', () => {
    const world: World = {
      ...start.world,
      clientLeases: [
        { address: 1, client: 'client-1', expiry: 3 },
        { address: 1, client: 'client-2', expiry: 2 },
      ],
    };

    expect(invariant.check(world, runtime)).toBe(
      '10.0.0.2 is leased to client-1 until 3 and to client-2 until 2 at tick 0',
    );
  });

  it('accepts two clients on two addresses', () => {
    const world: World = {
      ...start.world,
      clientLeases: [
        { address: 0, client: 'client-1', expiry: 3 },
        { address: 1, client: 'client-2', expiry: 2 },
      ],
    };

    expect(invariant.check(world, runtime)).toBeUndefined();
  });
});

describe('lease-within-mclt', () => {
  const invariant = invariantNamed('lease-within-mclt');

  it('reports a lease beyond MCLT past the acknowledged PET (FO-5.2.1-c)', () => {
    const world = activeCopy(start.world, 'secondary', 0, {
      leaseExpirationTime: 8,
      clientLastTransactionTime: 1,
      ackedPet: 5,
    });

    expect(invariant.check(world, runtime)).toBe(
      'secondary stores 10.0.0.1 ACTIVE until 8, beyond the bound 7 (given at 1, acked-PET 5, ' +
        'received-PET none, MCLT 2)',
    );
  });

  it('accepts a lease exactly at the bound (FO-7.1.5-c)', () => {
    const world = activeCopy(start.world, 'secondary', 0, {
      leaseExpirationTime: 7,
      clientLastTransactionTime: 1,
      ackedPet: 5,
    });

    expect(invariant.check(world, runtime)).toBeUndefined();
  });
});

describe('normal-bindings-agree', () => {
  const invariant = invariantNamed('normal-bindings-agree');

  it('reports differing binding-statuses between settled NORMAL partners', () => {
    const world = activeCopy(start.world, 'primary', 1, { leaseExpirationTime: 2 });

    expect(invariant.check(world, runtime)).toBe(
      '10.0.0.2 is ACTIVE (client-1) on the primary but FREE (no client) on the secondary',
    );
  });

  it('waits while a change is pending (FO-5.16-a)', () => {
    const world = activeCopy(start.world, 'primary', 1, {
      leaseExpirationTime: 2,
      pendingUpdate: true,
    });

    expect(invariant.check(world, runtime)).toBeUndefined();
  });
});

describe('world key', () => {
  it('is the same for worlds that differ only in client names', () => {
    const first: World = {
      ...start.world,
      clientLeases: [{ address: 0, client: 'client-1', expiry: 2 }],
    };
    const second: World = {
      ...start.world,
      clientLeases: [{ address: 0, client: 'client-2', expiry: 2 }],
    };

    expect(runtime.texts.worldKey(first)).toBe(runtime.texts.worldKey(second));
  });

  it('differs for worlds with different lease expiries', () => {
    const first: World = {
      ...start.world,
      clientLeases: [{ address: 0, client: 'client-1', expiry: 2 }],
    };
    const second: World = {
      ...start.world,
      clientLeases: [{ address: 0, client: 'client-1', expiry: 3 }],
    };

    expect(runtime.texts.worldKey(first)).not.toBe(runtime.texts.worldKey(second));
  });
});
