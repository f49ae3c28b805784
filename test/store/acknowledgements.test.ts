// recordAcknowledgements: BNDACKs recorded without a disk sync of their own, and the connection
// back at synchronous = FULL for every write after them.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLeaseStore } from '../../src/store/sqlite-store.js';
import { buildForChild } from './child-build.js';
import { fullBinding, storeErrorCode, useTempDir } from './helpers.js';

const tempPath = useTempDir();
let buildDir = '';

// The child stores two pending bindings, records the BNDACK of the first and kills itself with
// SIGKILL the moment recordAcknowledgements returns.
const CHILD_SCRIPT = `
import { openLeaseStore } from './src/store/sqlite-store.js';

const [path] = process.argv.slice(2);
const store = openLeaseStore(path);
const binding = (address) => ({
  address,
  bindingStatus: 'ACTIVE',
  ipFlags: 0,
  pendingUpdate: true,
  updateSeq: 1,
  leaseExpirationTime: 1796000000,
  sentPet: 1796003600,
});
store.putBindings([binding('10.9.0.1'), binding('10.9.0.2')]);
store.recordAcknowledgements([{ address: '10.9.0.1', updateSeq: 1, ackedPet: 1796003600 }]);
process.kill(process.pid, 'SIGKILL');
`;

beforeAll(() => {
  buildDir = mkdtempSync(join(tmpdir(), 'dhcpf-store-child-'));
  buildForChild('src/store/sqlite-store.ts', buildDir);
  writeFileSync(join(buildDir, 'ack-writer.js'), CHILD_SCRIPT);
});

afterAll(() => {
  rmSync(buildDir, { recursive: true, force: true });
});

describe('SqliteLeaseStore recordAcknowledgements', () => {
  it('clears pending for a matching updateSeq and skips a stale one (FO-7.2.2-a)', () => {
    const store = openLeaseStore(tempPath('acks.db'));
    store.putBindings([
      fullBinding({ address: '10.77.1.5', updateSeq: 4, ackedPet: undefined }),
      fullBinding({ address: '10.77.1.6', updateSeq: 2, ackedPet: 100 }),
    ]);
    store.recordAcknowledgements([
      { address: '10.77.1.5', updateSeq: 4, ackedPet: 1796003600 },
      { address: '10.77.1.6', updateSeq: 1, ackedPet: 200 },
    ]);
    const acked = store.getBinding('10.77.1.5');
    const stale = store.getBinding('10.77.1.6');
    store.close();

    expect(acked?.pendingUpdate).toBe(false);
    expect(acked?.ackedPet).toBe(1796003600);
    expect(stale?.pendingUpdate).toBe(true);
    expect(stale?.ackedPet).toBe(100);
  });

  it('tells change listeners about the acknowledgements', () => {
    const store = openLeaseStore(':memory:');
    store.putBindings([fullBinding({ updateSeq: 1 })]);
    const kinds: string[] = [];
    store.onChange((change) => kinds.push(change.kind));
    store.recordAcknowledgements([]);
    store.recordAcknowledgements([{ address: '10.77.1.5', updateSeq: 1, ackedPet: undefined }]);
    store.close();

    expect(kinds).toEqual(['acknowledgements']);
  });

  it('leaves synchronous at FULL for the writes after it (FO-5.2.1-f)', () => {
    const store = openLeaseStore(tempPath('level.db'));
    store.putBindings([fullBinding({ updateSeq: 1 })]);
    store.recordAcknowledgements([{ address: '10.77.1.5', updateSeq: 1, ackedPet: 100 }]);
    const settings = store.durabilitySettings();
    store.close();

    expect(settings).toEqual({ journalMode: 'wal', synchronous: 'FULL' });
  });

  it('leaves synchronous at FULL when the write fails (FO-5.2.1-f)', () => {
    const path = tempPath('readonly.db');
    const writer = openLeaseStore(path);
    writer.putBindings([fullBinding({ updateSeq: 1 })]);
    writer.close();

    const reader = openLeaseStore(path, { readonly: true });
    const code = storeErrorCode(() =>
      reader.recordAcknowledgements([{ address: '10.77.1.5', updateSeq: 1, ackedPet: 100 }]),
    );
    const settings = reader.durabilitySettings();
    const read = reader.getBinding('10.77.1.5');
    reader.close();

    expect(code).toBe('FO_ERR_STORE_READONLY');
    expect(settings.synchronous).toBe('FULL');
    expect(read?.pendingUpdate).toBe(true);
  });

  it('keeps the acknowledgement when the process is killed right after it', () => {
    const path = tempPath('killed.db');
    const child = spawnSync(process.execPath, [join(buildDir, 'ack-writer.js'), path], {
      encoding: 'utf8',
    });

    expect(child.stderr).toBe('');
    expect(child.signal).toBe('SIGKILL');
    const store = openLeaseStore(path, { readonly: true });
    const acked = store.getBinding('10.9.0.1');
    const pending = store.getBinding('10.9.0.2');
    store.close();
    expect(acked?.pendingUpdate).toBe(false);
    expect(acked?.ackedPet).toBe(1796003600);
    expect(pending?.pendingUpdate).toBe(true);
  });
});
