import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { StoreError } from '../../src/errors.js';
import { SCHEMA_VERSION } from '../../src/store/schema.js';
import { openLeaseStore } from '../../src/store/sqlite-store.js';
import { minimalBinding, useTempDir } from './helpers.js';

const tempPath = useTempDir();

/** Deterministic bytes from a linear congruential generator, so a failure can be reproduced. */
function pseudoRandomBytes(length: number, seed: number): Buffer {
  const bytes = Buffer.alloc(length);
  let state = seed;
  for (let i = 0; i < length; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    bytes[i] = state >>> 24;
  }
  return bytes;
}

/** Writes a store with `count` bindings and closes it, so the file contains every page. */
function createStore(path: string, count: number): void {
  const store = openLeaseStore(path);
  const bindings = Array.from({ length: count }, (_, i) =>
    minimalBinding(`10.${i >> 16}.${(i >> 8) & 0xff}.${i & 0xff}`, {
      clientIdentifier: new Uint8Array(40),
    }),
  );
  store.putBindings(bindings);
  store.close();
}

/** Changes a closed store through a plain SQLite connection, the way another program could. */
function alterStore(path: string, sql: string): void {
  const db = new Database(path);
  db.exec(sql);
  db.close();
}

type Setup = (path: string) => void;

const damagedFiles: [string, Setup, string, RegExp][] = [
  [
    'random bytes',
    (path) => writeFileSync(path, pseudoRandomBytes(8192, 42)),
    'FO_ERR_STORE_NOT_SQLITE',
    /^lease store \S+ starts with bytes [0-9a-f ]+, expected an SQLite database \("SQLite format 3"\)$/,
  ],
  [
    'a text file',
    (path) => writeFileSync(path, '10.77.1.5 ACTIVE 02:00:00:00:00:05\n'),
    'FO_ERR_STORE_NOT_SQLITE',
    /starts with bytes 31 30 2e 37 37 2e 31 2e, expected an SQLite database/,
  ],
  [
    'a truncated SQLite file',
    (path) => {
      createStore(path, 3000);
      const bytes = readFileSync(path);
      writeFileSync(path, bytes.subarray(0, Math.floor(bytes.length / 2)));
    },
    'FO_ERR_STORE_TRUNCATED',
    /^lease store \S+ is \d+ bytes, expected \d+ \(\d+ pages of 4096 bytes\) as its header records$/,
  ],
  [
    'an SQLite header alone',
    (path) => writeFileSync(path, Buffer.from('SQLite format 3\0\x10\x00', 'latin1')),
    'FO_ERR_STORE_TRUNCATED',
    /is 18 bytes, expected at least the 100-byte SQLite header$/,
  ],
  [
    'an SQLite file with overwritten pages',
    (path) => {
      createStore(path, 3000);
      const bytes = readFileSync(path);
      pseudoRandomBytes(4096 * 8, 7).copy(bytes, 4096 * 4);
      writeFileSync(path, bytes);
    },
    'FO_ERR_STORE_CORRUPT',
    /^lease store \S+ (failed quick_check|is damaged): /,
  ],
  [
    "another program's SQLite database",
    (path) => alterStore(path, 'CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)'),
    'FO_ERR_STORE_FOREIGN',
    /contains tables moz_places but no dhcpf schema version, expected an empty file or a dhcpf lease store$/,
  ],
  [
    'a database with another application_id',
    (path) => alterStore(path, `PRAGMA application_id = ${0x46544b42}; PRAGMA user_version = 1`),
    'FO_ERR_STORE_FOREIGN',
    /has application_id 0x46544b42, expected an empty file or a dhcpf lease store$/,
  ],
  [
    'a store without its endpoint table',
    (path) => {
      createStore(path, 10);
      alterStore(path, 'DROP TABLE endpoint');
    },
    'FO_ERR_STORE_MISSING_TABLE',
    /^lease store \S+ schema version \d+ has no table endpoint$/,
  ],
  [
    'a store without a binding column',
    (path) => {
      createStore(path, 10);
      alterStore(path, 'ALTER TABLE binding DROP COLUMN other_options');
    },
    'FO_ERR_STORE_MISSING_COLUMN',
    /^lease store \S+ table binding has no column other_options$/,
  ],
  [
    'a store of a newer schema version',
    (path) => {
      createStore(path, 10);
      alterStore(path, `PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
    },
    'FO_ERR_STORE_SCHEMA_TOO_NEW',
    new RegExp(
      `has schema version ${SCHEMA_VERSION + 1}, expected at most ${SCHEMA_VERSION}; a newer dhcpf wrote it$`,
    ),
  ],
];

function openError(path: string, readonly: boolean): StoreError {
  try {
    openLeaseStore(path, { readonly }).close();
  } catch (error) {
    if (error instanceof StoreError) {
      return error;
    }
    throw error;
  }
  throw new Error(`openLeaseStore(${path}) succeeded, expected a StoreError`);
}

describe('openLeaseStore on a damaged or foreign file', () => {
  describe.each([false, true])('readonly %s', (readonly) => {
    it.each(damagedFiles)('rejects %s and leaves it unchanged', (_name, setup, code, message) => {
      const path = tempPath('store.db');
      setup(path);
      const before = readFileSync(path);

      const error = openError(path, readonly);

      expect(error.code).toBe(code);
      expect(error.message).toContain(path);
      expect(error.message).toMatch(message);
      expect(error.message).not.toContain('\n');
      expect(readFileSync(path).equals(before)).toBe(true);
    });
  });

  it('rejects a directory as FO_ERR_STORE_NOT_SQLITE', () => {
    const path = tempPath('directory.db');
    mkdirSync(path);
    expect(openError(path, false).code).toBe('FO_ERR_STORE_NOT_SQLITE');
  });

  it('rejects a read-only open of a file without schema as FO_ERR_STORE_EMPTY', () => {
    const path = tempPath('empty.db');
    writeFileSync(path, '');
    expect(openError(path, true).code).toBe('FO_ERR_STORE_EMPTY');
    expect(readFileSync(path)).toHaveLength(0);
  });

  it('opens a healthy store again after the checks', () => {
    const path = tempPath('healthy.db');
    createStore(path, 600);
    const store = openLeaseStore(path);
    expect(store.countBindings()).toBe(600);
    store.close();
  });
});
