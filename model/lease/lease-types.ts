// The contract of the binding-status machine: one machine per address, as one server stores it.
// Each server keeps its own copy of every binding, so a primary and a secondary each run one
// machine per address and the copies agree once their BNDUPDs are acknowledged. Every event
// carries the failover endpoint state of the server that stores the copy and the current time,
// because who may change a binding-status depends on both (draft-12 sections 5.4, 5.11, 9).

import type { BindingStatusName, FailoverStateName } from '../../src/wire/codes.js';
import type { Role } from '../endpoint-types.js';

/** A DHCP client, by client-identifier or else client-hardware-address (FO-7.1.1-h). */
export type ClientId = string;

export interface LeaseInput {
  /** Role of the server that stores this copy of the binding. */
  role: Role;
  /** The address, dotted quad. */
  address: string;
  /** MCLT in seconds (FO-5.2.1-d). */
  mclt: number;
  /** The address is in a pool open to dynamic BOOTP clients (FO-5.14-a). */
  dynamicBootpPool?: boolean;
  /** The client the address is reserved for, when it is a reservation (FO-5.13-a). */
  reservedFor?: ClientId;
}

/** The last BNDUPD sent for the current change of this binding, acknowledged or not. */
export interface SentUpdate {
  bindingStatus: BindingStatusName;
  potentialExpirationTime: number | undefined;
}

export interface LeaseContext {
  role: Role;
  address: string;
  mclt: number;
  dynamicBootpPool: boolean;
  reservedFor: ClientId | undefined;
  /** The client of the current binding, or of the last one for an available address. */
  client: ClientId | undefined;
  /** Expiry given to the client, seconds since 1970 (FO-5.2.1-e). */
  leaseExpirationTime: number | undefined;
  /** Last time this server or its partner heard from the client (FO-7.1.1-i). */
  clientLastTransactionTime: number | undefined;
  /** When the address entered its binding-status (FO-7.1.1-i). */
  startTimeOfState: number | undefined;
  /** Latest potential-expiration-time sent, acknowledged or not (FO-7.1.1-g). */
  sentPet: number | undefined;
  /** Latest potential-expiration-time the partner acknowledged (FO-7.2.2-a). */
  ackedPet: number | undefined;
  /** Latest potential-expiration-time received in an accepted BNDUPD (FO-7.1.5-a). */
  receivedPet: number | undefined;
  /** The partner has not acknowledged the latest change of this binding (FO-5.16-a). */
  pendingUpdate: boolean;
  /**
   * The binding-status the pending BNDUPD carries when it differs from the stored one: FREE while
   * the primary reclaims a BACKUP address (T4), BACKUP while it lends a reserved FREE one (T13).
   */
  reportAs: 'FREE' | 'BACKUP' | undefined;
  /**
   * The last BNDUPD sent for the latest change, until its BNDACK arrives. A BNDACK counts only
   * when it matches, so the BNDACK of an older update clears nothing.
   */
  lastSent: SentUpdate | undefined;
  /** A BNDUPD carrying the current binding-status has been sent (FO-5.2.2-c, FO-9.8.3-c). */
  statusReported: boolean;
  /**
   * Earliest time the address may go to a client other than `client`, set when PARTNER-DOWN made
   * it available without the partner's acknowledgement (FO-9.4.2-d, E-15).
   */
  reuseNotBefore: number | undefined;
}

/** Endpoint state and time of the server that stores the copy, when an event happens. */
export interface ServerSituation {
  /** Failover endpoint state of the holding server. */
  state: FailoverStateName;
  /** Current time, seconds since 1970. */
  now: number;
  /** When the partner went down, or PARTNER-DOWN was entered; only read in PARTNER-DOWN. */
  partnerDownSince?: number | undefined;
}

/** The content of an accepted or rejected binding update transaction from the partner. */
export interface ReceivedUpdate {
  bindingStatus: BindingStatusName;
  client?: ClientId | undefined;
  leaseExpirationTime?: number | undefined;
  potentialExpirationTime?: number | undefined;
  clientLastTransactionTime?: number | undefined;
  startTimeOfState?: number | undefined;
  /** R flag of IP-flags (FO-7.1.3-e). */
  reserved?: boolean | undefined;
}

export type LeaseEvent = ServerSituation &
  (
    | { type: 'ALLOCATE'; client: ClientId; leaseExpirationTime: number }
    | { type: 'RENEW'; client: ClientId; leaseExpirationTime: number }
    | { type: 'RELEASE'; client: ClientId }
    /** DHCPDECLINE, or a reply to a ping of the address (FO-5.11-b). */
    | { type: 'DECLINE' }
    /** The lease (and any grace period) ran out (FO-5.11-d). */
    | { type: 'LEASE_EXPIRED' }
    | { type: 'OPERATOR_RESET' }
    /** The primary sends the address to the secondary as BACKUP (T3, FO-5.4-d). */
    | { type: 'LEND_TO_SECONDARY' }
    /** The primary sends a free reserved address to the secondary as BACKUP, R=1 (T13). */
    | { type: 'LEND_RESERVED_TO_SECONDARY' }
    /** The primary reclaims a BACKUP address from the secondary with BNDUPD FREE (T4). */
    | { type: 'RECLAIM' }
    /** The reservation of the address was removed from the configuration (T14, FO-5.13-c). */
    | { type: 'CANCEL_RESERVATION' }
    /** MCLT has passed since the address entered EXPIRED, RELEASED or RESET (FO-5.11-f). */
    | { type: 'MCLT_EXPIRED' }
    /** A BNDUPD carrying this binding went to the partner. */
    | { type: 'BNDUPD_SENT'; potentialExpirationTime?: number | undefined }
    /**
     * The partner's BNDACK for a BNDUPD of this address. `bindingStatus` and
     * `potentialExpirationTime` are those of the acknowledged update; a reject-reason means rejected.
     */
    | {
        type: 'BNDACK_RECEIVED';
        bindingStatus: BindingStatusName;
        potentialExpirationTime?: number | undefined;
        rejectReason?: number | undefined;
      }
    /** A BNDUPD from the partner for this address, before the acceptance decision. */
    | { type: 'BNDUPD_RECEIVED'; update: ReceivedUpdate }
    /** The partner sent UPDREQALL: every binding is to be sent again (FO-5.17-b, FO-7.4.2-a). */
    | { type: 'UPDREQALL_RECEIVED' }
  );

export type LeaseEventType = LeaseEvent['type'];

/** Transition `meta`: the rule IDs the transition implements, and its row of the T table. */
export interface LeaseTransitionMeta {
  rules: string[];
  /** Row of the binding-status transition table of draft-12 section 5.11 (T1 to T14). */
  row?: string;
}

/** A binding-status's `meta`: which server may allocate it and what leaves it. */
export interface BindingStatusMeta {
  doc: string;
}
