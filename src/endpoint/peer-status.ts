// A snapshot of one running peer for operators: both endpoints' states, the connection, the
// updates the partner has not acknowledged, the free addresses each side may still use, and what
// a waiting state waits for. `dhcpf status` prints it and the control socket sends it as JSON.

import type { PartnerRecord } from '../../model/endpoint.js';
import type { Role, StatePermissions } from '../../model/endpoint-types.js';
import { permissionsOf } from '../../model/state-permissions.js';
import type { AddressRange, RelationshipConfig } from '../config/types.js';
import { parseIPv4 } from '../store/ipv4.js';
import type { LeaseStore } from '../store/types.js';
import type { FailoverStateName } from '../wire/codes.js';
import type { WireProfile } from '../wire/types.js';

/** Version of the JSON form; it changes only when a field changes meaning or goes away. */
export const PEER_STATUS_VERSION = 1;

/** One endpoint's failover state and what it permits. */
export interface EndpointStatus {
  state: FailoverStateName;
  /** When the state began, seconds since 1970 on this server's clock. */
  since: number;
  clientService: StatePermissions['clientService'];
  allocateFrom: StatePermissions['allocateFrom'];
}

/** The partner as its last STATE described it; times are corrected for the clock skew. */
export interface PartnerEndpointStatus extends EndpointStatus {
  /** The STATE carried S=1: the partner is in STARTUP and `state` is its previous state. */
  startup: boolean;
}

/** Free addresses one side may give to new clients now, by its state's permissions. */
export interface FreeAddressStatus {
  /** Addresses the state lets this side allocate now. */
  usable: number;
  /** This side's own available addresses: FREE for the primary, BACKUP for the secondary. */
  own: number;
  /** The other side's available addresses, usable only in PARTNER-DOWN after MCLT. */
  partners: number;
  /** When the other side's addresses become usable (PARTNER-DOWN start + MCLT), if pending. */
  partnersUsableAt?: number;
}

/** What a state waits for before it moves on, and when, if a timer decides it. */
export interface WaitStatus {
  state: FailoverStateName;
  /** Plain-text condition, such as "MCLT after the failure time". */
  reason: string;
  /** Rule that defines the wait. */
  rule: string;
  /** When the timer moves the endpoint on, seconds since 1970; absent when no timer does. */
  until?: number;
  /** The state that follows, when a timer or an event decides it. */
  next?: FailoverStateName;
  /**
   * Way PARTNER-DOWN follows a state that serves without the partner: `automatic` when the safe
   * period ends (FO-10-a), else `operator-only`.
   */
  partnerDown?: 'automatic' | 'operator-only';
}

export interface PeerStatus {
  version: typeof PEER_STATUS_VERSION;
  relationship: string;
  role: Role;
  profile: WireProfile;
  /** Time of the snapshot, seconds since 1970. */
  now: number;
  /** MCLT in force, seconds. */
  mclt: number;
  local: EndpointStatus;
  partner: PartnerEndpointStatus | null;
  connection: {
    /** CONNECT and CONNECTACK were exchanged and the connection has not failed since. */
    connected: boolean;
    /** A STATE arrived on the current connection (FO-8.3-a). */
    communicationsOk: boolean;
    /** The partner's clock minus ours, seconds, measured at CONNECT or CONNECTACK. */
    clockSkewSeconds: number | null;
    /** TCP port a secondary listens on. */
    listeningPort: number | null;
  };
  updates: {
    /** Bindings whose latest change the partner has not acknowledged (FO-5.17-a). */
    unacknowledged: number;
    /** BNDUPDs sent on this connection with no BNDACK yet. */
    outstandingBNDUPDs: number;
    /** The partner's max-unacked-bndupd: BNDUPDs that may be outstanding at once (FO-8.4-b). */
    window: number;
    sent: number;
    received: number;
  };
  messages: { sent: number; received: number };
  bindings: number;
  freeAddresses: { local: FreeAddressStatus; partner: FreeAddressStatus | null };
  waiting: WaitStatus | null;
}

/** Inputs the peer passes to build its status. */
export interface PeerStatusSources {
  config: RelationshipConfig;
  store: LeaseStore;
  state: FailoverStateName;
  startTimeOfState: number;
  partner: PartnerRecord | undefined;
  connected: boolean;
  communicationsOk: boolean;
  /** PARTNER-DOWN start (FO-9.4.2-c), from the machine's context. */
  partnerDownSince: number | undefined;
  /** Last operating time before this start: RECOVER-WAIT ends MCLT after it (FO-9.6.2-a). */
  failureTime: number;
  mclt: number;
  now: number;
  clockSkewSeconds: number | undefined;
  listeningPort: number | undefined;
  /** The update-flow machine's window and outstanding BNDUPDs. */
  updateFlow: { window: number; outstanding: number };
  statistics: {
    messagesSent: number;
    messagesReceived: number;
    bindingsSent: number;
    bindingsReceived: number;
  };
}

/** Builds the status snapshot; it reads every stored binding once to count free addresses. */
export function buildPeerStatus(sources: PeerStatusSources): PeerStatus {
  const { config, store, statistics } = sources;
  const available = countAvailable(store, config.pools);
  const partnerRole: Role = config.role === 'primary' ? 'secondary' : 'primary';
  const partner = partnerStatusOf(sources.partner);

  return {
    version: PEER_STATUS_VERSION,
    relationship: config.name,
    role: config.role,
    profile: config.profile,
    now: sources.now,
    mclt: sources.mclt,
    local: endpointStatusOf(sources.state, sources.startTimeOfState),
    partner,
    connection: {
      connected: sources.connected,
      communicationsOk: sources.communicationsOk,
      clockSkewSeconds: sources.connected ? (sources.clockSkewSeconds ?? null) : null,
      listeningPort: sources.listeningPort ?? null,
    },
    updates: {
      unacknowledged: store.countPending(),
      outstandingBNDUPDs: sources.updateFlow.outstanding,
      window: sources.updateFlow.window,
      sent: statistics.bindingsSent,
      received: statistics.bindingsReceived,
    },
    messages: { sent: statistics.messagesSent, received: statistics.messagesReceived },
    bindings: store.countBindings(),
    freeAddresses: {
      local: freeAddressesOf(config.role, sources.state, available, {
        now: sources.now,
        partnerDownStart: sources.partnerDownSince ?? sources.startTimeOfState,
        mclt: sources.mclt,
      }),
      // A partner that cannot be heard from may have moved on since its last STATE.
      partner:
        partner === null || partner.startup || !sources.communicationsOk
          ? null
          : freeAddressesOf(partnerRole, partner.state, available, {
              now: sources.now,
              partnerDownStart: partner.since,
              mclt: sources.mclt,
            }),
    },
    waiting: waitOf(sources),
  };
}

function endpointStatusOf(state: FailoverStateName, since: number): EndpointStatus {
  const { clientService, allocateFrom } = permissionsOf(state);
  return { state, since, clientService, allocateFrom };
}

function partnerStatusOf(record: PartnerRecord | undefined): PartnerEndpointStatus | null {
  if (record === undefined) {
    return null;
  }

  return { ...endpointStatusOf(record.state, record.startTimeOfState), startup: record.startup };
}

/** Available addresses by owner: FREE is the primary's, BACKUP the secondary's (FO-5.4-a). */
interface AvailableAddresses {
  primary: number;
  secondary: number;
}

/** Counts the available addresses of the pools; an address never stored is FREE. */
function countAvailable(store: LeaseStore, pools: readonly AddressRange[]): AvailableAddresses {
  let poolSize = 0;
  for (const pool of pools) {
    poolSize += (parseIPv4(pool.end) ?? 0) - (parseIPv4(pool.start) ?? 0) + 1;
  }

  const counts = { stored: 0, free: 0, backup: 0 };
  for (const binding of store.allBindings()) {
    if (!inPools(pools, binding.address)) {
      continue;
    }

    counts.stored++;
    if (binding.bindingStatus === 'FREE') {
      counts.free++;
    } else if (binding.bindingStatus === 'BACKUP') {
      counts.backup++;
    }
  }

  return { primary: poolSize - counts.stored + counts.free, secondary: counts.backup };
}

function inPools(pools: readonly AddressRange[], address: string): boolean {
  const value = parseIPv4(address);
  return (
    value !== undefined &&
    pools.some(
      (pool) => value >= (parseIPv4(pool.start) ?? 0) && value <= (parseIPv4(pool.end) ?? -1),
    )
  );
}

interface PartnerDownClock {
  now: number;
  partnerDownStart: number;
  mclt: number;
}

/**
 * Counts what one side may allocate in `state`: nothing, its own pool, or in PARTNER-DOWN its own
 * pool and, from PARTNER-DOWN start + MCLT, the other side's too (FO-9.4.2-a, FO-9.4.2-c).
 */
function freeAddressesOf(
  role: Role,
  state: FailoverStateName,
  available: AvailableAddresses,
  clock: PartnerDownClock,
): FreeAddressStatus {
  const own = role === 'primary' ? available.primary : available.secondary;
  const partners = role === 'primary' ? available.secondary : available.primary;
  const { allocateFrom } = permissionsOf(state);
  if (allocateFrom === 'none') {
    return { usable: 0, own, partners };
  }

  if (allocateFrom === 'own-pool') {
    return { usable: own, own, partners };
  }

  const partnersUsableAt = clock.partnerDownStart + clock.mclt;
  if (clock.now >= partnersUsableAt) {
    return { usable: own + partners, own, partners };
  }

  return { usable: own, own, partners, partnersUsableAt };
}

/** Describes what the current state waits for (draft-12 section 9), or null for NORMAL. */
function waitOf(sources: PeerStatusSources): WaitStatus | null {
  const { state, config } = sources;
  switch (state) {
    case 'STARTUP':
      return {
        state,
        reason: 'STATE from the partner, or the end of the STARTUP period',
        rule: 'FO-9.3.2-d',
        until: sources.startTimeOfState + config.startupSeconds,
      };
    case 'RECOVER-WAIT':
      return {
        state,
        reason: 'MCLT after the failure time',
        rule: 'FO-9.6.2-a',
        until: sources.failureTime + sources.mclt,
        next: 'RECOVER-DONE',
      };
    case 'COMMUNICATIONS-INTERRUPTED':
      return communicationsInterruptedWait(sources);
    default:
      return eventWaits[state] ?? null;
  }
}

/** Describes the wait of COMMUNICATIONS-INTERRUPTED; a safe period ends it on its own (FO-10-a). */
function communicationsInterruptedWait(sources: PeerStatusSources): WaitStatus {
  const seconds = sources.config.stateSwitchoverSeconds;
  const wait: WaitStatus = {
    state: 'COMMUNICATIONS-INTERRUPTED',
    reason:
      seconds === undefined
        ? 'the partner, as no safe period is configured'
        : 'the partner, or the end of the safe period',
    rule: 'FO-9.9.3-a',
    next: 'PARTNER-DOWN',
    partnerDown: seconds === undefined ? 'operator-only' : 'automatic',
  };
  if (seconds !== undefined) {
    wait.until = sources.startTimeOfState + seconds;
  }

  return wait;
}

/** Waits that end on a message or a command, never on a timer. */
const eventWaits: Partial<Record<FailoverStateName, WaitStatus>> = {
  RECOVER: {
    state: 'RECOVER',
    reason: "UPDDONE for this server's UPDREQ or UPDREQALL",
    rule: 'FO-9.5.2-c',
    next: 'RECOVER-WAIT',
  },
  'RECOVER-DONE': {
    state: 'RECOVER-DONE',
    reason: 'the partner in NORMAL or RECOVER-DONE',
    rule: 'FO-9.7.2-a',
    next: 'NORMAL',
  },
  'POTENTIAL-CONFLICT': {
    state: 'POTENTIAL-CONFLICT',
    reason: 'UPDDONE for the conflict resolution UPDREQ',
    rule: 'FO-9.10.3-b',
  },
  'RESOLUTION-INTERRUPTED': {
    state: 'RESOLUTION-INTERRUPTED',
    reason: 'the partner, then POTENTIAL-CONFLICT',
    rule: 'FO-9.11.3-a',
    partnerDown: 'operator-only',
  },
  'CONFLICT-DONE': {
    state: 'CONFLICT-DONE',
    reason: 'the partner in NORMAL',
    rule: 'FO-9.12.3-a',
    next: 'NORMAL',
  },
  'PARTNER-DOWN': {
    state: 'PARTNER-DOWN',
    reason: 'the partner, to resynchronize',
    rule: 'FO-9.4.2-f',
  },
  PAUSED: {
    state: 'PAUSED',
    reason: 'a restart, which resumes the state held before PAUSED',
    rule: 'FO-9.13.2-a',
  },
  SHUTDOWN: {
    state: 'SHUTDOWN',
    reason: 'a restart',
    rule: 'FO-9.14.3-a',
  },
};
