// The durable lease store: one SQLite file per server. Every write method returns only after the
// change is committed to disk, because a BNDACK may go out only after that (FO-5.2.1-f, FO-9.8.3-d).

import type { FailoverStateName, BindingStatusName } from '../wire/codes.js';
import type { HardwareAddress } from '../wire/types.js';

/** One address's binding as this server stores it, with the failover bookkeeping of FO-7.1.5. */
export interface StoredBinding {
  /** IPv4 address, dotted quad; the key. */
  address: string;
  bindingStatus: BindingStatusName;
  /** IP-flags (R = 0x1 reserved, B = 0x2 BOOTP). */
  ipFlags: number;
  clientIdentifier?: Uint8Array;
  clientHardwareAddress?: HardwareAddress;
  /** Expiry given to the client, seconds since 1970. */
  leaseExpirationTime?: number;
  /** When the address entered its current binding-status. */
  startTimeOfState?: number;
  clientLastTransactionTime?: number;
  /** Latest potential-expiration-time sent to the partner, acknowledged or not (FO-7.1.1-g). */
  sentPet?: number;
  /** Latest potential-expiration-time the partner acknowledged (FO-7.2.2-a). */
  ackedPet?: number;
  /** Latest potential-expiration-time received from the partner in an accepted BNDUPD. */
  receivedPet?: number;
  /**
   * The partner has not yet acknowledged this binding's latest change (FO-5.17-a). Set on every
   * local change and by UPDREQALL, cleared by a BNDACK for the same `updateSeq`.
   */
  pendingUpdate: boolean;
  /** Increases on every local change, so a late BNDACK for an older change clears nothing. */
  updateSeq: number;
  /** Options of the last update not modelled above (client-request-options, DDNS, ...) as TLV bytes. */
  otherOptions?: Uint8Array;
}

/** Failover endpoint record of one relationship (FO-9.2-a, FO-9.2-e, FO-9.13.1-a, FO-9.14.1-a). */
export interface EndpointRecord {
  relationship: string;
  state: FailoverStateName;
  /** When `state` was entered, seconds since 1970. */
  startTimeOfState: number;
  /** The state to resume from after PAUSED or SHUTDOWN. */
  previousState?: FailoverStateName;
  /** MCLT adopted from the primary's CONNECT (FO-7.8.2-h), seconds. */
  mclt?: number;
  /** Last time this server was known to be operating, seconds since 1970. */
  lastOperatingTime: number;
  /** A sync with the partner has completed at some time (FO-9.6.2-b). */
  hasSyncedBefore: boolean;
}

/** The partner accepted the change at `updateSeq` of `address` and its PET (FO-7.2.2-a). */
export interface AcknowledgedUpdate {
  address: string;
  updateSeq: number;
  ackedPet: number | undefined;
}

/** The potential-expiration-time of a BNDUPD about to go out for `address` (FO-7.1.1-g). */
export interface SentPet {
  address: string;
  sentPet: number;
}

/** The update sender's record of one commit: BNDACKs received and PETs about to be sent. */
export interface SendProgress {
  acknowledged: readonly AcknowledgedUpdate[];
  sentPets: readonly SentPet[];
}

/** A client as bindings name it: by client-identifier, else by hardware address (FO-7.1.1-h). */
export interface BindingClient {
  clientIdentifier?: Uint8Array | undefined;
  htype: number;
  chaddr: Uint8Array;
}

/**
 * A change this store connection committed, as change listeners receive it: bindings written, BNDACKs
 * recorded (which may leave transient bindings acknowledged), or every binding marked pending.
 */
export type StoreChange =
  | { kind: 'bindings'; bindings: readonly StoredBinding[] }
  | { kind: 'acknowledgements' }
  | { kind: 'all-pending' };

export interface LeaseStore {
  /** Path of the SQLite file, or ':memory:'. */
  readonly path: string;
  getBinding(address: string): StoredBinding | undefined;
  /** The stored bindings of `addresses`, in one read; an address not stored is left out. */
  getBindings(addresses: readonly string[]): StoredBinding[];
  /**
   * Writes all bindings in one transaction; durable when it returns. A binding whose `updateSeq` is
   * lower than the stored one raises FO_ERR_STORE_UPDATE_SEQ_DECREASED and nothing is written.
   */
  putBindings(bindings: readonly StoredBinding[]): void;
  /** Every binding, ordered by address as a number. */
  allBindings(): IterableIterator<StoredBinding>;
  countBindings(): number;
  /** Bindings with `pendingUpdate`, oldest change first, at most `limit`. */
  pendingBindings(limit: number): StoredBinding[];
  /** The addresses pendingBindings would return, in its order, without reading the bindings. */
  pendingAddresses(limit: number): string[];
  countPending(): number;
  /** Clears `pendingUpdate` and records `ackedPet` if the binding is still at `updateSeq`. */
  acknowledgeUpdate(address: string, updateSeq: number, ackedPet: number | undefined): void;
  /**
   * Records `progress` in one transaction, durable when it returns, writing only the columns
   * concerned. An acknowledgement applies like acknowledgeUpdate, only while the binding is still at
   * its `updateSeq`. A sent PET applies to the stored binding whatever its updateSeq, because the
   * BNDUPD carrying it goes out either way. An address not stored is skipped.
   */
  recordSendProgress(progress: SendProgress): void;
  /**
   * Records BNDACKs like recordSendProgress, in one transaction that waits for no disk sync. The
   * change is visible at once and survives a killed process, and the next durable write makes it
   * durable too. A power loss before that may lose it, which leaves the bindings pending, so they
   * are sent again.
   */
  recordAcknowledgements(acknowledged: readonly AcknowledgedUpdate[]): void;
  /** Marks every binding as not yet seen by the partner (UPDREQALL, FO-5.17-b). */
  markAllPending(): void;
  /**
   * Bindings whose client-identifier or hardware address (htype and chaddr) is the client's,
   * ordered by address. The caller decides which of the two names counts.
   */
  clientBindings(client: BindingClient): StoredBinding[];
  /**
   * Stored bindings of `bindingStatus` in first..last, by address, starting after `after` when
   * given, at most `limit`.
   */
  bindingsWithStatus(
    bindingStatus: BindingStatusName,
    range: { first: string; last: string; after?: string | undefined },
    limit: number,
  ): StoredBinding[];
  /** The lowest address of first..last that has no stored binding, so is FREE (FO-5.16-c). */
  firstUnstoredAddress(first: string, last: string): string | undefined;
  /**
   * The first run of consecutive addresses in first..last with no stored binding, as its first
   * and last address. It costs two indexed queries however long the run is.
   */
  firstUnstoredRange(first: string, last: string): { first: string; last: string } | undefined;
  /** The earliest lease-expiration-time of an ACTIVE binding, infinite leases left out. */
  earliestLeaseExpiration(): number | undefined;
  /** Up to `limit` ACTIVE bindings whose lease-expiration-time is before `time`, earliest first. */
  leasesExpiringBefore(time: number, limit: number): StoredBinding[];
  /** EXPIRED, RELEASED and RESET bindings with the given `pendingUpdate`, by address. */
  transientBindings(pendingUpdate: boolean): StoredBinding[];
  /** Tells whether some EXPIRED, RELEASED or RESET binding has the given `pendingUpdate`. */
  hasTransientBindings(pendingUpdate: boolean): boolean;
  /**
   * Calls `listener` after each change this connection commits; returns a function that removes
   * it. Changes written by other processes are not reported.
   */
  onChange(listener: (change: StoreChange) => void): () => void;
  readEndpoint(relationship: string): EndpointRecord | undefined;
  writeEndpoint(record: EndpointRecord): void;
  close(): void;
}
