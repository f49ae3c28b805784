// The contract between the failover endpoint machine and the runtime that drives it. The machine
// is pure: timers, sockets and the lease store live outside it, turn what happens into the events
// below, and carry out the effects the machine emits.

import type { FailoverStateName } from '../src/wire/codes.js';

export type Role = 'primary' | 'secondary';

/** How a state lets this server answer DHCP clients (draft-12 section 9, E-14). */
export type ClientService = 'none' | 'renew-only' | 'balanced' | 'all';

/** What a failover endpoint state permits; read by the runtime from the state's `meta`. */
export interface StatePermissions {
  clientService: ClientService;
  /** Whether new leases may be allocated and from which addresses (own pool, or all after MCLT). */
  allocateFrom: 'none' | 'own-pool' | 'own-pool-then-all-after-mclt';
  /** Whether this server sends BNDUPDs for its own changes while connected. */
  sendsUpdates: boolean;
  /** The endpoint is operating: communications may be "ok" in this state. */
  communicatesWithPartner: boolean;
}

/**
 * Policy for a STARTUP timer that runs out before any STATE arrived. `previous-state`, the
 * default, resumes the previous state (FO-9.3.2-g). `keep-waiting` stays in STARTUP, the other
 * FO-9.3.2-g choice. `partner-down` commissions a server whose partner does not exist yet
 * (FO-9.3.2-b). `serve-without-history` is the Windows choice: COMMUNICATIONS-INTERRUPTED when no
 * state was recorded, else the previous state (MSF-3.1.6.3-b, AMB-26).
 */
export type StartupExpiryPolicy =
  'previous-state' | 'keep-waiting' | 'partner-down' | 'serve-without-history';

export interface EndpointInput {
  role: Role;
  /** State recorded in stable storage before this start; undefined on a first start (FO-9.3.2-a). */
  previousState: FailoverStateName | undefined;
  /** Last time this server was known to be operating, seconds since 1970 (FO-9.3.2-f). */
  lastOperatingTime: number;
  /** This endpoint has completed a sync with its partner at some time (FO-9.6.2-b). */
  hasSyncedBefore: boolean;
  /** Stable storage is known lost: RECOVER must use UPDREQALL (FO-9.5.2-b). */
  storageLost: boolean;
  /** Policy for STARTUP_EXPIRED; `previous-state` when absent. */
  startupExpiry?: StartupExpiryPolicy;
}

/** A STATE message from the partner, with its time fields already corrected for clock skew. */
export interface PartnerStateEvent {
  type: 'PARTNER_STATE';
  state: FailoverStateName;
  /** S bit of server-flags: the partner is in STARTUP and `state` is its previous state. */
  startup: boolean;
  startTimeOfState: number;
  /** The partner has a record of talking to this server before (drives UPDREQ vs UPDREQALL). */
  partnerHasHistory: boolean;
}

/**
 * An event of the endpoint machine. `at`, when given, is when the event happened, seconds since
 * 1970; the machine reads it only to record when PARTNER-DOWN began (FO-9.4.2-c).
 */
export type EndpointEvent = EndpointEventBody & { at?: number };

type EndpointEventBody =
  | PartnerStateEvent
  /** The CONNECT/CONNECTACK exchange completed: a connection exists (FO-7.10-a). */
  | { type: 'CONNECTED' }
  /** The connection ended, whether or not the partner's STATE had arrived on it (FO-8.3-a). */
  | { type: 'COMMUNICATIONS_FAILED' }
  /** The STARTUP period ran out (FO-9.3.2-g). */
  | { type: 'STARTUP_EXPIRED' }
  /** UPDDONE arrived for this endpoint's UPDREQ or UPDREQALL (FO-9.5.2-c, FO-9.10.3-b). */
  | { type: 'UPDDONE' }
  /** The RECOVER-WAIT timer ran out: MCLT after the failure or start time (FO-9.6.2-a). */
  | { type: 'MCLT_EXPIRED' }
  /** Optional automatic partner-down timer of COMMUNICATIONS-INTERRUPTED (FO-10-a). */
  | { type: 'SAFE_PERIOD_EXPIRED' }
  /** Operator command; `since` is when the partner is known to have gone down (FO-9.8.4-a). */
  | { type: 'PARTNER_DOWN'; since?: number }
  | { type: 'PAUSE' }
  | { type: 'SHUTDOWN' };

/** Effects the machine emits; the runtime subscribes with `actor.on(type, ...)`. */
export type EndpointEmitted =
  /**
   * Send STATE with the current state (FO-9.2-a, FO-7.10-a, FO-7.10-b). `state` and `startup`
   * are the server-state and S bit to send. It is emitted on CONNECTED and on every state change
   * while connected, even before the partner's STATE arrived.
   */
  | { type: 'SEND_STATE'; state: FailoverStateName; startup: boolean }
  /** Ask the partner for the bindings this server has not acknowledged (FO-9.5.2-b). */
  | { type: 'SEND_UPDREQ' }
  /** Ask the partner for every binding (FO-9.5.2-b, storage lost or first contact). */
  | { type: 'SEND_UPDREQALL' }
  /** Start the RECOVER-WAIT timer; the runtime raises MCLT_EXPIRED at `expiresAt` (FO-9.6.2-a). */
  | { type: 'START_RECOVER_WAIT_TIMER'; expiresAt: 'failure-time-plus-mclt' }
  /** Send every binding change not yet acknowledged (NORMAL entry, FO-9.8.1-a). */
  | { type: 'SEND_PENDING_UPDATES' }
  /** Start the safe-period timer if one is configured; it raises SAFE_PERIOD_EXPIRED (FO-9.9.1-a). */
  | { type: 'START_SAFE_PERIOD_TIMER' }
  /** Tell the operator that the endpoint entered `state` (FO-9.9.1-b, FO-9.11.1-a). */
  | { type: 'RAISE_ALARM'; state: FailoverStateName; rule: string };
