// The SQLite lease store. The connection runs in WAL mode with synchronous = FULL, so every write
// method has committed its transaction to disk when it returns, and a BNDACK sent after it
// acknowledges data on stable storage (FO-5.2.1-f, FO-9.8.3-d).

import { closeSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';
import { StoreError } from '../errors.js';
import {
  clientParameters,
  prepareBindingQueries,
  statusCodeOf,
  type BindingQueries,
} from './binding-queries.js';
import { bindingFromRow, toBindingRow, type BindingRow } from './binding-row.js';
import { endpointFromRow, toEndpointParameters, type EndpointRow } from './endpoint-row.js';
import type { BindingStatusName } from '../wire/codes.js';
import { formatIPv4, parseIPv4 } from './ipv4.js';
import {
  checkStoreContent,
  inspectStoreFile,
  sqliteOpenError,
  type StoreFileKind,
} from './open-checks.js';
import { BINDING_COLUMNS, OLDEST_READABLE_VERSION, migrateSchema } from './schema.js';
import type {
  AcknowledgedUpdate,
  BindingClient,
  EndpointRecord,
  LeaseStore,
  SendProgress,
  SentPet,
  StoreChange,
  StoredBinding,
} from './types.js';

export interface LeaseStoreOptions {
  /** Opens an existing store without writing to it; write methods raise FO_ERR_STORE_READONLY. */
  readonly?: boolean;
}

/** The settings that make a returned write durable, as the connection reports them. */
export interface DurabilitySettings {
  journalMode: string;
  synchronous: 'OFF' | 'NORMAL' | 'FULL' | 'EXTRA';
}

const MEMORY_PATH = ':memory:';

/** Rows read per query by allBindings, so the connection is free between pages. */
const PAGE_SIZE = 512;

/** Ranges whose firstUnstoredAddress result is kept; the allocator reads a few per pool. */
const MAX_UNSTORED_HINTS = 256;

/** Milliseconds a write waits for another process's transaction before FO_ERR_STORE_BUSY. */
const BUSY_TIMEOUT_MS = 5000;

/** The synchronous level of every write that must be on disk when it returns (FO-5.2.1-f). */
const DURABLE_SYNCHRONOUS = 'FULL';

const SYNCHRONOUS_NAMES = ['OFF', 'NORMAL', 'FULL', 'EXTRA'] as const;

const SELECT_BINDING = `SELECT ${BINDING_COLUMNS.join(', ')} FROM binding`;

// The WHERE clause keeps update_seq from going down: an upsert that would lower it changes no row,
// and putBindings then raises FO_ERR_STORE_UPDATE_SEQ_DECREASED. A rewrite at the same update_seq
// (such as recording the potential-expiration-time sent) is no new change, so it keeps its place
// in the pending order.
const UPSERT_BINDING = `
  INSERT INTO binding (${BINDING_COLUMNS.join(', ')})
  VALUES (${BINDING_COLUMNS.map((column) => `@${column}`).join(', ')})
  ON CONFLICT (address) DO UPDATE SET
    ${BINDING_COLUMNS.filter((column) => column !== 'address' && column !== 'change_order')
      .map((column) => `${column} = excluded.${column}`)
      .join(', ')},
    change_order = CASE WHEN excluded.update_seq > binding.update_seq
      THEN excluded.change_order ELSE binding.change_order END
  WHERE excluded.update_seq >= binding.update_seq`;

const UPSERT_ENDPOINT = `
  INSERT INTO endpoint (relationship, state, start_time_of_state, previous_state, mclt,
    last_operating_time, has_synced_before)
  VALUES (@relationship, @state, @start_time_of_state, @previous_state, @mclt,
    @last_operating_time, @has_synced_before)
  ON CONFLICT (relationship) DO UPDATE SET state = excluded.state,
    start_time_of_state = excluded.start_time_of_state, previous_state = excluded.previous_state,
    mclt = excluded.mclt, last_operating_time = excluded.last_operating_time,
    has_synced_before = excluded.has_synced_before`;

interface AcknowledgeParameters {
  address: number;
  updateSeq: number;
  ackedPet: number | null;
}

interface SentPetParameters {
  address: number;
  sentPet: number;
}

function prepareStatements(db: Database.Database) {
  return {
    getBinding: db.prepare<[number], BindingRow>(`${SELECT_BINDING} WHERE address = ?`),
    // json_each takes the whole list as one parameter, so one statement serves any batch size.
    getBindings: db.prepare<[string], BindingRow>(
      `${SELECT_BINDING} WHERE address IN (SELECT value FROM json_each(?))`,
    ),
    pendingAddresses: db
      .prepare<[number], number>(
        'SELECT address FROM binding WHERE pending_update = 1 ORDER BY change_order LIMIT ?',
      )
      .pluck(),
    updateSeqOf: db
      .prepare<[number], number>('SELECT update_seq FROM binding WHERE address = ?')
      .pluck(),
    upsertBinding: db.prepare<[BindingRow]>(UPSERT_BINDING),
    bindingPage: db.prepare<[number, number], BindingRow>(
      `${SELECT_BINDING} WHERE address > ? ORDER BY address LIMIT ?`,
    ),
    countBindings: db.prepare<[], number>('SELECT count(*) FROM binding').pluck(),
    pendingBindings: db.prepare<[number], BindingRow>(
      `${SELECT_BINDING} WHERE pending_update = 1 ORDER BY change_order LIMIT ?`,
    ),
    countPending: db
      .prepare<[], number>('SELECT count(*) FROM binding WHERE pending_update = 1')
      .pluck(),
    maxPendingOrder: db
      .prepare<[], number | null>('SELECT max(change_order) FROM binding WHERE pending_update = 1')
      .pluck(),
    maxChangeOrder: db.prepare<[], number | null>('SELECT max(change_order) FROM binding').pluck(),
    acknowledgeUpdate: db.prepare<[AcknowledgeParameters]>(
      `UPDATE binding SET pending_update = 0, acked_pet = coalesce(@ackedPet, acked_pet)
       WHERE address = @address AND update_seq = @updateSeq`,
    ),
    recordSentPet: db.prepare<[SentPetParameters]>(
      'UPDATE binding SET sent_pet = @sentPet WHERE address = @address',
    ),
    markAllPending: db.prepare('UPDATE binding SET pending_update = 1 WHERE pending_update = 0'),
    getEndpoint: db.prepare<[string], EndpointRow>('SELECT * FROM endpoint WHERE relationship = ?'),
    upsertEndpoint: db.prepare<[EndpointRow]>(UPSERT_ENDPOINT),
  };
}

type Statements = ReturnType<typeof prepareStatements>;

class SqliteLeaseStore implements LeaseStore {
  readonly path: string;
  readonly readonly: boolean;
  private readonly db: Database.Database;
  private readonly statements: Statements;
  private readonly queries: BindingQueries;
  private readonly listeners = new Set<(change: StoreChange) => void>();
  /**
   * Last result of firstUnstoredAddress per range. Rows are never deleted, so every address
   * between a range's first address and its cached result is still stored. The next lookup starts
   * at the result instead of walking the same run of rows again.
   */
  private readonly unstoredHints = new Map<string, number>();
  /** Highest change_order this connection wrote; upsertRows explains why it is not enough alone. */
  private lastChangeOrder: number;
  private readonly writeBindings: Database.Transaction<(rows: BindingRow[]) => void>;
  private readonly writeSendProgress: Database.Transaction<
    (acknowledged: AcknowledgeParameters[], sentPets: SentPetParameters[]) => void
  >;

  constructor(db: Database.Database, path: string, readonly: boolean) {
    this.db = db;
    this.path = path;
    this.readonly = readonly;
    this.statements = prepareStatements(db);
    this.queries = prepareBindingQueries(db);
    this.lastChangeOrder = this.statements.maxChangeOrder.get() ?? 0;
    this.writeBindings = db.transaction((rows: BindingRow[]) => this.upsertRows(rows));
    this.writeSendProgress = db.transaction(
      (acknowledged: AcknowledgeParameters[], sentPets: SentPetParameters[]) => {
        for (const parameters of acknowledged) {
          this.statements.acknowledgeUpdate.run(parameters);
        }
        for (const parameters of sentPets) {
          this.statements.recordSentPet.run(parameters);
        }
      },
    );
  }

  getBinding(address: string): StoredBinding | undefined {
    const key = requireAddress(address);
    const row = this.run('read', 'read a binding', () => this.statements.getBinding.get(key));
    return row === undefined ? undefined : bindingFromRow(row, this.path);
  }

  getBindings(addresses: readonly string[]): StoredBinding[] {
    if (addresses.length === 0) {
      return [];
    }

    const keys = JSON.stringify(addresses.map(requireAddress));
    const rows = this.run('read', 'read bindings', () => this.statements.getBindings.all(keys));
    return rows.map((row) => bindingFromRow(row, this.path));
  }

  putBindings(bindings: readonly StoredBinding[]): void {
    if (bindings.length === 0) {
      return;
    }

    const rows = bindings.map(toBindingRow);
    // IMMEDIATE takes the write lock before the first read, so the change_order read inside the
    // transaction cannot be overtaken by another process.
    this.run('write', 'write bindings', () => this.writeBindings.immediate(rows));
    this.notify({ kind: 'bindings', bindings });
  }

  /**
   * Upserts the rows inside the transaction. change_order continues from the highest pending
   * change_order in the file as well as this connection's own, so a pending binding that another
   * process wrote (such as `dhcpf leases load`) keeps its place in the oldest-first order.
   */
  private upsertRows(rows: BindingRow[]): void {
    let changeOrder = Math.max(this.lastChangeOrder, this.statements.maxPendingOrder.get() ?? 0);
    for (const row of rows) {
      changeOrder += 1;
      row.change_order = changeOrder;
      if (this.statements.upsertBinding.run(row).changes === 0) {
        throw this.updateSeqDecreased(row);
      }
    }
    this.lastChangeOrder = changeOrder;
  }

  private updateSeqDecreased(row: BindingRow): StoreError {
    const stored = this.statements.updateSeqOf.get(row.address);
    return new StoreError(
      'FO_ERR_STORE_UPDATE_SEQ_DECREASED',
      `binding ${formatIPv4(row.address)} updateSeq ${row.update_seq}, expected at least the stored ${String(stored)}`,
    );
  }

  /** Yields every binding by address, one page at a time, so the caller may write between pages. */
  *allBindings(): Generator<StoredBinding, void, undefined> {
    let after = -1;
    for (;;) {
      const rows = this.run('read', 'read bindings', () =>
        this.statements.bindingPage.all(after, PAGE_SIZE),
      );
      for (const row of rows) {
        yield bindingFromRow(row, this.path);
      }

      const last = rows.at(-1);
      if (last === undefined || rows.length < PAGE_SIZE) {
        return;
      }

      after = last.address;
    }
  }

  countBindings(): number {
    return this.run('read', 'count bindings', () => this.statements.countBindings.get() ?? 0);
  }

  pendingBindings(limit: number): StoredBinding[] {
    requireLimit(limit);
    const rows = this.run('read', 'read pending bindings', () =>
      this.statements.pendingBindings.all(limit),
    );
    return rows.map((row) => bindingFromRow(row, this.path));
  }

  pendingAddresses(limit: number): string[] {
    requireLimit(limit);
    const keys = this.run('read', 'read pending addresses', () =>
      this.statements.pendingAddresses.all(limit),
    );
    return keys.map(formatIPv4);
  }

  countPending(): number {
    return this.run(
      'read',
      'count pending bindings',
      () => this.statements.countPending.get() ?? 0,
    );
  }

  acknowledgeUpdate(address: string, updateSeq: number, ackedPet: number | undefined): void {
    const parameters = acknowledgeParameters({ address, updateSeq, ackedPet });
    this.run('write', 'acknowledge an update', () =>
      this.statements.acknowledgeUpdate.run(parameters),
    );
    this.notify({ kind: 'acknowledgements' });
  }

  recordSendProgress(progress: SendProgress): void {
    const acknowledged = progress.acknowledged.map(acknowledgeParameters);
    const sentPets = progress.sentPets.map(sentPetParameters);
    if (acknowledged.length === 0 && sentPets.length === 0) {
      return;
    }

    // One commit, so one disk sync, for a whole window of BNDACKs and the PETs that follow them.
    this.run('write', 'record sent updates', () =>
      this.writeSendProgress.immediate(acknowledged, sentPets),
    );
    if (acknowledged.length > 0) {
      this.notify({ kind: 'acknowledgements' });
    }
  }

  recordAcknowledgements(acknowledged: readonly AcknowledgedUpdate[]): void {
    const parameters = acknowledged.map(acknowledgeParameters);
    if (parameters.length === 0) {
      return;
    }

    // FO-7.2.2-a recommends the acknowledged PET on stable storage. Losing it in a power loss
    // only leaves the binding pending and its ackedPet lower, so the BNDUPD goes out again and
    // leases stay bounded by the older PET. This commit therefore skips the disk sync.
    this.run('write', 'record acknowledgements', () =>
      this.withoutDiskSync(() => this.writeSendProgress.immediate(parameters, [])),
    );
    this.notify({ kind: 'acknowledgements' });
  }

  /**
   * Runs `write` at synchronous = NORMAL, so its commit does not wait for fsync. In WAL mode the
   * next commit at FULL syncs the log up to its own end, which makes this commit durable too.
   */
  private withoutDiskSync<T>(write: () => T): T {
    this.db.pragma('synchronous = NORMAL');
    try {
      return write();
    } finally {
      this.db.pragma(`synchronous = ${DURABLE_SYNCHRONOUS}`);
    }
  }

  markAllPending(): void {
    this.run('write', 'mark all bindings pending', () => this.statements.markAllPending.run());
    this.notify({ kind: 'all-pending' });
  }

  clientBindings(client: BindingClient): StoredBinding[] {
    const parameters = clientParameters(client);
    const rows = this.run('read', 'read bindings of a client', () =>
      this.queries.clientBindings.all(parameters),
    );
    return rows.map((row) => bindingFromRow(row, this.path));
  }

  bindingsWithStatus(
    bindingStatus: BindingStatusName,
    range: { first: string; last: string; after?: string | undefined },
    limit: number,
  ): StoredBinding[] {
    requireLimit(limit);
    const first = requireAddress(range.first);
    const parameters = {
      status: statusCodeOf(bindingStatus),
      after:
        range.after === undefined ? first - 1 : Math.max(first - 1, requireAddress(range.after)),
      last: requireAddress(range.last),
      limit,
    };
    const rows = this.run('read', `read ${bindingStatus} bindings`, () =>
      this.queries.bindingsWithStatus.all(parameters),
    );
    return rows.map((row) => bindingFromRow(row, this.path));
  }

  firstUnstoredAddress(first: string, last: string): string | undefined {
    const from = requireAddress(first);
    const to = requireAddress(last);
    const key = `${from}-${to}`;
    if (this.unstoredHints.size >= MAX_UNSTORED_HINTS && !this.unstoredHints.has(key)) {
      this.unstoredHints.clear();
    }

    const start = Math.max(from, this.unstoredHints.get(key) ?? from);
    if (start > to) {
      return undefined;
    }

    const found = this.run('read', 'find an unstored address', () =>
      this.queries.firstUnstoredAddress.get({ from: start, last: to }),
    );
    if (found === null || found === undefined) {
      this.unstoredHints.set(key, to + 1);
      return undefined;
    }

    this.unstoredHints.set(key, found);
    return formatIPv4(found);
  }

  firstUnstoredRange(first: string, last: string): { first: string; last: string } | undefined {
    const start = this.firstUnstoredAddress(first, last);
    if (start === undefined) {
      return undefined;
    }

    const parameters = { from: requireAddress(start), last: requireAddress(last) };
    const nextStored = this.run('read', 'find the next stored address', () =>
      this.queries.nextStoredAddress.get(parameters),
    );
    const end = nextStored === null || nextStored === undefined ? parameters.last : nextStored - 1;
    return { first: start, last: formatIPv4(end) };
  }

  earliestLeaseExpiration(): number | undefined {
    const earliest = this.run('read', 'read the earliest lease expiry', () =>
      this.queries.earliestLeaseExpiration.get(),
    );
    return earliest ?? undefined;
  }

  leasesExpiringBefore(time: number, limit: number): StoredBinding[] {
    requireLimit(limit);
    const rows = this.run('read', 'read expiring leases', () =>
      this.queries.leasesExpiringBefore.all(time, limit),
    );
    return rows.map((row) => bindingFromRow(row, this.path));
  }

  transientBindings(pendingUpdate: boolean): StoredBinding[] {
    const rows = this.run('read', 'read transient bindings', () =>
      this.queries.transientBindings.all(pendingUpdate ? 1 : 0),
    );
    return rows.map((row) => bindingFromRow(row, this.path));
  }

  hasTransientBindings(pendingUpdate: boolean): boolean {
    const found = this.run('read', 'look for transient bindings', () =>
      this.queries.hasTransient.get(pendingUpdate ? 1 : 0),
    );
    return found === 1;
  }

  onChange(listener: (change: StoreChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Tells the listeners of a committed change; a listener that raises stops the write's caller. */
  private notify(change: StoreChange): void {
    for (const listener of this.listeners) {
      listener(change);
    }
  }

  readEndpoint(relationship: string): EndpointRecord | undefined {
    const row = this.run('read', 'read an endpoint', () =>
      this.statements.getEndpoint.get(relationship),
    );
    return row === undefined ? undefined : endpointFromRow(row, this.path);
  }

  writeEndpoint(record: EndpointRecord): void {
    const row = toEndpointParameters(record);
    this.run('write', 'write an endpoint', () => this.statements.upsertEndpoint.run(row));
  }

  /** Reads back journal_mode and synchronous, so a test or an operator can see what is in force. */
  durabilitySettings(): DurabilitySettings {
    const journalMode = String(this.db.pragma('journal_mode', { simple: true }));
    const synchronous = Number(this.db.pragma('synchronous', { simple: true }));
    return { journalMode, synchronous: SYNCHRONOUS_NAMES[synchronous] ?? 'OFF' };
  }

  close(): void {
    this.db.close();
  }

  /** Runs one SQLite call and turns an SQLite failure into a StoreError naming the operation. */
  private run<T>(kind: 'read' | 'write', operation: string, call: () => T): T {
    try {
      return call();
    } catch (error) {
      throw sqliteCallError(this.path, kind, operation, error);
    }
  }
}

export type { SqliteLeaseStore };

function sqliteCallError(
  path: string,
  kind: 'read' | 'write',
  operation: string,
  error: unknown,
): unknown {
  if (!(error instanceof Database.SqliteError)) {
    return error;
  }

  const detail = `${error.code} ${error.message}`;
  if (error.code.startsWith('SQLITE_READONLY')) {
    return new StoreError(
      'FO_ERR_STORE_READONLY',
      `lease store ${path} is read-only, cannot ${operation}: ${detail}`,
    );
  }

  if (error.code.startsWith('SQLITE_BUSY')) {
    return new StoreError(
      'FO_ERR_STORE_BUSY',
      `lease store ${path} is locked by another connection, cannot ${operation}: ${detail}`,
    );
  }

  if (error.code.startsWith('SQLITE_CORRUPT')) {
    return new StoreError(
      'FO_ERR_STORE_CORRUPT',
      `lease store ${path} is damaged, cannot ${operation}: ${detail}`,
    );
  }

  const code = kind === 'read' ? 'FO_ERR_STORE_READ_FAILED' : 'FO_ERR_STORE_WRITE_FAILED';
  return new StoreError(code, `lease store ${path} failed to ${operation}: ${detail}`);
}

function requireLimit(limit: number): void {
  if (!Number.isSafeInteger(limit) || limit < 0) {
    throw new StoreError(
      'FO_ERR_STORE_INVALID_LIMIT',
      `pending binding limit ${limit}, expected a non-negative integer`,
    );
  }
}

function acknowledgeParameters(update: AcknowledgedUpdate): AcknowledgeParameters {
  const { address, updateSeq, ackedPet } = update;
  if (ackedPet !== undefined) {
    requirePet(address, 'ackedPet', ackedPet);
  }

  return { address: requireAddress(address), updateSeq, ackedPet: ackedPet ?? null };
}

function sentPetParameters({ address, sentPet }: SentPet): SentPetParameters {
  requirePet(address, 'sentPet', sentPet);
  return { address: requireAddress(address), sentPet };
}

function requirePet(address: string, field: string, value: number): void {
  if (!(Number.isInteger(value) && value >= 0 && value <= 0xffffffff)) {
    throw new StoreError(
      'FO_ERR_STORE_INVALID_BINDING',
      `binding ${address} field ${field} ${value}, expected an integer 0..4294967295`,
    );
  }
}

function requireAddress(address: string): number {
  const value = parseIPv4(address);
  if (value === undefined) {
    throw new StoreError(
      'FO_ERR_STORE_INVALID_BINDING',
      `binding address ${JSON.stringify(address)}, expected a dotted quad`,
    );
  }

  return value;
}

/**
 * Opens the lease store at `path`, creating and initialising it when the file is missing or empty
 * (unless `readonly`). An existing file is checked first on a read-only connection. A file that is
 * not SQLite, is truncated or damaged, belongs to another program, lacks a table or has a newer
 * schema raises a StoreError naming the path, and the file stays unchanged.
 */
export function openLeaseStore(path: string, options: LeaseStoreOptions = {}): SqliteLeaseStore {
  const readonly = options.readonly ?? false;
  if (path === MEMORY_PATH) {
    return readonly ? throwEmpty(path) : openWritable(path);
  }

  const kind = inspectStoreFile(path);
  if (readonly) {
    return openReadonly(path, kind);
  }

  if (kind === 'missing') {
    // The store contains clients' hardware addresses, so only its owner may read it. SQLite gives
    // the -wal and -shm files the same permissions.
    createOwnerOnlyFile(path);
  }

  if (kind === 'sqlite') {
    const checkConnection = connect(path, true);
    try {
      checkStoreContent(checkConnection, path);
    } finally {
      checkConnection.close();
    }
  }

  return openWritable(path);
}

function createOwnerOnlyFile(path: string): void {
  try {
    closeSync(openSync(path, 'wx', 0o600));
  } catch (error) {
    throw sqliteOpenError(path, error);
  }
}

function openReadonly(path: string, kind: StoreFileKind): SqliteLeaseStore {
  if (kind === 'missing') {
    throw new StoreError('FO_ERR_STORE_NOT_FOUND', `lease store ${path} not found`);
  }

  if (kind === 'empty') {
    return throwEmpty(path);
  }

  const db = connect(path, true);
  try {
    const version = checkStoreContent(db, path);
    if (version === 0) {
      return throwEmpty(path);
    }

    if (version < OLDEST_READABLE_VERSION) {
      throw new StoreError(
        'FO_ERR_STORE_SCHEMA_OUTDATED',
        `lease store ${path} has schema version ${version}, expected at least ${OLDEST_READABLE_VERSION}; open it read-write once to upgrade it`,
      );
    }

    return new SqliteLeaseStore(db, path, true);
  } catch (error) {
    db.close();
    throw error;
  }
}

function openWritable(path: string): SqliteLeaseStore {
  const db = connect(path, false);
  try {
    configureDurability(db, path);
    migrateSchema(db);
    return new SqliteLeaseStore(db, path, false);
  } catch (error) {
    db.close();
    throw error instanceof StoreError ? error : sqliteOpenError(path, error);
  }
}

function connect(path: string, readonly: boolean): Database.Database {
  try {
    return new Database(path, { readonly, fileMustExist: readonly, timeout: BUSY_TIMEOUT_MS });
  } catch (error) {
    throw sqliteOpenError(path, error);
  }
}

/**
 * WAL with synchronous = FULL syncs the log on every commit, so a returned write survives a crash
 * or power loss (FO-5.2.1-f). fullfsync matters only on macOS, where plain fsync can leave the data
 * in the drive's cache.
 */
function configureDurability(db: Database.Database, path: string): void {
  const journalMode = String(db.pragma('journal_mode = WAL', { simple: true }));
  if (journalMode !== 'wal' && path !== MEMORY_PATH) {
    throw new StoreError(
      'FO_ERR_STORE_OPEN_FAILED',
      `lease store ${path} journal_mode ${journalMode}, expected wal`,
    );
  }

  db.pragma(`synchronous = ${DURABLE_SYNCHRONOUS}`);
  db.pragma('fullfsync = ON');
}

function throwEmpty(path: string): never {
  throw new StoreError(
    'FO_ERR_STORE_EMPTY',
    `lease store ${path} has no dhcpf schema yet, expected a store that was opened read-write before`,
  );
}
