import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLeaseStore } from '../../src/store/sqlite-store.js';
import { buildForChild } from './child-build.js';
import { useTempDir } from './helpers.js';

const tempPath = useTempDir();
let buildDir = '';

// The child writes batches of 1, 2, ... `batches` bindings, acknowledges the first binding, writes
// an endpoint record and kills itself with SIGKILL the moment the last write returns, so nothing
// after the write (close, checkpoint, exit handlers) can run.
const CHILD_SCRIPT = `
import { openLeaseStore } from './src/store/sqlite-store.js';

const [path, batches] = process.argv.slice(2);
const store = openLeaseStore(path);
let next = 0;
for (let size = 1; size <= Number(batches); size++) {
  const batch = [];
  for (let i = 0; i < size; i++, next++) {
    batch.push({
      address: '10.9.' + (next >> 8) + '.' + (next & 255),
      bindingStatus: 'ACTIVE',
      ipFlags: 0,
      pendingUpdate: true,
      updateSeq: 1,
      leaseExpirationTime: 1796000000 + next,
    });
  }
  store.putBindings(batch);
}
store.acknowledgeUpdate('10.9.0.0', 1, 1796003600);
store.writeEndpoint({
  relationship: 'dhcp-failover',
  state: 'NORMAL',
  startTimeOfState: 1795900000,
  lastOperatingTime: 1795900000,
  hasSyncedBefore: true,
});
process.kill(process.pid, 'SIGKILL');
`;

beforeAll(() => {
  buildDir = mkdtempSync(join(tmpdir(), 'dhcpf-store-child-'));
  buildForChild('src/store/sqlite-store.ts', buildDir);
  writeFileSync(join(buildDir, 'crash-writer.js'), CHILD_SCRIPT);
});

afterAll(() => {
  rmSync(buildDir, { recursive: true, force: true });
});

describe('SqliteLeaseStore after SIGKILL', () => {
  it('keeps every write that returned before the kill (FO-5.2.1-f, FO-9.8.3-d)', () => {
    const path = tempPath('crash.db');
    const batches = 100;
    const child = spawnSync(
      process.execPath,
      [join(buildDir, 'crash-writer.js'), path, String(batches)],
      {
        encoding: 'utf8',
      },
    );

    expect(child.stderr).toBe('');
    expect(child.signal).toBe('SIGKILL');
    // The killed writer never closed, so its commits are still in the write-ahead log.
    expect(statSync(`${path}-wal`).size).toBeGreaterThan(0);

    const total = (batches * (batches + 1)) / 2;
    const store = openLeaseStore(path, { readonly: true });
    const last = store.getBinding(`10.9.${(total - 1) >> 8}.${(total - 1) & 255}`);
    const first = store.getBinding('10.9.0.0');
    const endpoint = store.readEndpoint('dhcp-failover');
    const count = store.countBindings();
    store.close();

    expect(count).toBe(total);
    expect(last?.leaseExpirationTime).toBe(1796000000 + total - 1);
    expect(first?.pendingUpdate).toBe(false);
    expect(first?.ackedPet).toBe(1796003600);
    expect(endpoint?.state).toBe('NORMAL');
  });
});
