import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { openLeaseStore } from '../../src/store/sqlite-store.js';

function temporaryDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'dhcpf-store-mode-'));
  onTestFinished(() => rmSync(directory, { recursive: true, force: true }));
  return directory;
}

describe('lease store file permissions', () => {
  it('creates a new store readable by its owner only', () => {
    const path = join(temporaryDirectory(), 'fo.db');

    const store = openLeaseStore(path);
    store.writeEndpoint({
      relationship: 'fo',
      state: 'RECOVER',
      startTimeOfState: 1_700_000_000,
      lastOperatingTime: 1_700_000_000,
      hasSyncedBefore: false,
    });
    store.close();

    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('leaves the permissions of an existing file alone', () => {
    const path = join(temporaryDirectory(), 'fo.db');
    writeFileSync(path, '', { mode: 0o640 });

    openLeaseStore(path).close();

    expect(statSync(path).mode & 0o777).toBe(0o640);
  });
});
