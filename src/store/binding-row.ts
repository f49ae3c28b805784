// Conversion between StoredBinding and a row of the binding table. Writes check every field first,
// so a bad value raises a StoreError naming the field instead of landing in the file.

import { StoreError } from '../errors.js';
import { BindingStatus, type BindingStatusName } from '../wire/codes.js';
import type { HardwareAddress } from '../wire/types.js';
import { formatIPv4, parseIPv4 } from './ipv4.js';
import type { StoredBinding } from './types.js';

/** A binding table row as better-sqlite3 returns it. */
export interface BindingRow {
  address: number;
  binding_status: number;
  ip_flags: number;
  client_identifier: Uint8Array | null;
  htype: number | null;
  chaddr: Uint8Array | null;
  scope_id: number | null;
  lease_expiration_time: number | null;
  start_time_of_state: number | null;
  client_last_transaction_time: number | null;
  sent_pet: number | null;
  acked_pet: number | null;
  received_pet: number | null;
  pending_update: number;
  update_seq: number;
  change_order: number;
  other_options: Uint8Array | null;
}

const UINT32_MAX = 0xffffffff;

/** Tells whether `name` is a binding-status name (draft-12 section 12.3). */
export function isBindingStatusName(name: string): name is BindingStatusName {
  return Object.hasOwn(BindingStatus, name);
}

const BINDING_STATUS_NAMES = new Map<number, BindingStatusName>();
for (const [name, code] of Object.entries(BindingStatus)) {
  if (isBindingStatusName(name)) {
    BINDING_STATUS_NAMES.set(code, name);
  }
}

/**
 * Checks `binding` and returns its row; raises FO_ERR_STORE_INVALID_BINDING. change_order is 0
 * here because the store assigns it inside the write transaction.
 */
export function toBindingRow(binding: StoredBinding): BindingRow {
  const address = parseIPv4(binding.address);
  if (address === undefined) {
    throw invalidBinding(binding.address, 'address', binding.address, 'a dotted quad');
  }

  const field = (name: string, value: number | undefined, max: number): number | null =>
    checkInteger(binding.address, name, value, max);
  const hardware = binding.clientHardwareAddress;
  return {
    address,
    binding_status: bindingStatusCode(binding),
    ip_flags: checkInteger(binding.address, 'ipFlags', binding.ipFlags, 0xffff) ?? 0,
    client_identifier: binding.clientIdentifier ?? null,
    htype:
      hardware === undefined ? null : field('clientHardwareAddress.htype', hardware.htype, 0xff),
    chaddr: hardware?.chaddr ?? null,
    scope_id: field('clientHardwareAddress.scopeId', hardware?.scopeId, UINT32_MAX),
    lease_expiration_time: field('leaseExpirationTime', binding.leaseExpirationTime, UINT32_MAX),
    start_time_of_state: field('startTimeOfState', binding.startTimeOfState, UINT32_MAX),
    client_last_transaction_time: field(
      'clientLastTransactionTime',
      binding.clientLastTransactionTime,
      UINT32_MAX,
    ),
    sent_pet: field('sentPet', binding.sentPet, UINT32_MAX),
    acked_pet: field('ackedPet', binding.ackedPet, UINT32_MAX),
    received_pet: field('receivedPet', binding.receivedPet, UINT32_MAX),
    pending_update: binding.pendingUpdate ? 1 : 0,
    update_seq:
      checkInteger(binding.address, 'updateSeq', binding.updateSeq, Number.MAX_SAFE_INTEGER) ?? 0,
    change_order: 0,
    other_options: binding.otherOptions ?? null,
  };
}

function bindingStatusCode(binding: StoredBinding): number {
  if (!isBindingStatusName(binding.bindingStatus)) {
    const allowed = Object.keys(BindingStatus).join(', ');
    throw invalidBinding(
      binding.address,
      'bindingStatus',
      binding.bindingStatus,
      `one of ${allowed}`,
    );
  }

  return BindingStatus[binding.bindingStatus];
}

function checkInteger(
  address: string,
  field: string,
  value: number | undefined,
  max: number,
): number | null {
  if (value === undefined) {
    return null;
  }

  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw invalidBinding(address, field, value, `an integer 0..${max}`);
  }

  return value;
}

function invalidBinding(
  address: string,
  field: string,
  found: unknown,
  expected: string,
): StoreError {
  return new StoreError(
    'FO_ERR_STORE_INVALID_BINDING',
    `binding ${address} field ${field} ${JSON.stringify(found)}, expected ${expected}`,
  );
}

/** Builds the StoredBinding of a row, leaving out the fields that are NULL. */
export function bindingFromRow(row: BindingRow, path: string): StoredBinding {
  const address = formatIPv4(row.address);
  const bindingStatus = BINDING_STATUS_NAMES.get(row.binding_status);
  if (bindingStatus === undefined) {
    throw new StoreError(
      'FO_ERR_STORE_INVALID_ROW',
      `lease store ${path} binding ${address} binding_status ${row.binding_status}, expected 1..7`,
    );
  }

  const binding: StoredBinding = {
    address,
    bindingStatus,
    ipFlags: row.ip_flags,
    pendingUpdate: row.pending_update === 1,
    updateSeq: row.update_seq,
  };
  const hardware = hardwareFromRow(row);
  if (hardware !== undefined) binding.clientHardwareAddress = hardware;
  if (row.client_identifier !== null) binding.clientIdentifier = copyBytes(row.client_identifier);
  if (row.lease_expiration_time !== null) binding.leaseExpirationTime = row.lease_expiration_time;
  if (row.start_time_of_state !== null) binding.startTimeOfState = row.start_time_of_state;
  if (row.client_last_transaction_time !== null) {
    binding.clientLastTransactionTime = row.client_last_transaction_time;
  }
  if (row.sent_pet !== null) binding.sentPet = row.sent_pet;
  if (row.acked_pet !== null) binding.ackedPet = row.acked_pet;
  if (row.received_pet !== null) binding.receivedPet = row.received_pet;
  if (row.other_options !== null) binding.otherOptions = copyBytes(row.other_options);
  return binding;
}

function hardwareFromRow(row: BindingRow): HardwareAddress | undefined {
  if (row.htype === null || row.chaddr === null) {
    return undefined;
  }

  const hardware: HardwareAddress = { htype: row.htype, chaddr: copyBytes(row.chaddr) };
  if (row.scope_id !== null) hardware.scopeId = row.scope_id;
  return hardware;
}

/** Copies a BLOB into a plain Uint8Array, because a Buffer may be a view into Node's shared pool. */
function copyBytes(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}
