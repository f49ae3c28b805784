import { describe, expect, it } from 'vitest';
import {
  chooseAddress,
  findClientBinding,
  type AllocationContext,
} from '../../src/dhcp/allocation.js';
import { formatIPv4, parseIPv4 } from '../../src/store/ipv4.js';
import { openLeaseStore } from '../../src/store/sqlite-store.js';
import type { LeaseStore, StoredBinding } from '../../src/store/types.js';

const NOW = 1_767_225_600;
const POOL = { start: '10.1.0.1', end: '10.1.15.254' };
const CLIENT = { htype: 1, chaddr: Uint8Array.of(2, 0, 0, 0, 0xc1, 1) };

/** A store that raises on allBindings, so a test fails when a lookup reads every binding. */
function storeWithoutFullScans(store: LeaseStore): LeaseStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'allBindings') {
        throw new Error('allBindings read during allocation');
      }

      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

function leased(value: number, chaddr: Uint8Array, overrides: Partial<StoredBinding> = {}) {
  return {
    address: formatIPv4(value),
    bindingStatus: 'ACTIVE' as const,
    ipFlags: 0,
    clientHardwareAddress: { htype: 1, chaddr },
    leaseExpirationTime: NOW + 3600,
    clientLastTransactionTime: NOW - 10,
    pendingUpdate: false,
    updateSeq: 1,
    ...overrides,
  };
}

function contextOver(store: LeaseStore, role: 'primary' | 'secondary'): AllocationContext {
  return {
    store: storeWithoutFullScans(store),
    role,
    state: 'COMMUNICATIONS-INTERRUPTED',
    startTimeOfState: NOW - 100,
    pools: [POOL],
    mclt: 600,
    now: NOW,
    desiredLease: 3600,
  };
}

describe('chooseAddress over a large store', () => {
  const first = parseIPv4(POOL.start) ?? 0;
  const store = openLeaseStore(':memory:');
  const others = Array.from({ length: 2000 }, (_, index) =>
    leased(first + index, Uint8Array.of(2, 0, 0, 1, index >> 8, index & 0xff)),
  );
  store.putBindings(others);
  store.putBindings([
    {
      ...leased(first + 3000, CLIENT.chaddr),
      bindingStatus: 'BACKUP',
      clientHardwareAddress: undefined,
    },
  ]);

  it('offers the first never-stored address without reading every binding', () => {
    const chosen = chooseAddress(contextOver(store, 'primary'), CLIENT, undefined, new Set());

    expect(chosen).toBe(formatIPv4(first + 2000));
  });

  it('skips addresses held for other clients', () => {
    const held = new Set([formatIPv4(first + 2000), formatIPv4(first + 2001)]);

    const chosen = chooseAddress(contextOver(store, 'primary'), CLIENT, undefined, held);

    expect(chosen).toBe(formatIPv4(first + 2002));
  });

  it('offers a secondary its BACKUP address (FO-5.4-a)', () => {
    const chosen = chooseAddress(contextOver(store, 'secondary'), CLIENT, undefined, new Set());

    expect(chosen).toBe(formatIPv4(first + 3000));
  });

  it('finds the client binding used last among several', () => {
    const own = openLeaseStore(':memory:');
    own.putBindings([
      leased(first, CLIENT.chaddr, { bindingStatus: 'FREE', clientLastTransactionTime: NOW - 50 }),
      leased(first + 1, CLIENT.chaddr, {
        bindingStatus: 'FREE',
        clientLastTransactionTime: NOW - 5,
      }),
    ]);

    const found = findClientBinding(contextOver(own, 'primary'), CLIENT);

    expect(found?.address).toBe(formatIPv4(first + 1));
  });
});
