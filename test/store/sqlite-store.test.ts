import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StoreError } from '../../src/errors.js';
import { isBindingStatusName } from '../../src/store/binding-row.js';
import { SCHEMA_VERSION, STORE_APPLICATION_ID } from '../../src/store/schema.js';
import { openLeaseStore } from '../../src/store/sqlite-store.js';
import type { EndpointRecord, StoredBinding } from '../../src/store/types.js';
import { BindingStatus, type BindingStatusName } from '../../src/wire/codes.js';
import { fullBinding, minimalBinding, useTempDir } from './helpers.js';

const tempPath = useTempDir();

function catchStoreError(call: () => unknown): StoreError {
  try {
    call();
  } catch (error) {
    if (error instanceof StoreError) {
      return error;
    }
    throw error;
  }
  throw new Error('call succeeded, expected a StoreError');
}

function expectStoreError(call: () => unknown, code: string, message?: string): void {
  const error = catchStoreError(call);
  expect(error.code).toBe(code);
  if (message !== undefined) {
    expect(error.message).toBe(message);
  }
}

const bindingArbitrary: fc.Arbitrary<StoredBinding> = fc.record(
  {
    address: fc.ipV4(),
    bindingStatus: fc.constantFrom(...Object.keys(BindingStatus).filter(isBindingStatusName)),
    ipFlags: fc.integer({ min: 0, max: 0xffff }),
    clientIdentifier: fc.uint8Array({ minLength: 0, maxLength: 255 }),
    clientHardwareAddress: fc.record(
      {
        htype: fc.integer({ min: 0, max: 255 }),
        chaddr: fc.uint8Array({ maxLength: 16 }),
        scopeId: fc.nat({ max: 0xffffffff }),
      },
      { requiredKeys: ['htype', 'chaddr'] },
    ),
    leaseExpirationTime: fc.nat({ max: 0xffffffff }),
    startTimeOfState: fc.nat({ max: 0xffffffff }),
    clientLastTransactionTime: fc.nat({ max: 0xffffffff }),
    sentPet: fc.nat({ max: 0xffffffff }),
    ackedPet: fc.nat({ max: 0xffffffff }),
    receivedPet: fc.nat({ max: 0xffffffff }),
    pendingUpdate: fc.boolean(),
    updateSeq: fc.nat(),
    otherOptions: fc.uint8Array({ maxLength: 64 }),
  },
  { requiredKeys: ['address', 'bindingStatus', 'ipFlags', 'pendingUpdate', 'updateSeq'] },
);

describe('openLeaseStore', () => {
  it('creates a WAL store with synchronous FULL, the schema version and the application_id', () => {
    const path = tempPath('new.db');
    const store = openLeaseStore(path);
    expect(store.durabilitySettings()).toEqual({ journalMode: 'wal', synchronous: 'FULL' });
    store.close();

    const raw = new Database(path, { readonly: true });
    expect(raw.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(raw.pragma('application_id', { simple: true })).toBe(STORE_APPLICATION_ID);
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
  });

  it('initialises an empty existing file', () => {
    const path = tempPath('empty.db');
    new Database(path).close();
    const store = openLeaseStore(path);
    expect(store.countBindings()).toBe(0);
    store.close();
  });

  it('rejects a read-only open of a missing file without creating it', () => {
    const path = tempPath('missing.db');
    expectStoreError(
      () => openLeaseStore(path, { readonly: true }),
      'FO_ERR_STORE_NOT_FOUND',
      `lease store ${path} not found`,
    );
    expect(existsSync(path)).toBe(false);
  });

  it('rejects a path in a missing directory with FO_ERR_STORE_OPEN_FAILED', () => {
    expectStoreError(() => openLeaseStore(tempPath('no/such/dir.db')), 'FO_ERR_STORE_OPEN_FAILED');
  });

  it('opens :memory: for tests of other parts', () => {
    const store = openLeaseStore(':memory:');
    store.putBindings([minimalBinding('192.0.2.1')]);
    expect(store.countBindings()).toBe(1);
    store.close();
  });
});

describe('SqliteLeaseStore bindings', () => {
  it('returns every field as written after a reopen', () => {
    const path = tempPath('round-trip.db');
    const written = fullBinding();
    const store = openLeaseStore(path);
    store.putBindings([written]);
    store.close();

    const reopened = openLeaseStore(path);
    const read = reopened.getBinding(written.address);
    reopened.close();
    expect(read).toEqual(written);
    expect(read?.clientIdentifier).toBeInstanceOf(Uint8Array);
    expect(Buffer.isBuffer(read?.clientIdentifier)).toBe(false);
  });

  it('leaves absent optional fields absent', () => {
    const store = openLeaseStore(tempPath('minimal.db'));
    store.putBindings([minimalBinding('10.0.0.1')]);
    const read = store.getBinding('10.0.0.1');
    store.close();
    expect(read).toStrictEqual(minimalBinding('10.0.0.1'));
  });

  it('round-trips arbitrary bindings', () => {
    fc.assert(
      fc.property(bindingArbitrary, (binding) => {
        const store = openLeaseStore(':memory:');
        store.putBindings([binding]);
        const read = store.getBinding(binding.address);
        store.close();
        expect(read).toEqual(binding);
      }),
    );
  });

  it('sees a committed write from a second handle while the first stays open', () => {
    const path = tempPath('two-handles.db');
    const writer = openLeaseStore(path);
    writer.putBindings([fullBinding()]);
    const reader = openLeaseStore(path, { readonly: true });
    expect(reader.getBinding('10.77.1.5')).toEqual(fullBinding());
    reader.close();
    writer.close();
  });

  it('returns undefined for an address never written', () => {
    const store = openLeaseStore(tempPath('unknown.db'));
    expect(store.getBinding('10.0.0.9')).toBeUndefined();
    store.close();
  });

  it('replaces a binding written again', () => {
    const store = openLeaseStore(tempPath('replace.db'));
    store.putBindings([fullBinding()]);
    const replacement = minimalBinding('10.77.1.5', { bindingStatus: 'EXPIRED', updateSeq: 4 });
    store.putBindings([replacement]);
    expect(store.getBinding('10.77.1.5')).toStrictEqual(replacement);
    expect(store.countBindings()).toBe(1);
    store.close();
  });

  it('orders allBindings by address as a number across pages', () => {
    const store = openLeaseStore(tempPath('order.db'));
    const addresses = [
      '10.0.0.10',
      '9.255.255.255',
      '10.0.0.9',
      '10.0.1.0',
      '255.255.255.255',
      '0.0.0.0',
    ];
    for (let i = 0; i < 1200; i++) {
      addresses.push(`172.16.${i >> 8}.${i & 0xff}`);
    }
    store.putBindings(addresses.map((address) => minimalBinding(address)));

    const listed = [...store.allBindings()].map((binding) => binding.address);
    store.close();
    const numeric = (address: string) =>
      address.split('.').reduce((value, octet) => value * 256 + Number(octet), 0);
    expect(listed).toHaveLength(addresses.length);
    expect(listed).toEqual([...addresses].sort((a, b) => numeric(a) - numeric(b)));
    expect(listed.slice(0, 4)).toEqual(['0.0.0.0', '9.255.255.255', '10.0.0.9', '10.0.0.10']);
  });

  it('allows writes while allBindings is iterating', () => {
    const store = openLeaseStore(tempPath('iterate-write.db'));
    const addresses = Array.from({ length: 1100 }, (_, i) => `10.1.${i >> 8}.${i & 0xff}`);
    store.putBindings(addresses.map((address) => minimalBinding(address)));
    let seen = 0;
    for (const binding of store.allBindings()) {
      store.putBindings([{ ...binding, bindingStatus: 'BACKUP' }]);
      seen += 1;
    }
    expect(seen).toBe(1100);
    expect([...store.allBindings()].every((binding) => binding.bindingStatus === 'BACKUP')).toBe(
      true,
    );
    store.close();
  });

  it('writes nothing from a batch with one invalid binding', () => {
    const store = openLeaseStore(tempPath('atomic.db'));
    const batch = [
      minimalBinding('10.0.0.1'),
      minimalBinding('10.0.0.2', { leaseExpirationTime: -1 }),
    ];
    expectStoreError(
      () => store.putBindings(batch),
      'FO_ERR_STORE_INVALID_BINDING',
      'binding 10.0.0.2 field leaseExpirationTime -1, expected an integer 0..4294967295',
    );
    expect(store.countBindings()).toBe(0);
    store.close();
  });

  it.each([
    ['address', { address: '10.0.0.256' }],
    ['address', { address: '010.0.0.1' }],
    ['bindingStatus', { bindingStatus: 'LEASED' as BindingStatusName }],
    ['ipFlags', { ipFlags: 0x10000 }],
    ['startTimeOfState', { startTimeOfState: 1.5 }],
    [
      'clientHardwareAddress.htype',
      { clientHardwareAddress: { htype: 256, chaddr: Uint8Array.of(1) } },
    ],
    ['updateSeq', { updateSeq: -1 }],
  ])('rejects an invalid %s', (field, overrides) => {
    const store = openLeaseStore(':memory:');
    const error = catchStoreError(() => store.putBindings([minimalBinding('10.0.0.1', overrides)]));
    store.close();
    expect(error.code).toBe('FO_ERR_STORE_INVALID_BINDING');
    expect(error.message).toContain(`field ${field} `);
  });

  it('rejects a write that lowers updateSeq and rolls back its whole batch', () => {
    const store = openLeaseStore(tempPath('seq.db'));
    store.putBindings([minimalBinding('10.0.0.1', { updateSeq: 5 })]);
    expectStoreError(
      () =>
        store.putBindings([
          minimalBinding('10.0.0.2', { updateSeq: 1 }),
          minimalBinding('10.0.0.1', { updateSeq: 4 }),
        ]),
      'FO_ERR_STORE_UPDATE_SEQ_DECREASED',
      'binding 10.0.0.1 updateSeq 4, expected at least the stored 5',
    );
    expect(store.getBinding('10.0.0.2')).toBeUndefined();
    expect(store.getBinding('10.0.0.1')?.updateSeq).toBe(5);
    store.close();
  });

  it('accepts a rewrite at the same updateSeq', () => {
    const store = openLeaseStore(':memory:');
    store.putBindings([fullBinding({ sentPet: undefined })]);
    store.putBindings([fullBinding()]);
    expect(store.getBinding('10.77.1.5')?.sentPet).toBe(fullBinding().sentPet);
    store.close();
  });

  it('rejects writes on a read-only store with FO_ERR_STORE_READONLY', () => {
    const path = tempPath('readonly.db');
    openLeaseStore(path).close();
    const store = openLeaseStore(path, { readonly: true });
    expectStoreError(
      () => store.putBindings([minimalBinding('10.0.0.1')]),
      'FO_ERR_STORE_READONLY',
    );
    expectStoreError(() => store.markAllPending(), 'FO_ERR_STORE_READONLY');
    store.close();
  });

  it('rejects getBinding of a non-address', () => {
    const store = openLeaseStore(':memory:');
    expectStoreError(() => store.getBinding('host.example'), 'FO_ERR_STORE_INVALID_BINDING');
    store.close();
  });
});

describe('SqliteLeaseStore pending updates', () => {
  it('lists pending bindings oldest change first, at most limit', () => {
    const store = openLeaseStore(tempPath('pending.db'));
    store.putBindings([
      minimalBinding('10.0.0.3', { pendingUpdate: true, updateSeq: 1 }),
      minimalBinding('10.0.0.1', { pendingUpdate: true, updateSeq: 1 }),
    ]);
    store.putBindings([minimalBinding('10.0.0.2', { pendingUpdate: false })]);
    store.putBindings([minimalBinding('10.0.0.3', { pendingUpdate: true, updateSeq: 2 })]);

    const order = (limit: number) => store.pendingBindings(limit).map((binding) => binding.address);
    expect(order(10)).toEqual(['10.0.0.1', '10.0.0.3']);
    expect(order(1)).toEqual(['10.0.0.1']);
    expect(order(0)).toEqual([]);
    expect(store.countPending()).toBe(2);
    store.close();
  });

  it('keeps the place of a binding rewritten at the same updateSeq', () => {
    const store = openLeaseStore(':memory:');
    store.putBindings([minimalBinding('10.0.0.1', { pendingUpdate: true, updateSeq: 1 })]);
    store.putBindings([minimalBinding('10.0.0.2', { pendingUpdate: true, updateSeq: 1 })]);
    store.putBindings([
      minimalBinding('10.0.0.1', { pendingUpdate: true, updateSeq: 1, sentPet: 5 }),
    ]);
    const pending = store.pendingBindings(10);
    store.close();
    expect(pending.map((binding) => binding.address)).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(pending[0]?.sentPet).toBe(5);
  });

  it('keeps the oldest-first order across two connections to one file', () => {
    const path = tempPath('two-writers.db');
    const first = openLeaseStore(path);
    const second = openLeaseStore(path);
    first.putBindings([minimalBinding('10.0.0.9', { pendingUpdate: true })]);
    second.putBindings([minimalBinding('10.0.0.5', { pendingUpdate: true })]);
    first.putBindings([minimalBinding('10.0.0.1', { pendingUpdate: true })]);
    expect(first.pendingBindings(10).map((binding) => binding.address)).toEqual([
      '10.0.0.9',
      '10.0.0.5',
      '10.0.0.1',
    ]);
    second.close();
    first.close();
  });

  it('rejects a negative pending limit', () => {
    const store = openLeaseStore(':memory:');
    expectStoreError(() => store.pendingBindings(-1), 'FO_ERR_STORE_INVALID_LIMIT');
    store.close();
  });

  it('clears pending and records ackedPet when updateSeq still matches (FO-7.2.2-a)', () => {
    const path = tempPath('ack.db');
    const store = openLeaseStore(path);
    store.putBindings([fullBinding({ updateSeq: 7, ackedPet: undefined })]);
    store.acknowledgeUpdate('10.77.1.5', 7, 1796003600);
    store.close();

    const reopened = openLeaseStore(path, { readonly: true });
    const read = reopened.getBinding('10.77.1.5');
    reopened.close();
    expect(read?.pendingUpdate).toBe(false);
    expect(read?.ackedPet).toBe(1796003600);
  });

  it('ignores a BNDACK for an older updateSeq', () => {
    const store = openLeaseStore(tempPath('stale-ack.db'));
    store.putBindings([fullBinding({ updateSeq: 1, ackedPet: 100 })]);
    store.putBindings([fullBinding({ updateSeq: 2, ackedPet: 100 })]);
    store.acknowledgeUpdate('10.77.1.5', 1, 200);
    const read = store.getBinding('10.77.1.5');
    store.close();
    expect(read?.pendingUpdate).toBe(true);
    expect(read?.ackedPet).toBe(100);
  });

  it('keeps the previous ackedPet when the BNDUPD carried none', () => {
    const store = openLeaseStore(':memory:');
    store.putBindings([fullBinding({ updateSeq: 1, ackedPet: 100 })]);
    store.acknowledgeUpdate('10.77.1.5', 1, undefined);
    const read = store.getBinding('10.77.1.5');
    store.close();
    expect(read?.pendingUpdate).toBe(false);
    expect(read?.ackedPet).toBe(100);
  });

  it('ignores an acknowledgement for an unknown address', () => {
    const store = openLeaseStore(':memory:');
    store.acknowledgeUpdate('10.0.0.1', 1, 100);
    expect(store.countBindings()).toBe(0);
    store.close();
  });

  it('marks every binding pending without changing updateSeq (FO-5.17-b)', () => {
    const path = tempPath('mark-all.db');
    const store = openLeaseStore(path);
    store.putBindings([minimalBinding('10.0.0.2', { updateSeq: 4 })]);
    store.putBindings([minimalBinding('10.0.0.1', { updateSeq: 9 })]);
    store.putBindings([minimalBinding('10.0.0.3', { pendingUpdate: true, updateSeq: 1 })]);
    store.markAllPending();
    store.close();

    const reopened = openLeaseStore(path);
    expect(reopened.countPending()).toBe(3);
    expect(reopened.pendingBindings(10).map((b) => [b.address, b.updateSeq])).toEqual([
      ['10.0.0.2', 4],
      ['10.0.0.1', 9],
      ['10.0.0.3', 1],
    ]);
    reopened.close();
  });
});

describe('SqliteLeaseStore endpoint records', () => {
  const record: EndpointRecord = {
    relationship: 'dhcp-failover',
    state: 'PARTNER-DOWN',
    startTimeOfState: 1795900000,
    previousState: 'COMMUNICATIONS-INTERRUPTED',
    mclt: 3600,
    lastOperatingTime: 1795900500,
    hasSyncedBefore: true,
  };

  it('keeps one record per relationship across a reopen (FO-9.2-e)', () => {
    const path = tempPath('endpoint.db');
    const store = openLeaseStore(path);
    store.writeEndpoint(record);
    store.writeEndpoint({
      relationship: 'other',
      state: 'NORMAL',
      startTimeOfState: 1,
      lastOperatingTime: 2,
      hasSyncedBefore: false,
    });
    store.writeEndpoint({
      ...record,
      state: 'RECOVER-WAIT',
      previousState: undefined,
      mclt: undefined,
    });
    store.close();

    const reopened = openLeaseStore(path, { readonly: true });
    expect(reopened.readEndpoint('dhcp-failover')).toStrictEqual({
      relationship: 'dhcp-failover',
      state: 'RECOVER-WAIT',
      startTimeOfState: 1795900000,
      lastOperatingTime: 1795900500,
      hasSyncedBefore: true,
    });
    expect(reopened.readEndpoint('other')?.state).toBe('NORMAL');
    expect(reopened.readEndpoint('missing')).toBeUndefined();
    reopened.close();
  });

  it('returns every field as written', () => {
    const store = openLeaseStore(':memory:');
    store.writeEndpoint(record);
    expect(store.readEndpoint('dhcp-failover')).toStrictEqual(record);
    store.close();
  });

  it('rejects an unknown state name', () => {
    const store = openLeaseStore(':memory:');
    expectStoreError(
      () => store.writeEndpoint({ ...record, state: 'RUNNING' as EndpointRecord['state'] }),
      'FO_ERR_STORE_INVALID_ENDPOINT',
    );
    store.close();
  });
});
