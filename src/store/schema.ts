// Schema of the lease store file and the migrations that build and upgrade it. PRAGMA user_version
// contains the schema version, and PRAGMA application_id marks the file as a dhcpf lease store.

import type { Database } from 'better-sqlite3';

/** application_id of every dhcpf lease store: the ASCII bytes "DHCF". */
export const STORE_APPLICATION_ID = 0x44484346;

/** Tables of one schema version, each with the columns the store reads and writes. */
export type SchemaTables = Readonly<Record<string, readonly string[]>>;

export interface Migration {
  /** user_version of the file after this migration. */
  readonly toVersion: number;
  readonly description: string;
  /** Tables that a file of `toVersion` contains; open checks them to tell damage from a store. */
  readonly tables: SchemaTables;
  /**
   * The migration adds only indexes, so a file one version older still contains every table and
   * column the store reads and may be opened read-only without it.
   */
  readonly indexesOnly?: boolean;
  apply(db: Database): void;
}

// Addresses are INTEGER keys (the rowid), so lookups, ordering and range queries work on numbers.
// binding_status contains the draft-12 section 12.3 code. change_order is a store-wide counter of
// local changes that orders pending bindings oldest change first. The partial index keeps the
// pending scan short when few of many bindings wait for a BNDACK.
const CREATE_VERSION_1 = `
  CREATE TABLE binding (
    address INTEGER PRIMARY KEY CHECK (address BETWEEN 0 AND 4294967295),
    binding_status INTEGER NOT NULL CHECK (binding_status BETWEEN 1 AND 7),
    ip_flags INTEGER NOT NULL,
    client_identifier BLOB,
    htype INTEGER,
    chaddr BLOB,
    scope_id INTEGER,
    lease_expiration_time INTEGER,
    start_time_of_state INTEGER,
    client_last_transaction_time INTEGER,
    sent_pet INTEGER,
    acked_pet INTEGER,
    received_pet INTEGER,
    pending_update INTEGER NOT NULL CHECK (pending_update IN (0, 1)),
    update_seq INTEGER NOT NULL,
    change_order INTEGER NOT NULL,
    other_options BLOB
  ) STRICT;
  CREATE INDEX binding_pending ON binding (change_order) WHERE pending_update = 1;
  CREATE TABLE endpoint (
    relationship TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    start_time_of_state INTEGER NOT NULL,
    previous_state TEXT,
    mclt INTEGER,
    last_operating_time INTEGER NOT NULL,
    has_synced_before INTEGER NOT NULL CHECK (has_synced_before IN (0, 1))
  ) STRICT;
`;

const TABLES_VERSION_1: SchemaTables = {
  binding: [
    'address',
    'binding_status',
    'ip_flags',
    'client_identifier',
    'htype',
    'chaddr',
    'scope_id',
    'lease_expiration_time',
    'start_time_of_state',
    'client_last_transaction_time',
    'sent_pet',
    'acked_pet',
    'received_pet',
    'pending_update',
    'update_seq',
    'change_order',
    'other_options',
  ],
  endpoint: [
    'relationship',
    'state',
    'start_time_of_state',
    'previous_state',
    'mclt',
    'last_operating_time',
    'has_synced_before',
  ],
};

// Indexes of version 2, so that the DHCP front end finds a client's bindings, the next available
// address and the next lease to expire in O(log n) instead of reading every binding. Codes are
// those of draft-12 section 12.3: 2 ACTIVE, 3 EXPIRED, 4 RELEASED, 6 RESET.
const CREATE_VERSION_2 = `
  CREATE INDEX binding_client_identifier ON binding (client_identifier)
    WHERE client_identifier IS NOT NULL;
  CREATE INDEX binding_chaddr ON binding (chaddr, htype) WHERE chaddr IS NOT NULL;
  CREATE INDEX binding_status_address ON binding (binding_status, address);
  CREATE INDEX binding_status_expiration ON binding (binding_status, lease_expiration_time);
  CREATE INDEX binding_transient ON binding (pending_update, address)
    WHERE binding_status IN (3, 4, 6);
`;

/**
 * Migrations in order: MIGRATIONS[n] upgrades a file of version n to version n + 1. A new or empty
 * file is version 0, so creating a store runs every migration.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    toVersion: 1,
    description: 'create the binding and endpoint tables',
    tables: TABLES_VERSION_1,
    apply(db) {
      db.pragma(`application_id = ${STORE_APPLICATION_ID}`);
      db.exec(CREATE_VERSION_1);
    },
  },
  {
    toVersion: 2,
    description: 'index bindings by client, binding-status and lease expiry',
    tables: TABLES_VERSION_1,
    indexesOnly: true,
    apply(db) {
      db.exec(CREATE_VERSION_2);
    },
  },
];

/** Schema version this build writes; a file of a higher version is rejected at open. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Oldest schema version a read-only connection can read: migrations that add only indexes leave
 * the tables as the version before them had them.
 */
export const OLDEST_READABLE_VERSION = MIGRATIONS.reduce(
  (oldest, migration) => (migration.indexesOnly === true ? oldest : migration.toVersion),
  1,
);

/**
 * Upgrades the file to SCHEMA_VERSION in one transaction. The version is read again inside the
 * write lock, so two processes opening the same new file do not both create the tables.
 */
export function migrateSchema(db: Database): void {
  const upgrade = db.transaction(() => {
    const fromVersion = readUserVersion(db);
    for (const migration of MIGRATIONS.slice(fromVersion)) {
      migration.apply(db);
      db.pragma(`user_version = ${migration.toVersion}`);
    }
  });
  upgrade.immediate();
}

export function readUserVersion(db: Database): number {
  return Number(db.pragma('user_version', { simple: true }));
}

/** Tables and columns a file of `version` must contain; none for version 0. */
export function tablesOfVersion(version: number): SchemaTables {
  return MIGRATIONS[version - 1]?.tables ?? {};
}

/**
 * Columns of the binding table in the schema this build writes, in the order the store reads and
 * writes them. A migration that adds a column lists it in its own tables, so this follows.
 */
export const BINDING_COLUMNS: readonly string[] = tablesOfVersion(SCHEMA_VERSION)['binding'] ?? [];
