// The front end's allocation check, decided by the binding-status machine's guard `mayAllocate`
// so that the rule of which server may give which available address lives in one place. This
// file builds the guard's view of one stored address and the ALLOCATE event of a client.

import {
  mayAllocate,
  mayReturnToSameClient,
  type AddressPool,
} from '../../model/lease/lease-guards.js';
import type { ClientId, LeaseContext, LeaseEvent } from '../../model/lease/lease-types.js';
import type { Role } from '../../model/endpoint-types.js';
import type { Reservation } from '../config/types.js';
import type { StoredBinding } from '../store/types.js';
import { IP_FLAG_RESERVED, type FailoverStateName } from '../wire/codes.js';
import { reservationMatches, reservationOf, type DHCPClient } from './reservations.js';

/** The inputs of the check besides the address: the endpoint, the client and its lease. */
export interface AllocationCheck {
  role: Role;
  state: FailoverStateName;
  mclt: number;
  now: number;
  /** When the current failover state began; read in PARTNER-DOWN only. */
  startTimeOfState?: number | undefined;
  reservations: readonly Reservation[];
  client: DHCPClient;
  /** The lease the client would get, seconds. */
  leaseTime: number;
}

/**
 * Returns the machine's name for a client: its client-identifier when it sent one, else its
 * hardware address, as bindings are matched (FO-7.1.1-h).
 */
export function clientIdOf(client: DHCPClient): ClientId {
  if (client.clientIdentifier !== undefined) {
    return `client-identifier ${Buffer.from(client.clientIdentifier).toString('hex')}`;
  }

  return `chaddr ${client.htype} ${Buffer.from(client.chaddr).toString('hex')}`;
}

/**
 * Returns whether the client may get the address from `pool`, or from either pool when absent.
 * The guard `mayAllocate` decides: the own pool in any state that allocates, the partner's in
 * PARTNER-DOWN from its start + MCLT, and a reservation only for its client (FO-5.4-a,
 * FO-9.4.2-c, FO-5.13-a).
 */
export function guardAllowsAllocation(
  check: AllocationCheck,
  address: string,
  binding: StoredBinding | undefined,
  pool?: AddressPool,
): boolean {
  const client = clientIdOf(check.client);
  const context = leaseContextOf(check, address, binding, client);
  const event = allocateEvent(check, client);
  const pools: AddressPool[] = pool === undefined ? ['own', 'partner'] : [pool];
  return pools.some((candidate) =>
    mayAllocate(context, binding?.bindingStatus ?? 'FREE', event, candidate),
  );
}

/**
 * Returns whether T9 gives the client's EXPIRED or RELEASED binding back to it, decided by the
 * guard `mayReturnToSameClient`: only while `statusReported` is false, and within MCLT
 * (FO-5.2.2-c, FO-9.8.3-c). A reservation of the address for another client still wins (FO-5.13-a).
 */
export function guardAllowsReturn(
  check: AllocationCheck,
  binding: StoredBinding,
  statusReported: boolean,
): boolean {
  const client = clientIdOf(check.client);
  const context = {
    ...leaseContextOf(check, binding.address, binding, client),
    client,
    statusReported,
  };
  if (context.reservedFor !== undefined && context.reservedFor !== client) {
    return false;
  }

  return mayReturnToSameClient(context, allocateEvent(check, client));
}

function allocateEvent(check: AllocationCheck, client: ClientId): LeaseEvent {
  return {
    type: 'ALLOCATE',
    client,
    leaseExpirationTime: check.now + check.leaseTime,
    state: check.state,
    now: check.now,
    // The PARTNER-DOWN start, never an earlier failure time a command may give, is the later
    // and so the safe one of the two times FO-5.2.1-a and FO-9.4.2-c allow.
    partnerDownSince: check.state === 'PARTNER-DOWN' ? check.startTimeOfState : undefined,
  };
}

function leaseContextOf(
  check: AllocationCheck,
  address: string,
  binding: StoredBinding | undefined,
  client: ClientId,
): LeaseContext {
  return {
    role: check.role,
    address,
    mclt: check.mclt,
    dynamicBootpPool: false,
    reservedFor: reservedFor(check, address, binding, client),
    client: undefined,
    leaseExpirationTime: binding?.leaseExpirationTime,
    clientLastTransactionTime: binding?.clientLastTransactionTime,
    startTimeOfState: binding?.startTimeOfState,
    sentPet: binding?.sentPet,
    ackedPet: binding?.ackedPet,
    receivedPet: binding?.receivedPet,
    pendingUpdate: binding?.pendingUpdate ?? false,
    reportAs: undefined,
    lastSent: undefined,
    statusReported: false,
    reuseNotBefore: undefined,
  };
}

/**
 * Returns the machine's reservedFor: this client when the address is reserved for it, another
 * name when it is reserved for someone else. A binding stored with the R flag but no reservation
 * here is reserved for a client this server cannot name, so nobody gets it (FO-5.13-b).
 */
function reservedFor(
  check: AllocationCheck,
  address: string,
  binding: StoredBinding | undefined,
  client: ClientId,
): ClientId | undefined {
  const reservation = reservationOf(check.reservations, address);
  if (reservation !== undefined) {
    return reservationMatches(reservation, check.client) ? client : `reservation of ${address}`;
  }

  const flagged = ((binding?.ipFlags ?? 0) & IP_FLAG_RESERVED) !== 0;
  return flagged ? `reservation of ${address}` : undefined;
}
