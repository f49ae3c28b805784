// Conversion between EndpointRecord and a row of the endpoint table, one row per relationship.

import { StoreError } from '../errors.js';
import { ServerState, type FailoverStateName } from '../wire/codes.js';
import type { EndpointRecord } from './types.js';

/** An endpoint table row as better-sqlite3 returns it. */
export interface EndpointRow {
  relationship: string;
  state: string;
  start_time_of_state: number;
  previous_state: string | null;
  mclt: number | null;
  last_operating_time: number;
  has_synced_before: number;
}

const UINT32_MAX = 0xffffffff;

function isFailoverStateName(name: string): name is FailoverStateName {
  return Object.hasOwn(ServerState, name);
}

/** Checks `record` and returns the upsert parameters; raises FO_ERR_STORE_INVALID_ENDPOINT. */
export function toEndpointParameters(record: EndpointRecord): EndpointRow {
  const check = (field: string, value: number | undefined): number | null =>
    checkUint32(record.relationship, field, value);
  checkStateName(record.relationship, 'state', record.state);
  if (record.previousState !== undefined) {
    checkStateName(record.relationship, 'previousState', record.previousState);
  }

  return {
    relationship: record.relationship,
    state: record.state,
    start_time_of_state: check('startTimeOfState', record.startTimeOfState) ?? 0,
    previous_state: record.previousState ?? null,
    mclt: check('mclt', record.mclt),
    last_operating_time: check('lastOperatingTime', record.lastOperatingTime) ?? 0,
    has_synced_before: record.hasSyncedBefore ? 1 : 0,
  };
}

function checkStateName(relationship: string, field: string, state: string): void {
  if (isFailoverStateName(state)) {
    return;
  }

  throw new StoreError(
    'FO_ERR_STORE_INVALID_ENDPOINT',
    `endpoint ${relationship} field ${field} ${JSON.stringify(state)}, expected one of ${Object.keys(ServerState).join(', ')}`,
  );
}

function checkUint32(
  relationship: string,
  field: string,
  value: number | undefined,
): number | null {
  if (value === undefined) {
    return null;
  }

  if (!Number.isInteger(value) || value < 0 || value > UINT32_MAX) {
    throw new StoreError(
      'FO_ERR_STORE_INVALID_ENDPOINT',
      `endpoint ${relationship} field ${field} ${JSON.stringify(value)}, expected an integer 0..${UINT32_MAX}`,
    );
  }

  return value;
}

/** Builds the EndpointRecord of a row; raises FO_ERR_STORE_INVALID_ROW for an unknown state name. */
export function endpointFromRow(row: EndpointRow, path: string): EndpointRecord {
  const state = readStateName(row, 'state', row.state, path);
  const record: EndpointRecord = {
    relationship: row.relationship,
    state,
    startTimeOfState: row.start_time_of_state,
    lastOperatingTime: row.last_operating_time,
    hasSyncedBefore: row.has_synced_before === 1,
  };
  if (row.previous_state !== null) {
    record.previousState = readStateName(row, 'previous_state', row.previous_state, path);
  }
  if (row.mclt !== null) {
    record.mclt = row.mclt;
  }
  return record;
}

function readStateName(
  row: EndpointRow,
  column: string,
  state: string,
  path: string,
): FailoverStateName {
  if (isFailoverStateName(state)) {
    return state;
  }

  throw new StoreError(
    'FO_ERR_STORE_INVALID_ROW',
    `lease store ${path} endpoint ${row.relationship} ${column} ${JSON.stringify(state)}, expected a failover state name`,
  );
}
