// Conversion between a stored binding and a binding update transaction: what this server sends
// for its own binding (the strict form of Table 7.1-1), and what it stores for an accepted update
// from the partner (times moved onto our clock, EXPIRED/RELEASED/RESET stored as FREE).

import type { StoredBinding } from '../store/types.js';
import {
  BindingStatus,
  INFINITE_TIME,
  IP_FLAG_RESERVED,
  type BindingStatusName,
} from '../wire/codes.js';
import type { BindingUpdate, FailoverOption } from '../wire/types.js';

const STATUS_NAMES = new Map<number, BindingStatusName>(
  Object.entries(BindingStatus).map(([name, code]) => [code, name as BindingStatusName]),
);

/** Returns the binding-status name of a code, or undefined for a code outside 1..7. */
export function bindingStatusName(code: number): BindingStatusName | undefined {
  return STATUS_NAMES.get(code);
}

/**
 * Returns the potential-expiration-time to send for an ACTIVE binding: the latest PET recorded for
 * it (FO-7.1.1-g), or, when none lies after the lease expiry, the expiry plus MCLT, because an
 * ACTIVE update MUST carry a PET later than lease-expiration-time (FO-7.1.1-f). The sum stops at
 * the infinite time 0xffffffff, the largest value the 4-byte option holds, so an infinite lease
 * gets an infinite PET (FO-5.14-a).
 */
export function potentialExpirationOf(binding: StoredBinding, mclt: number): number {
  const leaseExpiration = binding.leaseExpirationTime ?? 0;
  const recorded = Math.max(binding.sentPet ?? 0, binding.ackedPet ?? 0, binding.receivedPet ?? 0);
  return recorded > leaseExpiration ? recorded : Math.min(INFINITE_TIME, leaseExpiration + mclt);
}

/**
 * Builds the transaction for one of our bindings. Lease and potential expiration go only with
 * ACTIVE, client identity never with ABANDONED, IP-flags only when a flag is set (Table 7.1-1,
 * FO-7.1.1-e); `potentialExpiration` is what `potentialExpirationOf` returned.
 */
export function updateFromStored(
  binding: StoredBinding,
  potentialExpiration: number | undefined,
  otherOptions: FailoverOption[],
): BindingUpdate {
  const update: BindingUpdate = {
    address: binding.address,
    bindingStatus: BindingStatus[binding.bindingStatus],
    otherOptions,
  };
  if (binding.ipFlags !== 0) {
    update.ipFlags = binding.ipFlags;
  }

  if (binding.bindingStatus !== 'ABANDONED') {
    update.clientIdentifier = binding.clientIdentifier;
    update.clientHardwareAddress = binding.clientHardwareAddress;
  }

  if (binding.bindingStatus === 'ACTIVE') {
    update.leaseExpirationTime = binding.leaseExpirationTime;
    update.potentialExpirationTime = potentialExpiration;
  }

  update.startTimeOfState = positiveOrUndefined(binding.startTimeOfState);
  update.clientLastTransactionTime = binding.clientLastTransactionTime;
  return dropUndefined(update);
}

/**
 * Builds the transaction for one of a primary's bindings: a reserved FREE address goes to the
 * secondary as BACKUP with R=1 and stays FREE here, so either server can serve its client
 * (FO-5.13-a). FREE and BACKUP carry the same options (Table 7.1-1).
 */
export function primaryUpdateFromStored(
  binding: StoredBinding,
  potentialExpiration: number | undefined,
  otherOptions: FailoverOption[],
): BindingUpdate {
  const update = updateFromStored(binding, potentialExpiration, otherOptions);
  if (binding.bindingStatus === 'FREE' && (binding.ipFlags & IP_FLAG_RESERVED) !== 0) {
    update.bindingStatus = BindingStatus.BACKUP;
  }

  return update;
}

/**
 * Returns the update with every time moved onto our clock (FO-7.8.2-g). A time of 0, which ISC
 * sends for "no time" in FREE and BACKUP updates (ISC-13), becomes absent. The infinite time
 * 0xffffffff stays infinite, because a BOOTP lease never expires on either clock (FO-5.14-a).
 */
export function localUpdateOf(update: BindingUpdate, clockDelta: number): BindingUpdate {
  const toLocal = (time: number | undefined): number | undefined => {
    if (time === undefined || time === 0) {
      return undefined;
    }

    return time === INFINITE_TIME
      ? time
      : Math.min(INFINITE_TIME - 1, Math.max(0, time - clockDelta));
  };

  return dropUndefined({
    ...update,
    leaseExpirationTime: toLocal(update.leaseExpirationTime),
    potentialExpirationTime: toLocal(update.potentialExpirationTime),
    startTimeOfState: toLocal(update.startTimeOfState),
    clientLastTransactionTime: toLocal(update.clientLastTransactionTime),
  });
}

/**
 * Builds what this server stores for an accepted update whose times are already on our clock
 * (`localUpdateOf`). An accepted EXPIRED, RELEASED or RESET is stored as FREE from `now` on
 * (FO-5.11-e). A received change never produces a BNDUPD back (FO-5.5-c), so the result is not
 * pending. The exception is a kept lease-expiration-time later than the update's (FO-7.1.5-a):
 * this server's renewal crossed the update, and the partner has yet to learn it.
 * `otherOptions` is the transaction's other options as stored bytes.
 */
export function storedFromUpdate(
  update: BindingUpdate,
  status: BindingStatusName,
  current: StoredBinding | undefined,
  now: number,
  otherOptions: Uint8Array | undefined,
): StoredBinding {
  const becomesFree = status === 'EXPIRED' || status === 'RELEASED' || status === 'RESET';
  const leaseExpirationTime = leaseExpirationToStore(update, status, current);
  const keepsLaterLease =
    leaseExpirationTime !== undefined &&
    update.leaseExpirationTime !== undefined &&
    leaseExpirationTime > update.leaseExpirationTime;
  const binding: StoredBinding = {
    address: update.address,
    bindingStatus: becomesFree ? 'FREE' : status,
    ipFlags: update.ipFlags ?? 0,
    clientIdentifier: update.clientIdentifier,
    clientHardwareAddress: update.clientHardwareAddress,
    leaseExpirationTime,
    startTimeOfState: becomesFree ? now : update.startTimeOfState,
    clientLastTransactionTime: update.clientLastTransactionTime,
    sentPet: current?.sentPet,
    ackedPet: current?.ackedPet,
    // FO-7.1.5-a: record the PET received in an accepted update.
    receivedPet: update.potentialExpirationTime ?? current?.receivedPet,
    pendingUpdate: keepsLaterLease,
    // A newer updateSeq makes a late BNDACK for our own superseded update clear nothing.
    updateSeq: (current?.updateSeq ?? 0) + 1,
    otherOptions,
  };
  return dropUndefined(binding);
}

/** FO-7.1.5-a: a renewal of the same ACTIVE lease keeps the later of the two expiry times. */
function leaseExpirationToStore(
  update: BindingUpdate,
  status: BindingStatusName,
  current: StoredBinding | undefined,
): number | undefined {
  const received = update.leaseExpirationTime;
  if (status !== 'ACTIVE') {
    return received;
  }

  const sameLease = current?.bindingStatus === 'ACTIVE' && sameClient(current, update);
  if (!sameLease || received === undefined) {
    return received;
  }

  return Math.max(received, current.leaseExpirationTime ?? 0);
}

/** Compares client-identifier when both sides have one, else the hardware address. */
export function sameClient(binding: StoredBinding, update: BindingUpdate): boolean {
  if (binding.clientIdentifier !== undefined && update.clientIdentifier !== undefined) {
    return bytesEqual(binding.clientIdentifier, update.clientIdentifier);
  }

  const stored = binding.clientHardwareAddress;
  const received = update.clientHardwareAddress;
  if (stored === undefined || received === undefined) {
    return stored === received;
  }

  return stored.htype === received.htype && bytesEqual(stored.chaddr, received.chaddr);
}

function bytesEqual(left: Uint8Array, right: Uint8Array): boolean {
  return left.length === right.length && left.every((byte, index) => byte === right[index]);
}

function positiveOrUndefined(value: number | undefined): number | undefined {
  return value === undefined || value <= 0 ? undefined : value;
}

/** Removes keys whose value is undefined, so optional fields are absent rather than undefined. */
function dropUndefined<T extends object>(value: T): T {
  for (const key of Object.keys(value) as (keyof T)[]) {
    if (value[key] === undefined) {
      delete value[key];
    }
  }

  return value;
}
