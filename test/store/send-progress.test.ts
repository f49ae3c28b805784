// The narrow writes and reads of the update sender: recordSendProgress, getBindings and
// pendingAddresses.

import { describe, expect, it } from 'vitest';
import { openLeaseStore } from '../../src/store/sqlite-store.js';
import { fullBinding, minimalBinding, storeErrorCode, useTempDir } from './helpers.js';

const tempPath = useTempDir();

describe('SqliteLeaseStore recordSendProgress', () => {
  it('commits acknowledgements and sent PETs that a reopened store reads back (FO-7.2.2-a, FO-7.1.1-g)', () => {
    const path = tempPath('progress.db');
    const store = openLeaseStore(path);
    store.putBindings([
      fullBinding({ address: '10.77.1.5', updateSeq: 4, ackedPet: undefined }),
      fullBinding({ address: '10.77.1.6', updateSeq: 2, sentPet: undefined }),
    ]);
    store.recordSendProgress({
      acknowledged: [{ address: '10.77.1.5', updateSeq: 4, ackedPet: 1796003600 }],
      sentPets: [{ address: '10.77.1.6', sentPet: 1796007200 }],
    });
    store.close();

    const reopened = openLeaseStore(path, { readonly: true });
    const acked = reopened.getBinding('10.77.1.5');
    const sent = reopened.getBinding('10.77.1.6');
    reopened.close();
    expect(acked?.pendingUpdate).toBe(false);
    expect(acked?.ackedPet).toBe(1796003600);
    expect(sent?.sentPet).toBe(1796007200);
    expect(sent?.pendingUpdate).toBe(true);
  });

  it('ignores an acknowledgement for an older updateSeq, so the newer change stays pending', () => {
    const store = openLeaseStore(tempPath('stale.db'));
    store.putBindings([fullBinding({ updateSeq: 1, ackedPet: 100 })]);
    store.putBindings([fullBinding({ updateSeq: 2, ackedPet: 100 })]);
    store.recordSendProgress({
      acknowledged: [{ address: '10.77.1.5', updateSeq: 1, ackedPet: 200 }],
      sentPets: [],
    });
    const read = store.getBinding('10.77.1.5');
    store.close();
    expect(read?.pendingUpdate).toBe(true);
    expect(read?.ackedPet).toBe(100);
  });

  it('keeps the previous ackedPet when the acknowledged BNDUPD carried none', () => {
    const store = openLeaseStore(':memory:');
    store.putBindings([fullBinding({ updateSeq: 1, ackedPet: 100 })]);
    store.recordSendProgress({
      acknowledged: [{ address: '10.77.1.5', updateSeq: 1, ackedPet: undefined }],
      sentPets: [],
    });
    const read = store.getBinding('10.77.1.5');
    store.close();
    expect(read?.pendingUpdate).toBe(false);
    expect(read?.ackedPet).toBe(100);
  });

  it('changes no column other than the pending mark, ackedPet and sentPet', () => {
    const store = openLeaseStore(':memory:');
    const before = fullBinding({ updateSeq: 5 });
    store.putBindings([before]);
    store.recordSendProgress({
      acknowledged: [{ address: before.address, updateSeq: 5, ackedPet: 1796009000 }],
      sentPets: [{ address: before.address, sentPet: 1796009000 }],
    });
    const read = store.getBinding(before.address);
    store.close();
    expect(read).toEqual({
      ...before,
      pendingUpdate: false,
      ackedPet: 1796009000,
      sentPet: 1796009000,
    });
  });

  it('skips a sent PET for an address that is not stored', () => {
    const store = openLeaseStore(':memory:');
    store.recordSendProgress({
      acknowledged: [],
      sentPets: [{ address: '10.0.0.1', sentPet: 100 }],
    });
    expect(store.countBindings()).toBe(0);
    store.close();
  });

  it('writes nothing when a sent PET is out of range', () => {
    const store = openLeaseStore(':memory:');
    store.putBindings([fullBinding({ updateSeq: 1 })]);
    const code = storeErrorCode(() =>
      store.recordSendProgress({
        acknowledged: [{ address: '10.77.1.5', updateSeq: 1, ackedPet: 100 }],
        sentPets: [{ address: '10.77.1.5', sentPet: 2 ** 32 }],
      }),
    );
    const read = store.getBinding('10.77.1.5');
    store.close();
    expect(code).toBe('FO_ERR_STORE_INVALID_BINDING');
    expect(read?.pendingUpdate).toBe(true);
  });

  it('raises FO_ERR_STORE_READONLY on a read-only store', () => {
    const path = tempPath('readonly.db');
    const writer = openLeaseStore(path);
    writer.putBindings([fullBinding({ updateSeq: 1 })]);
    writer.close();

    const reader = openLeaseStore(path, { readonly: true });
    const code = storeErrorCode(() =>
      reader.recordSendProgress({
        acknowledged: [{ address: '10.77.1.5', updateSeq: 1, ackedPet: 100 }],
        sentPets: [],
      }),
    );
    reader.close();
    expect(code).toBe('FO_ERR_STORE_READONLY');
  });
});

describe('SqliteLeaseStore getBindings', () => {
  it('returns the stored bindings of the addresses and leaves out unknown ones', () => {
    const store = openLeaseStore(':memory:');
    store.putBindings([minimalBinding('10.0.0.1'), fullBinding({ address: '10.0.0.2' })]);
    const read = store.getBindings(['10.0.0.2', '10.0.0.9', '10.0.0.1']);
    store.close();
    expect(read.map((binding) => binding.address).sort()).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(read.find((binding) => binding.address === '10.0.0.2')).toEqual(
      fullBinding({ address: '10.0.0.2' }),
    );
  });

  it('rejects an address that is not a dotted quad', () => {
    const store = openLeaseStore(':memory:');
    const code = storeErrorCode(() => store.getBindings(['10.0.0']));
    store.close();
    expect(code).toBe('FO_ERR_STORE_INVALID_BINDING');
  });
});

describe('SqliteLeaseStore pendingAddresses', () => {
  it('lists the pending addresses in the order of pendingBindings, up to the limit', () => {
    const store = openLeaseStore(':memory:');
    store.putBindings([minimalBinding('10.0.0.9', { pendingUpdate: true, updateSeq: 1 })]);
    store.putBindings([minimalBinding('10.0.0.1', { pendingUpdate: false, updateSeq: 1 })]);
    store.putBindings([minimalBinding('10.0.0.3', { pendingUpdate: true, updateSeq: 1 })]);
    store.putBindings([minimalBinding('10.0.0.2', { pendingUpdate: true, updateSeq: 1 })]);
    const all = store.pendingAddresses(10);
    const bindings = store.pendingBindings(10).map((binding) => binding.address);
    const first = store.pendingAddresses(2);
    store.close();
    expect(all).toEqual(['10.0.0.9', '10.0.0.3', '10.0.0.2']);
    expect(all).toEqual(bindings);
    expect(first).toEqual(['10.0.0.9', '10.0.0.3']);
  });

  it('rejects a negative limit', () => {
    const store = openLeaseStore(':memory:');
    const code = storeErrorCode(() => store.pendingAddresses(-1));
    store.close();
    expect(code).toBe('FO_ERR_STORE_INVALID_LIMIT');
  });
});
