// The conditions of the binding-status machine as pure predicates: which server may change a
// binding in which failover endpoint state, and within which lease-time bounds. The machine names
// them as guards; tests and the model checker call them directly.

import type { BindingStatusName } from '../../src/wire/codes.js';
import { BindingStatus, IP_FLAG_RESERVED } from '../../src/wire/codes.js';
import type { BindingUpdate, HardwareAddress } from '../../src/wire/types.js';
import { decideBindingUpdate, type BindingUpdateDecision } from '../binding-acceptance.js';
import type { Role } from '../endpoint-types.js';
import { maxClientExpiry } from '../lease-time.js';
import { permissionsOf } from '../state-permissions.js';
import type { ClientId, LeaseContext, LeaseEvent, ReceivedUpdate } from './lease-types.js';

/** Whose pool an allocation draws on: the holding server's own, or its partner's. */
export type AddressPool = 'own' | 'partner';

/**
 * Returns the server an available address belongs to: FREE to the primary, BACKUP to the
 * secondary (draft-12 section 5.4). Other binding-statuses are available to nobody.
 */
export function ownerOf(status: BindingStatusName): Role | undefined {
  if (status === 'FREE') {
    return 'primary';
  }

  return status === 'BACKUP' ? 'secondary' : undefined;
}

/**
 * Returns whether a lease ending at `leaseExpirationTime` keeps the MCLT bound:
 * `max(now, acked-PET, received-PET) + MCLT` (FO-5.2.1-c, FO-7.1.5-c, E-11). PARTNER-DOWN keeps
 * the bound too, the choice of FO-9.4.2-e that also survives a loss of this server's storage.
 */
export function leaseWithinMclt(
  context: Pick<LeaseContext, 'ackedPet' | 'receivedPet' | 'mclt'>,
  now: number,
  leaseExpirationTime: number,
): boolean {
  const { ackedPet, receivedPet, mclt } = context;

  return (
    leaseExpirationTime > now &&
    leaseExpirationTime <= maxClientExpiry({ now, ackedPet, receivedPet, mclt })
  );
}

/** FO-9.4.2-d: an address PARTNER-DOWN freed goes to another client only after its reuse time. */
function reuseAllowed(context: LeaseContext, client: ClientId, now: number): boolean {
  return (
    client === context.client ||
    context.reuseNotBefore === undefined ||
    now >= context.reuseNotBefore
  );
}

/**
 * FO-9.4.2-c, FO-5.11-f: the partner's available addresses are usable only in PARTNER-DOWN, from
 * the partner's failure (or PARTNER-DOWN entry) plus MCLT, and never in a dynamic BOOTP pool
 * (FO-5.14-a).
 */
function partnerPoolOpen(context: LeaseContext, event: LeaseEvent): boolean {
  const permissions = permissionsOf(event.state);
  if (permissions.allocateFrom !== 'own-pool-then-all-after-mclt' || context.dynamicBootpPool) {
    return false;
  }

  const since = event.partnerDownSince;

  return since !== undefined && event.now >= since + context.mclt;
}

/**
 * Returns whether the holding server may give an available address (FREE or BACKUP) to a client:
 * from its own pool in any state that allocates (FO-9.9.2-a, FO-9.4.2-a, FO-5.4-a), from its
 * partner's only as `partnerPoolOpen` allows. A reservation goes only to its client (FO-5.13-a).
 */
export function mayAllocate(
  context: LeaseContext,
  status: BindingStatusName,
  event: LeaseEvent,
  pool: AddressPool,
): boolean {
  if (event.type !== 'ALLOCATE' || permissionsOf(event.state).allocateFrom === 'none') {
    return false;
  }
  if (context.reservedFor !== undefined && event.client !== context.reservedFor) {
    return false;
  }
  if (!reuseAllowed(context, event.client, event.now)) {
    return false;
  }
  if (!leaseWithinMclt(context, event.now, event.leaseExpirationTime)) {
    return false;
  }

  const owner = ownerOf(status);
  if (owner === undefined) {
    return false;
  }

  return pool === 'own'
    ? owner === context.role
    : owner !== context.role && partnerPoolOpen(context, event);
}

/**
 * T9: an EXPIRED or RELEASED address goes back to the same client without restriction as long
 * as no BNDUPD reporting that binding-status has been sent (FO-5.2.2-c, FO-9.8.3-c).
 */
export function mayReturnToSameClient(context: LeaseContext, event: LeaseEvent): boolean {
  if (event.type !== 'ALLOCATE' || permissionsOf(event.state).allocateFrom === 'none') {
    return false;
  }

  return (
    event.client === context.client &&
    !context.statusReported &&
    leaseWithinMclt(context, event.now, event.leaseExpirationTime)
  );
}

/** T5: any client-serving state renews, RECOVER-DONE included (FO-9.7.1-a, FO-9.8.2-a). */
export function mayRenew(context: LeaseContext, event: LeaseEvent): boolean {
  if (event.type !== 'RENEW' || permissionsOf(event.state).clientService === 'none') {
    return false;
  }

  return (
    event.client === context.client &&
    leaseWithinMclt(context, event.now, event.leaseExpirationTime)
  );
}

/** T7: a DHCPRELEASE counts only in a state that answers clients (FO-9.2-c). */
export function mayRelease(context: LeaseContext, event: LeaseEvent): boolean {
  return (
    event.type === 'RELEASE' &&
    event.client === context.client &&
    permissionsOf(event.state).clientService !== 'none'
  );
}

/** A state that does not answer clients keeps nothing from their messages (FO-9.2-c). */
export function servesClients(event: LeaseEvent): boolean {
  return permissionsOf(event.state).clientService !== 'none';
}

export function leaseTimeReached(context: LeaseContext, event: LeaseEvent): boolean {
  return context.leaseExpirationTime !== undefined && event.now >= context.leaseExpirationTime;
}

/**
 * T3 and T13: only the primary lends, and only over a working connection, which this model takes
 * to be NORMAL (FO-5.4-d, FO-7.6.2-a, FO-5.13-a).
 */
export function mayLend(context: LeaseContext, event: LeaseEvent, reserved: boolean): boolean {
  return (
    context.role === 'primary' &&
    event.state === 'NORMAL' &&
    (context.reservedFor !== undefined) === reserved
  );
}

/** T4: the primary reclaims a BACKUP address over a working connection (FO-5.4-d). */
export function mayReclaim(context: LeaseContext, event: LeaseEvent): boolean {
  return (
    context.role === 'primary' &&
    event.state === 'NORMAL' &&
    context.reservedFor === undefined &&
    context.reportAs === undefined
  );
}

/** T14: the server that holds the free reserved address reports the cancellation (FO-5.13-c). */
export function holdsReservation(context: LeaseContext, status: BindingStatusName): boolean {
  return context.reservedFor !== undefined && ownerOf(status) === context.role;
}

/** T8 note 1: in PARTNER-DOWN, a transient binding-status ends MCLT after it began (FO-5.11-f). */
export function partnerDownMcltPassed(context: LeaseContext, event: LeaseEvent): boolean {
  return (
    event.state === 'PARTNER-DOWN' &&
    context.startTimeOfState !== undefined &&
    event.now >= context.startTimeOfState + context.mclt
  );
}

/** Returns the binding-status the next BNDUPD for this binding carries. */
export function statusToReport(
  context: LeaseContext,
  status: BindingStatusName,
): BindingStatusName {
  return context.reportAs ?? status;
}

/**
 * Returns whether a BNDUPD can go out now: a change is pending, and an ACTIVE binding has a
 * potential-expiration-time later than its lease-expiration-time (FO-7.1.1-f).
 */
export function hasUpdateToSend(
  context: LeaseContext,
  status: BindingStatusName,
  event: LeaseEvent,
): boolean {
  if (event.type !== 'BNDUPD_SENT' || !context.pendingUpdate) {
    return false;
  }
  if (statusToReport(context, status) !== 'ACTIVE') {
    return true;
  }

  const pet = event.potentialExpirationTime;

  return (
    pet !== undefined &&
    context.leaseExpirationTime !== undefined &&
    pet > context.leaseExpirationTime
  );
}

/**
 * Returns whether a BNDACK answers the last BNDUPD sent for the current change. An answer to an
 * older update, sent before a later change, clears nothing.
 */
export function answersLastSent(context: LeaseContext, event: LeaseEvent): boolean {
  if (event.type !== 'BNDACK_RECEIVED' || context.lastSent === undefined) {
    return false;
  }

  return (
    event.bindingStatus === context.lastSent.bindingStatus &&
    event.potentialExpirationTime === context.lastSent.potentialExpirationTime
  );
}

export function isAccepting(event: LeaseEvent): boolean {
  return event.type === 'BNDACK_RECEIVED' && event.rejectReason === undefined;
}

const encoder = new TextEncoder();

function hardwareAddressOf(client: ClientId): HardwareAddress {
  return { htype: 1, chaddr: encoder.encode(client) };
}

function toBindingUpdate(address: string, update: ReceivedUpdate): BindingUpdate {
  const bindingUpdate: BindingUpdate = {
    address,
    bindingStatus: BindingStatus[update.bindingStatus],
    ipFlags: update.reserved === true ? IP_FLAG_RESERVED : 0,
    clientLastTransactionTime: update.clientLastTransactionTime,
    leaseExpirationTime: update.leaseExpirationTime,
    potentialExpirationTime: update.potentialExpirationTime,
    startTimeOfState: update.startTimeOfState,
    otherOptions: [],
  };
  if (update.client !== undefined) {
    bindingUpdate.clientHardwareAddress = hardwareAddressOf(update.client);
  }

  return bindingUpdate;
}

/**
 * Decides a received update with the acceptance matrix of draft-12 section 7.1.3
 * (`decideBindingUpdate`), against what this copy stores. The pool is the address itself, since
 * the machine exists only for addresses of this endpoint.
 */
export function decideReceivedUpdate(
  context: LeaseContext,
  status: BindingStatusName,
  now: number,
  update: ReceivedUpdate,
): BindingUpdateDecision {
  const stored = {
    bindingStatus: status,
    clientHardwareAddress:
      context.client === undefined ? undefined : hardwareAddressOf(context.client),
    leaseExpirationTime: context.leaseExpirationTime,
    startTimeOfState: context.startTimeOfState,
    clientLastTransactionTime: context.clientLastTransactionTime,
  };

  return decideBindingUpdate({
    role: context.role,
    now,
    update: toBindingUpdate(context.address, update),
    stored,
    pools: [{ start: context.address, end: context.address }],
    reserved: context.reservedFor !== undefined,
  });
}
