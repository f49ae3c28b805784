import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/store/schema.js';
import { openLeaseStore } from '../../src/store/sqlite-store.js';
import type { StoreChange } from '../../src/store/types.js';
import { INFINITE_TIME } from '../../src/wire/codes.js';
import { minimalBinding, useTempDir } from './helpers.js';

const tempPath = useTempDir();

const CHADDR_A = Uint8Array.of(2, 0, 0, 0, 0, 0xa);
const CHADDR_B = Uint8Array.of(2, 0, 0, 0, 0, 0xb);
const CLIENT_ID_A = Uint8Array.of(1, 2, 0, 0, 0, 0, 0xa);

function hardware(chaddr: Uint8Array) {
  return { htype: 1, chaddr };
}

/** Returns the query plan details SQLite chooses for `sql` on a fresh store. */
function planOf(sql: string): string {
  const path = tempPath('plan.db');
  openLeaseStore(path).close();
  const db = new Database(path, { readonly: true });
  const rows = db.prepare<[], { detail: string }>(`EXPLAIN QUERY PLAN ${sql}`).all();
  db.close();
  return rows.map((row) => row.detail).join(' | ');
}

describe('clientBindings', () => {
  it('finds bindings by client-identifier and by hardware address', () => {
    const store = openLeaseStore(':memory:');
    store.putBindings([
      minimalBinding('192.0.2.1', { clientIdentifier: CLIENT_ID_A }),
      minimalBinding('192.0.2.2', { clientHardwareAddress: hardware(CHADDR_A) }),
      minimalBinding('192.0.2.3', { clientHardwareAddress: hardware(CHADDR_B) }),
      minimalBinding('192.0.2.4'),
    ]);

    const found = store.clientBindings({ clientIdentifier: CLIENT_ID_A, ...hardware(CHADDR_A) });

    expect(found.map((binding) => binding.address)).toEqual(['192.0.2.1', '192.0.2.2']);
  });

  it('ignores a hardware address of another htype', () => {
    const store = openLeaseStore(':memory:');
    store.putBindings([
      minimalBinding('192.0.2.2', { clientHardwareAddress: { htype: 6, chaddr: CHADDR_A } }),
    ]);

    expect(store.clientBindings(hardware(CHADDR_A))).toEqual([]);
  });

  it('looks clients up through indexes', () => {
    const plan = planOf(
      `SELECT * FROM binding WHERE (client_identifier = x'01' AND client_identifier IS NOT NULL)
       OR (chaddr = x'02' AND chaddr IS NOT NULL AND htype = 1) ORDER BY address`,
    );

    expect(plan).toContain('binding_client_identifier');
    expect(plan).toContain('binding_chaddr');
  });
});

describe('bindingsWithStatus', () => {
  it('returns bindings of one binding-status inside the range, by address', () => {
    const store = openLeaseStore(':memory:');
    store.putBindings([
      minimalBinding('192.0.2.9', { bindingStatus: 'BACKUP' }),
      minimalBinding('192.0.2.3', { bindingStatus: 'BACKUP' }),
      minimalBinding('192.0.2.5', { bindingStatus: 'FREE' }),
      minimalBinding('192.0.2.30', { bindingStatus: 'BACKUP' }),
    ]);

    const found = store.bindingsWithStatus(
      'BACKUP',
      { first: '192.0.2.1', last: '192.0.2.20' },
      10,
    );

    expect(found.map((binding) => binding.address)).toEqual(['192.0.2.3', '192.0.2.9']);
  });

  it('continues after the given address and stops at the limit', () => {
    const store = openLeaseStore(':memory:');
    const addresses = ['192.0.2.3', '192.0.2.4', '192.0.2.5', '192.0.2.6'];
    store.putBindings(addresses.map((address) => minimalBinding(address)));
    const range = { first: '192.0.2.1', last: '192.0.2.20', after: '192.0.2.3' };

    const found = store.bindingsWithStatus('FREE', range, 2);

    expect(found.map((binding) => binding.address)).toEqual(['192.0.2.4', '192.0.2.5']);
  });
});

describe('firstUnstoredAddress', () => {
  it('returns the first address of the range when it was never stored', () => {
    const store = openLeaseStore(':memory:');

    expect(store.firstUnstoredAddress('192.0.2.1', '192.0.2.9')).toBe('192.0.2.1');
  });

  it('skips the run of stored addresses at the start of the range', () => {
    const store = openLeaseStore(':memory:');
    store.putBindings(['192.0.2.1', '192.0.2.2', '192.0.2.4'].map((a) => minimalBinding(a)));

    expect(store.firstUnstoredAddress('192.0.2.1', '192.0.2.9')).toBe('192.0.2.3');
  });

  it('moves on once the address it returned is stored', () => {
    const store = openLeaseStore(':memory:');
    store.putBindings([minimalBinding('192.0.2.1')]);
    const before = store.firstUnstoredAddress('192.0.2.1', '192.0.2.9');
    store.putBindings([minimalBinding('192.0.2.2'), minimalBinding('192.0.2.3')]);

    expect(before).toBe('192.0.2.2');
    expect(store.firstUnstoredAddress('192.0.2.1', '192.0.2.9')).toBe('192.0.2.4');
  });

  it('returns the whole run of unstored addresses up to the next stored one', () => {
    const store = openLeaseStore(':memory:');
    store.putBindings(['192.0.2.1', '192.0.2.5'].map((a) => minimalBinding(a)));

    expect(store.firstUnstoredRange('192.0.2.1', '192.0.2.9')).toEqual({
      first: '192.0.2.2',
      last: '192.0.2.4',
    });
    expect(store.firstUnstoredRange('192.0.2.5', '192.0.2.9')).toEqual({
      first: '192.0.2.6',
      last: '192.0.2.9',
    });
  });

  it('returns undefined when every address of the range is stored', () => {
    const store = openLeaseStore(':memory:');
    store.putBindings(['192.0.2.1', '192.0.2.2', '192.0.2.3'].map((a) => minimalBinding(a)));

    expect(store.firstUnstoredAddress('192.0.2.1', '192.0.2.3')).toBeUndefined();
  });
});

describe('lease expiry queries', () => {
  it('returns the earliest finite expiry of an ACTIVE binding', () => {
    const store = openLeaseStore(':memory:');
    store.putBindings([
      minimalBinding('192.0.2.1', { bindingStatus: 'ACTIVE', leaseExpirationTime: INFINITE_TIME }),
      minimalBinding('192.0.2.2', { bindingStatus: 'ACTIVE', leaseExpirationTime: 2000 }),
      minimalBinding('192.0.2.3', { bindingStatus: 'EXPIRED', leaseExpirationTime: 1000 }),
      minimalBinding('192.0.2.4', { bindingStatus: 'ACTIVE', leaseExpirationTime: 3000 }),
    ]);

    expect(store.earliestLeaseExpiration()).toBe(2000);
    expect(store.leasesExpiringBefore(3000, 10).map((binding) => binding.address)).toEqual([
      '192.0.2.2',
    ]);
  });

  it('returns undefined without ACTIVE bindings', () => {
    const store = openLeaseStore(':memory:');
    store.putBindings([minimalBinding('192.0.2.1')]);

    expect(store.earliestLeaseExpiration()).toBeUndefined();
  });

  it('separates acknowledged and pending transient bindings', () => {
    const store = openLeaseStore(':memory:');
    store.putBindings([
      minimalBinding('192.0.2.1', { bindingStatus: 'RELEASED', pendingUpdate: true }),
      minimalBinding('192.0.2.2', { bindingStatus: 'EXPIRED' }),
      minimalBinding('192.0.2.3', { bindingStatus: 'RESET' }),
      minimalBinding('192.0.2.4', { bindingStatus: 'ABANDONED' }),
    ]);

    const acknowledged = store.transientBindings(false).map((binding) => binding.address);

    expect(acknowledged).toEqual(['192.0.2.2', '192.0.2.3']);
    expect(store.transientBindings(true).map((binding) => binding.address)).toEqual(['192.0.2.1']);
    expect(store.hasTransientBindings(false)).toBe(true);
  });

  it('finds due leases and transient bindings through indexes', () => {
    const expiring = planOf(
      `SELECT * FROM binding WHERE binding_status = 2 AND lease_expiration_time < 5
       ORDER BY lease_expiration_time LIMIT 5`,
    );
    const transient = planOf(
      `SELECT * FROM binding WHERE binding_status IN (3, 4, 6) AND pending_update = 0
       ORDER BY pending_update, address`,
    );

    expect(expiring).toContain('binding_status_expiration');
    expect(transient).toContain('binding_transient');
  });
});

describe('onChange', () => {
  it('reports written bindings and acknowledgements until removed', () => {
    const store = openLeaseStore(':memory:');
    const changes: StoreChange['kind'][] = [];
    const remove = store.onChange((change) => changes.push(change.kind));

    store.putBindings([minimalBinding('192.0.2.1', { pendingUpdate: true, updateSeq: 1 })]);
    store.acknowledgeUpdate('192.0.2.1', 1, undefined);
    store.markAllPending();
    remove();
    store.putBindings([minimalBinding('192.0.2.2')]);

    expect(changes).toEqual(['bindings', 'acknowledgements', 'all-pending']);
  });
});

describe('schema version 2', () => {
  it('upgrades a version 1 file and keeps its bindings', () => {
    const path = tempPath('version-1.db');
    const db = new Database(path);
    MIGRATIONS[0]?.apply(db);
    db.pragma('user_version = 1');
    db.close();
    const writer = openLeaseStore(path);
    writer.putBindings([minimalBinding('192.0.2.1', { bindingStatus: 'BACKUP' })]);
    writer.close();

    const raw = new Database(path, { readonly: true });
    const indexes = raw
      .prepare<[], string>("SELECT name FROM sqlite_master WHERE type = 'index'")
      .pluck()
      .all();
    const version = raw.pragma('user_version', { simple: true });
    raw.close();

    expect(version).toBe(SCHEMA_VERSION);
    expect(indexes).toContain('binding_status_address');
    expect(openLeaseStore(path, { readonly: true }).countBindings()).toBe(1);
  });

  it('opens a version 1 file read-only without upgrading it', () => {
    const path = tempPath('version-1-readonly.db');
    const db = new Database(path);
    MIGRATIONS[0]?.apply(db);
    db.pragma('user_version = 1');
    db.close();

    const reader = openLeaseStore(path, { readonly: true });
    const count = reader.countBindings();
    reader.close();
    const raw = new Database(path, { readonly: true });
    const version = raw.pragma('user_version', { simple: true });
    raw.close();

    expect(count).toBe(0);
    expect(version).toBe(1);
  });
});
