// Indexed lookups of the binding table for the DHCP front end and lease expiry: a client's
// bindings, available addresses of a pool, and the leases due to expire. Each uses an index of
// schema version 2, so it costs O(log n) plus the rows it returns.

import type Database from 'better-sqlite3';
import { BindingStatus, INFINITE_TIME, type BindingStatusName } from '../wire/codes.js';
import type { BindingRow } from './binding-row.js';

const SELECT_BINDING = 'SELECT * FROM binding';

interface ClientParameters {
  clientIdentifier: Uint8Array | null;
  htype: number;
  chaddr: Uint8Array;
}

interface StatusRangeParameters {
  status: number;
  after: number;
  last: number;
  limit: number;
}

interface RangeParameters {
  from: number;
  last: number;
}

// The transient binding-statuses EXPIRED (3), RELEASED (4) and RESET (6). The WHERE clause must
// match the partial index binding_transient word for word, or SQLite does not use the index.
const TRANSIENT_CLAUSE = 'binding_status IN (3, 4, 6)';

/** The prepared statements of the indexed lookups. */
export interface BindingQueries {
  clientBindings: Database.Statement<[ClientParameters], BindingRow>;
  bindingsWithStatus: Database.Statement<[StatusRangeParameters], BindingRow>;
  firstUnstoredAddress: Database.Statement<[RangeParameters], number | null>;
  nextStoredAddress: Database.Statement<[RangeParameters], number | null>;
  earliestLeaseExpiration: Database.Statement<[], number | null>;
  leasesExpiringBefore: Database.Statement<[number, number], BindingRow>;
  transientBindings: Database.Statement<[number], BindingRow>;
  hasTransient: Database.Statement<[number], number>;
}

/** Prepares the indexed statements on `db`; the store runs them through its error wrapper. */
export function prepareBindingQueries(db: Database.Database): BindingQueries {
  return {
    // Two indexed lookups joined by OR; SQLite runs each through its own index.
    clientBindings: db.prepare<[ClientParameters], BindingRow>(
      `${SELECT_BINDING}
       WHERE (client_identifier = @clientIdentifier AND client_identifier IS NOT NULL)
         OR (chaddr = @chaddr AND chaddr IS NOT NULL AND htype = @htype)
       ORDER BY address`,
    ),
    bindingsWithStatus: db.prepare<[StatusRangeParameters], BindingRow>(
      `${SELECT_BINDING} WHERE binding_status = @status AND address > @after AND address <= @last
       ORDER BY binding_status, address LIMIT @limit`,
    ),
    // The first address from @from on that has no row: @from itself, else the address after the
    // end of the run of stored rows that starts at @from.
    firstUnstoredAddress: db
      .prepare<[RangeParameters], number | null>(
        `SELECT CASE
           WHEN NOT EXISTS (SELECT 1 FROM binding WHERE address = @from) THEN @from
           ELSE (SELECT run.address + 1 FROM binding AS run
                 WHERE run.address >= @from AND run.address < @last
                   AND NOT EXISTS (SELECT 1 FROM binding AS next
                                   WHERE next.address = run.address + 1)
                 ORDER BY run.address LIMIT 1)
         END`,
      )
      .pluck(),
    nextStoredAddress: db
      .prepare<[RangeParameters], number | null>(
        'SELECT min(address) FROM binding WHERE address >= @from AND address <= @last',
      )
      .pluck(),
    earliestLeaseExpiration: db
      .prepare<[], number | null>(
        `SELECT min(lease_expiration_time) FROM binding
         WHERE binding_status = 2 AND lease_expiration_time < ${INFINITE_TIME}`,
      )
      .pluck(),
    leasesExpiringBefore: db.prepare<[number, number], BindingRow>(
      `${SELECT_BINDING} WHERE binding_status = 2 AND lease_expiration_time < ?
       ORDER BY lease_expiration_time LIMIT ?`,
    ),
    transientBindings: db.prepare<[number], BindingRow>(
      `${SELECT_BINDING} WHERE ${TRANSIENT_CLAUSE} AND pending_update = ?
       ORDER BY pending_update, address`,
    ),
    hasTransient: db
      .prepare<[number], number>(
        `SELECT EXISTS (SELECT 1 FROM binding WHERE ${TRANSIENT_CLAUSE} AND pending_update = ?)`,
      )
      .pluck(),
  };
}

/** Returns the parameters of the client lookup, NULL for a client-identifier not sent. */
export function clientParameters(client: {
  clientIdentifier?: Uint8Array | undefined;
  htype: number;
  chaddr: Uint8Array;
}): ClientParameters {
  return {
    clientIdentifier: client.clientIdentifier ?? null,
    htype: client.htype,
    chaddr: client.chaddr,
  };
}

export function statusCodeOf(status: BindingStatusName): number {
  return BindingStatus[status];
}
