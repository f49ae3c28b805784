// Checks run on an existing lease store file before any connection may write to it. A file that is
// not SQLite, is truncated or damaged, belongs to another program or has an unknown schema raises a
// StoreError and is left exactly as it was: the store never overwrites or repairs it.

import { closeSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import Database from 'better-sqlite3';
import { StoreError } from '../errors.js';
import {
  SCHEMA_VERSION,
  STORE_APPLICATION_ID,
  readUserVersion,
  tablesOfVersion,
} from './schema.js';

/** Kind of file found at a store path before SQLite opens it. */
export type StoreFileKind = 'missing' | 'empty' | 'sqlite';

const SQLITE_HEADER_LENGTH = 100;
const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

/**
 * Reads the 100-byte SQLite header of `path` and checks the magic string, the page size and, when
 * no write-ahead log could still extend the file, that the file is as long as its header records.
 */
export function inspectStoreFile(path: string): StoreFileKind {
  const stats = statStoreFile(path);
  if (stats === undefined) {
    return 'missing';
  }

  if (!stats.isFile()) {
    throw new StoreError('FO_ERR_STORE_NOT_SQLITE', `lease store ${path} is not a regular file`);
  }

  if (stats.size === 0) {
    return 'empty';
  }

  const header = readHeader(path, Math.min(stats.size, SQLITE_HEADER_LENGTH));
  checkMagic(path, header);
  if (stats.size < SQLITE_HEADER_LENGTH) {
    throw new StoreError(
      'FO_ERR_STORE_TRUNCATED',
      `lease store ${path} is ${stats.size} bytes, expected at least the ${SQLITE_HEADER_LENGTH}-byte SQLite header`,
    );
  }

  checkRecordedSize(path, header, stats.size);
  return 'sqlite';
}

function statStoreFile(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (error) {
    if (isErrnoException(error) && error.code === 'ENOENT') {
      return undefined;
    }

    throw new StoreError(
      'FO_ERR_STORE_OPEN_FAILED',
      `lease store ${path} cannot be read: ${describe(error)}`,
    );
  }
}

function readHeader(path: string, length: number): Buffer {
  const header = Buffer.alloc(length);
  let descriptor: number | undefined;
  try {
    descriptor = openSync(path, 'r');
    readSync(descriptor, header, 0, length, 0);
  } catch (error) {
    throw new StoreError(
      'FO_ERR_STORE_OPEN_FAILED',
      `lease store ${path} cannot be read: ${describe(error)}`,
    );
  } finally {
    if (descriptor !== undefined) {
      closeSync(descriptor);
    }
  }
  return header;
}

function checkMagic(path: string, header: Buffer): void {
  const found = header.subarray(0, SQLITE_MAGIC.length);
  if (found.equals(SQLITE_MAGIC)) {
    return;
  }

  const firstBytes = [...header.subarray(0, 8)].map((byte) => byte.toString(16).padStart(2, '0'));
  throw new StoreError(
    'FO_ERR_STORE_NOT_SQLITE',
    `lease store ${path} starts with bytes ${firstBytes.join(' ')}, expected an SQLite database ("SQLite format 3")`,
  );
}

/**
 * The header's page count is valid when the change counter (offset 24) equals version-valid-for
 * (offset 92). A file shorter than that many pages was cut off, unless a write-ahead log or rollback
 * journal beside it still contains pages that a checkpoint or rollback would write back.
 */
function checkRecordedSize(path: string, header: Buffer, fileSize: number): void {
  const pageSizeField = header.readUInt16BE(16);
  const pageSize = pageSizeField === 1 ? 65536 : pageSizeField;
  if (pageSize < 512 || (pageSize & (pageSize - 1)) !== 0) {
    throw new StoreError(
      'FO_ERR_STORE_CORRUPT',
      `lease store ${path} header page size ${pageSizeField}, expected a power of two 512..65536`,
    );
  }

  const pageCount = header.readUInt32BE(28);
  const countIsValid = pageCount !== 0 && header.readUInt32BE(24) === header.readUInt32BE(92);
  const expectedSize = pageCount * pageSize;
  if (!countIsValid || fileSize >= expectedSize || hasJournal(path)) {
    return;
  }

  throw new StoreError(
    'FO_ERR_STORE_TRUNCATED',
    `lease store ${path} is ${fileSize} bytes, expected ${expectedSize} (${pageCount} pages of ${pageSize} bytes) as its header records`,
  );
}

function hasJournal(path: string): boolean {
  return [`${path}-wal`, `${path}-journal`].some(
    (journal) => (statStoreFile(journal)?.size ?? 0) > 0,
  );
}

/**
 * Runs quick_check and compares the application_id, schema version and tables with what this build
 * supports, on a connection opened read-only so that nothing is written. Returns the schema version.
 */
export function checkStoreContent(db: Database.Database, path: string): number {
  runQuickCheck(db, path);
  const applicationId = Number(db.pragma('application_id', { simple: true }));
  const version = readUserVersion(db);
  const tables = listTables(db);
  if (applicationId !== 0 && applicationId !== STORE_APPLICATION_ID) {
    throw foreignError(path, `has application_id 0x${applicationId.toString(16)}`);
  }

  if (version === 0) {
    if (tables.length > 0) {
      throw foreignError(path, `contains tables ${tables.join(', ')} but no dhcpf schema version`);
    }

    return 0;
  }

  if (applicationId !== STORE_APPLICATION_ID) {
    throw foreignError(path, `has schema version ${version} but no dhcpf application_id`);
  }

  if (version > SCHEMA_VERSION) {
    throw new StoreError(
      'FO_ERR_STORE_SCHEMA_TOO_NEW',
      `lease store ${path} has schema version ${version}, expected at most ${SCHEMA_VERSION}; a newer dhcpf wrote it`,
    );
  }

  checkTables(db, path, version);
  return version;
}

function runQuickCheck(db: Database.Database, path: string): void {
  let problems: string[];
  try {
    problems = db.prepare<[], string>('PRAGMA quick_check(5)').pluck().all();
  } catch (error) {
    throw sqliteOpenError(path, error);
  }

  if (problems.length === 1 && problems[0] === 'ok') {
    return;
  }

  throw new StoreError(
    'FO_ERR_STORE_CORRUPT',
    `lease store ${path} failed quick_check: ${problems.join('\n').split('\n').join('; ')}`,
  );
}

function listTables(db: Database.Database): string[] {
  const statement = db.prepare<[], string>(
    "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
  );
  return statement.pluck().all();
}

function checkTables(db: Database.Database, path: string, version: number): void {
  const columnsOf = db.prepare<[string], string>('SELECT name FROM pragma_table_info(?)').pluck();
  for (const [table, columns] of Object.entries(tablesOfVersion(version))) {
    const found = new Set(columnsOf.all(table));
    if (found.size === 0) {
      throw new StoreError(
        'FO_ERR_STORE_MISSING_TABLE',
        `lease store ${path} schema version ${version} has no table ${table}`,
      );
    }

    const missing = columns.filter((column) => !found.has(column));
    if (missing.length > 0) {
      throw new StoreError(
        'FO_ERR_STORE_MISSING_COLUMN',
        `lease store ${path} table ${table} has no column ${missing.join(', ')}`,
      );
    }
  }
}

function foreignError(path: string, finding: string): StoreError {
  return new StoreError(
    'FO_ERR_STORE_FOREIGN',
    `lease store ${path} ${finding}, expected an empty file or a dhcpf lease store`,
  );
}

/** Maps an SQLite error met while opening or checking a file to a StoreError. */
export function sqliteOpenError(path: string, error: unknown): StoreError {
  if (!(error instanceof Database.SqliteError)) {
    return new StoreError(
      'FO_ERR_STORE_OPEN_FAILED',
      `lease store ${path} cannot be opened: ${describe(error)}`,
    );
  }

  if (error.code === 'SQLITE_NOTADB') {
    return new StoreError(
      'FO_ERR_STORE_NOT_SQLITE',
      `lease store ${path} is not an SQLite database: ${error.message}`,
    );
  }

  if (error.code.startsWith('SQLITE_CORRUPT')) {
    return new StoreError(
      'FO_ERR_STORE_CORRUPT',
      `lease store ${path} is damaged: ${error.message}`,
    );
  }

  return new StoreError(
    'FO_ERR_STORE_OPEN_FAILED',
    `lease store ${path} cannot be opened: ${error.code} ${error.message}`,
  );
}

function isErrnoException(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && 'code' in error;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
