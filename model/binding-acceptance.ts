// Decides one received binding update transaction (draft-12 section 7.1.3): accept, with the
// binding-status to store, or reject with the reject-reason and a message clause for the BNDACK.
// Pure: the caller passes what it stores for the address, its pools, its role and the time.

import type { AddressRange } from '../src/config/types.js';
import type { StoredBinding } from '../src/store/types.js';
import {
  BindingStatus,
  IP_FLAG_RESERVED,
  RejectReason,
  type BindingStatusName,
} from '../src/wire/codes.js';
import type { BindingUpdate, HardwareAddress } from '../src/wire/types.js';
import type { Role } from './endpoint-types.js';

/** The stored fields the decision reads. */
export type StoredBindingView = Pick<
  StoredBinding,
  | 'bindingStatus'
  | 'clientIdentifier'
  | 'clientHardwareAddress'
  | 'leaseExpirationTime'
  | 'startTimeOfState'
  | 'clientLastTransactionTime'
>;

export interface ReceivedBindingUpdate {
  role: Role;
  /** Receive time, seconds since 1970. */
  now: number;
  /**
   * The transaction, with a draft-12 binding-status value and its times already corrected for
   * the partner's clock offset (FO-5.10-c).
   */
  update: BindingUpdate;
  /** Stored binding of the address; absent means never used, so FREE (FO-5.16-c). */
  stored: StoredBindingView | undefined;
  /** The address pools of this failover endpoint. */
  pools: readonly AddressRange[];
  /** This server has the address configured as a reservation (FO-7.1.3-e). */
  reserved: boolean;
  /**
   * The stored binding is the last update accepted from this partner for the address, with no
   * local change since. Absent means false.
   */
  storedFromPartner?: boolean;
}

export type BindingUpdateDecision =
  | {
      accepted: true;
      bindingStatus: BindingStatusName;
      rule: string;
      /** The update is older than the stored binding: acknowledge it and keep what is stored. */
      keepStored?: boolean;
    }
  | { accepted: false; rejectReason: number; message: string; rule: string };

/**
 * A cell of the acceptance matrix (Figure 7.1.3-1). `later-cltt` is time(1), `lease-expired`
 * time(2), `later-than-state-start` time(3), `less-critical` (4) and `same-client-or-secondary` (5).
 */
type AcceptanceCell =
  | 'accept'
  | 'later-cltt'
  | 'lease-expired'
  | 'later-than-state-start'
  | 'less-critical'
  | 'same-client-or-secondary';

type MatrixColumn = 'ACTIVE' | 'EXPIRED' | 'RELEASED' | 'FREE-OR-BACKUP' | 'RESET-OR-ABANDONED';

const acceptAll: Record<MatrixColumn, AcceptanceCell> = {
  ACTIVE: 'accept',
  EXPIRED: 'accept',
  RELEASED: 'accept',
  'FREE-OR-BACKUP': 'accept',
  'RESET-OR-ABANDONED': 'accept',
};

/** Rows: the binding-status this server stores. Columns: the binding-status received. */
const acceptanceMatrix: Record<BindingStatusName, Record<MatrixColumn, AcceptanceCell>> = {
  ACTIVE: {
    ACTIVE: 'same-client-or-secondary',
    EXPIRED: 'lease-expired',
    RELEASED: 'later-cltt',
    'FREE-OR-BACKUP': 'lease-expired',
    'RESET-OR-ABANDONED': 'accept',
  },
  EXPIRED: { ...acceptAll, ACTIVE: 'later-cltt' },
  RELEASED: { ...acceptAll, ACTIVE: 'later-cltt', EXPIRED: 'later-cltt' },
  FREE: acceptAll,
  BACKUP: acceptAll,
  RESET: { ...acceptAll, ACTIVE: 'later-than-state-start' },
  ABANDONED: {
    ACTIVE: 'less-critical',
    EXPIRED: 'less-critical',
    RELEASED: 'less-critical',
    'FREE-OR-BACKUP': 'less-critical',
    'RESET-OR-ABANDONED': 'accept',
  },
};

function columnOf(status: BindingStatusName): MatrixColumn {
  switch (status) {
    case 'FREE':
    case 'BACKUP':
      return 'FREE-OR-BACKUP';
    case 'RESET':
    case 'ABANDONED':
      return 'RESET-OR-ABANDONED';
    default:
      return status;
  }
}

function reject(rejectReason: number, message: string, rule: string): BindingUpdateDecision {
  return { accepted: false, rejectReason, message, rule };
}

const bindingStatusNames: readonly BindingStatusName[] = [
  'FREE',
  'ACTIVE',
  'EXPIRED',
  'RELEASED',
  'ABANDONED',
  'RESET',
  'BACKUP',
];

function bindingStatusName(value: number): BindingStatusName | undefined {
  return bindingStatusNames.find((name) => BindingStatus[name] === value);
}

/** Parses a dotted quad into an unsigned 32-bit number; undefined when it is not one. */
export function ipv4ToNumber(address: string): number | undefined {
  const parts = address.split('.');
  if (parts.length !== 4 || !parts.every((part) => /^\d{1,3}$/.test(part))) {
    return undefined;
  }

  const octets = parts.map(Number);
  if (octets.some((octet) => octet > 255)) {
    return undefined;
  }

  return octets.reduce((value, octet) => value * 256 + octet, 0);
}

function inPools(address: string, pools: readonly AddressRange[]): boolean {
  const value = ipv4ToNumber(address);
  if (value === undefined) {
    return false;
  }

  return pools.some((pool) => {
    const start = ipv4ToNumber(pool.start);
    const end = ipv4ToNumber(pool.end);

    return start !== undefined && end !== undefined && value >= start && value <= end;
  });
}

/**
 * Names what an update of `status` lacks to be processed (FO-7.1.3-a, Table 7.1-1), or returns
 * undefined. Only ACTIVE binds a client, so only ACTIVE needs the client and its times. A PET equal
 * to lease-expiration-time is accepted as dhcpd sends it (ISC-13); an earlier one is unusable.
 */
function missingInformation(status: BindingStatusName, update: BindingUpdate): string | undefined {
  if (status !== 'ACTIVE') {
    return undefined;
  }
  if (update.clientHardwareAddress === undefined) {
    return 'lacks client-hardware-address';
  }
  if (update.leaseExpirationTime === undefined) {
    return 'lacks lease-expiration-time';
  }
  if (update.potentialExpirationTime === undefined) {
    return 'lacks potential-expiration-time';
  }
  if (update.potentialExpirationTime < update.leaseExpirationTime) {
    return (
      `has potential-expiration-time ${update.potentialExpirationTime}, ` +
      `expected at least lease-expiration-time ${update.leaseExpirationTime}`
    );
  }

  return undefined;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, index) => byte === b[index]);
}

function sameHardwareAddress(a: HardwareAddress, b: HardwareAddress): boolean {
  return a.htype === b.htype && sameBytes(a.chaddr, b.chaddr);
}

/**
 * Compares clients by client-identifier when both sides have one, else by client-hardware-address
 * (FO-7.1.1-h). With nothing to compare there is no evidence of a second client.
 */
function sameClient(stored: StoredBindingView, update: BindingUpdate): boolean {
  if (stored.clientIdentifier !== undefined && update.clientIdentifier !== undefined) {
    return sameBytes(stored.clientIdentifier, update.clientIdentifier);
  }
  if (stored.clientHardwareAddress !== undefined && update.clientHardwareAddress !== undefined) {
    return sameHardwareAddress(stored.clientHardwareAddress, update.clientHardwareAddress);
  }

  return true;
}

/** FO-7.1.3-d: an update without CLTT is never later; one with CLTT beats a missing stored time. */
function isLater(received: number | undefined, stored: number | undefined): boolean {
  if (received === undefined) {
    return false;
  }

  return stored === undefined || received > stored;
}

/**
 * Breaks a tie of time(1) (Figure 7.1.3-1): an update whose CLTT equals the stored one is newer
 * when the stored binding is the same partner's previous update for the address and nothing
 * changed here since. A partner sends an address's changes in the order it made them and only
 * the latest pending one, so a second-granular CLTT cannot order a DHCPRELEASE that follows the
 * DHCPACK within one second, but the partner's message order can. FO-7.1.3-d still holds: an
 * update without CLTT is never later, and a tie with a binding this server wrote stays a reject.
 */
function tiesWithPartnerOwnUpdate(
  input: ReceivedBindingUpdate,
  stored: StoredBindingView,
): boolean {
  const cltt = input.update.clientLastTransactionTime;
  return (
    input.storedFromPartner === true &&
    cltt !== undefined &&
    cltt === stored.clientLastTransactionTime
  );
}

/**
 * Breaks the other tie of time(1): an ACTIVE update for a different client than a stored RELEASED
 * or EXPIRED binding, with the same CLTT, is newer. A server gives an address to a second client
 * only after the first client's lease ended, so the allocation is the later event even within one
 * second. Without this, a resent DHCPRELEASE and the partner's new lease on the address reject
 * each other with reason 15 forever (both stay pending).
 */
function tiesWithAllocationAfterEnd(
  input: ReceivedBindingUpdate,
  stored: StoredBindingView,
): boolean {
  const { update } = input;
  return (
    update.bindingStatus === BindingStatus.ACTIVE &&
    (stored.bindingStatus === 'RELEASED' || stored.bindingStatus === 'EXPIRED') &&
    update.clientLastTransactionTime !== undefined &&
    update.clientLastTransactionTime === stored.clientLastTransactionTime &&
    differentClient(stored, update)
  );
}

/** Tells whether both sides name a client and the clients differ (FO-7.1.1-h). */
function differentClient(stored: StoredBindingView, update: BindingUpdate): boolean {
  return comparableClients(stored, update) && !sameClient(stored, update);
}

function comparableClients(stored: StoredBindingView, update: BindingUpdate): boolean {
  return (
    (stored.clientIdentifier !== undefined && update.clientIdentifier !== undefined) ||
    (stored.clientHardwareAddress !== undefined && update.clientHardwareAddress !== undefined)
  );
}

/**
 * Tells whether an update that ends a lease (EXPIRED, RELEASED, RESET) is one this server already
 * applied before it lent the address as BACKUP. The stored BACKUP then carries the same client and
 * CLTT, kept from that update, and began no earlier. That happens when the partner resends a
 * DHCPRELEASE after a lost BNDACK while the primary, having accepted it the first time, already
 * lent the address. Storing it as FREE (FO-5.11-e) would leave the primary with FREE and the
 * secondary with BACKUP, both allowed to allocate the address, so the stored BACKUP stays. An
 * update for another client or time is new information and is stored as FREE.
 */
function repeatsUpdateBeforeBackup(
  status: BindingStatusName,
  update: BindingUpdate,
  stored: StoredBindingView,
): boolean {
  const cltt = update.clientLastTransactionTime;
  return (
    (status === 'EXPIRED' || status === 'RELEASED' || status === 'RESET') &&
    stored.bindingStatus === 'BACKUP' &&
    cltt !== undefined &&
    cltt === stored.clientLastTransactionTime &&
    stored.startTimeOfState !== undefined &&
    cltt <= stored.startTimeOfState &&
    sameClientShown(stored, update)
  );
}

/** Tells whether both sides name a client and it is the same one (FO-7.1.1-h). */
function sameClientShown(stored: StoredBindingView, update: BindingUpdate): boolean {
  return comparableClients(stored, update) && sameClient(stored, update);
}

function formatTime(time: number | undefined): string {
  return time === undefined ? 'none' : String(time);
}

/**
 * Applies one matrix cell and returns the rejection, or undefined when the cell accepts. The
 * rejection message continues `subject`, which names the update ("FREE update for 10.0.0.5").
 */
function applyCell(
  cell: AcceptanceCell,
  input: ReceivedBindingUpdate,
  stored: StoredBindingView,
  subject: string,
): BindingUpdateDecision | undefined {
  const { update } = input;
  const cltt = update.clientLastTransactionTime;
  switch (cell) {
    case 'accept':
      return undefined;
    case 'later-cltt':
      return isLater(cltt, stored.clientLastTransactionTime) ||
        tiesWithPartnerOwnUpdate(input, stored) ||
        tiesWithAllocationAfterEnd(input, stored)
        ? undefined
        : reject(
            RejectReason.OUTDATED_BINDING_INFORMATION,
            `${subject} has client-last-transaction-time ${formatTime(cltt)}, expected later ` +
              `than the stored ${formatTime(stored.clientLastTransactionTime)}`,
            'FO-7.1.3-d',
          );
    case 'lease-expired':
      return stored.leaseExpirationTime !== undefined && input.now > stored.leaseExpirationTime
        ? undefined
        : reject(
            RejectReason.OUTDATED_BINDING_INFORMATION,
            `${subject} arrived at ${input.now}, expected after the stored ACTIVE lease ` +
              `expires at ${formatTime(stored.leaseExpirationTime)}`,
            'FO-7.1.2-a',
          );
    case 'later-than-state-start':
      return isLater(cltt, stored.startTimeOfState)
        ? undefined
        : reject(
            RejectReason.OUTDATED_BINDING_INFORMATION,
            `${subject} has client-last-transaction-time ${formatTime(cltt)}, expected later ` +
              `than the stored RESET start-time-of-state ${formatTime(stored.startTimeOfState)}`,
            'FO-7.1.3-d',
          );
    case 'less-critical':
      return reject(
        RejectReason.LESS_CRITICAL_BINDING_INFORMATION,
        `${subject} is less critical than the stored ABANDONED binding`,
        'FO-7.1.2-a',
      );
    case 'same-client-or-secondary':
      return input.role === 'secondary' || sameClient(stored, update)
        ? undefined
        : reject(
            RejectReason.FATAL_CONFLICT,
            `${subject} names a different client than the stored ACTIVE binding`,
            'FO-7.1.2-a',
          );
  }
}

/** Returns the binding-status to store for an accepted update; transient ones become FREE (FO-5.11-e). */
function statusToStore(received: BindingStatusName): BindingStatusName {
  return received === 'EXPIRED' || received === 'RELEASED' || received === 'RESET'
    ? 'FREE'
    : received;
}

/**
 * Decides a received binding update transaction in the order of draft-12 section 7.1.3. It checks
 * for missing information (reject 3) and an address outside this endpoint's pools (reject 1).
 * Then it checks for a reserved BACKUP on an address this server does not reserve (reject 19).
 * Last comes the acceptance matrix (reject 15, 16 or 2). FREE and BACKUP updates that carry zero
 * times are accepted, as dhcpd sends them (ISC-13).
 *
 * GAP(FO-7.1.2-b): the "one client, two addresses" check is left to the caller, because it needs
 * the client's other bindings.
 */
export function decideBindingUpdate(input: ReceivedBindingUpdate): BindingUpdateDecision {
  const { update } = input;
  const status = bindingStatusName(update.bindingStatus);
  if (status === undefined) {
    return reject(
      RejectReason.MISSING_BINDING_INFORMATION,
      `update for ${update.address} has binding-status ${update.bindingStatus}, expected 1 to 7`,
      'FO-7.1.3-a',
    );
  }

  const subject = `${status} update for ${update.address}`;
  const missing = missingInformation(status, update);
  if (missing !== undefined) {
    return reject(RejectReason.MISSING_BINDING_INFORMATION, `${subject} ${missing}`, 'FO-7.1.3-a');
  }

  if (!inPools(update.address, input.pools)) {
    return reject(
      RejectReason.ILLEGAL_IP_ADDRESS,
      `address ${update.address} is outside every pool of this endpoint`,
      'FO-7.1.3-b',
    );
  }

  const reservedFlag = ((update.ipFlags ?? 0) & IP_FLAG_RESERVED) !== 0;
  if (status === 'BACKUP' && reservedFlag && !input.reserved) {
    return reject(
      RejectReason.IP_NOT_RESERVED,
      `${subject} has the reserved flag, expected a reservation on this server`,
      'FO-7.1.3-e',
    );
  }

  const stored: StoredBindingView = input.stored ?? { bindingStatus: 'FREE' };
  const cell = acceptanceMatrix[stored.bindingStatus][columnOf(status)];
  const rejection = applyCell(cell, input, stored, subject);
  if (rejection !== undefined) {
    return rejection;
  }

  if (repeatsUpdateBeforeBackup(status, update, stored)) {
    return { accepted: true, bindingStatus: 'BACKUP', rule: 'FO-5.11-e', keepStored: true };
  }

  const bindingStatus = statusToStore(status);
  const rule = bindingStatus === status ? 'FO-7.1.3-f' : 'FO-5.11-e';

  return { accepted: true, bindingStatus, rule };
}
