// Address selection and binding changes of the DHCPv4 front end under the failover rules. It
// decides which address a client may get from this server and the lease time the MCLT allows. It
// also builds the stored binding written for an ACK, a RELEASE or a DECLINE.

import { ownerOf, type AddressPool } from '../../model/lease/lease-guards.js';
import { leaseToOffer } from '../../model/lease-time.js';
import { permissionsOf } from '../../model/state-permissions.js';
import type { Role } from '../../model/endpoint-types.js';
import type { AddressRange, Reservation } from '../config/types.js';
import { parseIPv4 } from '../store/ipv4.js';
import type { LeaseStore, StoredBinding } from '../store/types.js';
import type { BindingStatusName, FailoverStateName } from '../wire/codes.js';
import { guardAllowsAllocation, guardAllowsReturn } from './allocation-guard.js';
import type { HeldAddresses } from './offer-holds.js';
import { firstAllocatable, type AllocationCursors } from './pool-walk.js';
import { reservedAddressOf, sameBytes, type DHCPClient } from './reservations.js';

export type { DHCPClient } from './reservations.js';

/** The failover peer's state, role, pools and store, as the allocator reads them. */
export interface AllocationContext {
  store: LeaseStore;
  role: Role;
  state: FailoverStateName;
  pools: readonly AddressRange[];
  mclt: number;
  now: number;
  /** Lease the server would give without failover, seconds. */
  desiredLease: number;
  /** When the current failover state began; PARTNER-DOWN counts its MCLT wait from it. */
  startTimeOfState?: number | undefined;
  /** Addresses reserved for one client each; none when absent. */
  reservations?: readonly Reservation[] | undefined;
  /** Start of the next search of the pools; the search starts at the lowest address when absent. */
  cursors?: AllocationCursors | undefined;
}

/** Returns whether a stored binding belongs to the client: client identifier first, else chaddr. */
export function bindingBelongsTo(binding: StoredBinding, client: DHCPClient): boolean {
  if (client.clientIdentifier !== undefined && binding.clientIdentifier !== undefined) {
    return sameBytes(binding.clientIdentifier, client.clientIdentifier);
  }

  const hardware = binding.clientHardwareAddress;
  return (
    hardware !== undefined &&
    hardware.htype === client.htype &&
    sameBytes(hardware.chaddr, client.chaddr)
  );
}

/** Returns whether the address lies in one of the pools. */
export function inPools(pools: readonly AddressRange[], address: string): boolean {
  const value = parseIPv4(address);
  if (value === undefined) {
    return false;
  }

  return numericRangesOf(pools).some((range) => value >= range.first && value <= range.last);
}

/** Pools as numbers, parsed once per pools array, because every candidate address checks them. */
const parsedPools = new WeakMap<readonly AddressRange[], { first: number; last: number }[]>();

function numericRangesOf(pools: readonly AddressRange[]): { first: number; last: number }[] {
  let ranges = parsedPools.get(pools);
  if (ranges === undefined) {
    ranges = pools.map((pool) => ({
      first: parseIPv4(pool.start) ?? 0,
      last: parseIPv4(pool.end) ?? -1,
    }));
    parsedPools.set(pools, ranges);
  }

  return ranges;
}

/** Returns the binding-status of an address; an address never written is FREE. */
export function statusOf(store: LeaseStore, address: string): BindingStatusName {
  return store.getBinding(address)?.bindingStatus ?? 'FREE';
}

/**
 * Returns when the partner's available addresses open to new clients: PARTNER-DOWN start + MCLT
 * (FO-9.4.2-c), as the guard `mayAllocate` decides it. The front end reads it to skip a closed
 * partner pool and for its log line. Undefined outside PARTNER-DOWN, where it never opens
 * (FO-9.9.2-a, FO-9.8.2-a).
 */
export function partnerPoolOpensAt(context: AllocationContext): number | undefined {
  const permissions = permissionsOf(context.state);
  if (
    permissions.allocateFrom !== 'own-pool-then-all-after-mclt' ||
    context.startTimeOfState === undefined
  ) {
    return undefined;
  }

  return context.startTimeOfState + context.mclt;
}

/**
 * Returns whose pool an available address is in from this server's view: FREE belongs to the
 * primary and BACKUP to the secondary (FO-5.4-a). Undefined for an address available to neither,
 * such as an ACTIVE or EXPIRED one.
 */
export function poolOf(context: AllocationContext, address: string): AddressPool | undefined {
  const owner = ownerOf(statusOf(context.store, address));
  if (owner === undefined) {
    return undefined;
  }

  return owner === context.role ? 'own' : 'partner';
}

/**
 * Returns whether this server may give the address to a new client, in a state that allocates at
 * all: its own available addresses (FO-5.4-a, FO-9.9.2-a), the partner's only in PARTNER-DOWN
 * from entry + MCLT (FO-9.4.2-a, FO-9.4.2-c), and a reserved address only to its client
 * (FO-5.13-a). `pool`, when given, limits the check to one of the two pools.
 */
export function mayAllocateAddress(
  context: AllocationContext,
  address: string,
  client: DHCPClient,
  pool?: AddressPool,
): boolean {
  if (!inPools(context.pools, address)) {
    return false;
  }

  const binding = context.store.getBinding(address);
  const check = {
    ...context,
    reservations: context.reservations ?? [],
    client,
    leaseTime: leaseTimeOf(context, binding),
  };
  return guardAllowsAllocation(check, address, binding, pool);
}

/**
 * Returns the client's current binding in the pools, if any: ACTIVE first, else the one whose
 * client-last-transaction-time is latest, so a returning client finds the address it held last.
 * The store's client indexes make this O(log n) plus the client's own bindings.
 */
export function findClientBinding(
  context: AllocationContext,
  client: DHCPClient,
): StoredBinding | undefined {
  let previous: StoredBinding | undefined;
  for (const binding of context.store.clientBindings(client)) {
    if (!bindingBelongsTo(binding, client) || !inPools(context.pools, binding.address)) {
      continue;
    }

    if (binding.bindingStatus === 'ACTIVE') {
      return binding;
    }

    if (previous === undefined || lastTransactionOf(binding) > lastTransactionOf(previous)) {
      previous = binding;
    }
  }

  return previous;
}

function lastTransactionOf(binding: StoredBinding): number {
  return binding.clientLastTransactionTime ?? binding.startTimeOfState ?? 0;
}

/**
 * Returns whether T9 gives the client's EXPIRED or RELEASED address back to it. T9 holds only
 * while no BNDUPD reporting that binding-status has gone out (FO-5.2.2-c, FO-9.8.3-c). The store
 * does not record sending, so this server relies on a case where sending was impossible: the
 * binding changed after the start of a state without a connection to the partner.
 */
export function mayReturnToClient(
  context: AllocationContext,
  client: DHCPClient,
  binding: StoredBinding | undefined,
): boolean {
  if (
    binding === undefined ||
    (binding.bindingStatus !== 'EXPIRED' && binding.bindingStatus !== 'RELEASED') ||
    !bindingBelongsTo(binding, client) ||
    !inPools(context.pools, binding.address)
  ) {
    return false;
  }

  const unsent =
    binding.pendingUpdate &&
    DISCONNECTED_STATES.has(context.state) &&
    context.startTimeOfState !== undefined &&
    (binding.startTimeOfState ?? 0) > context.startTimeOfState;
  const check = {
    ...context,
    reservations: context.reservations ?? [],
    client,
    leaseTime: leaseTimeOf(context, binding),
  };
  return guardAllowsReturn(check, binding, !unsent);
}

/** States a server enters when it loses the connection, or that it keeps without one. */
const DISCONNECTED_STATES: ReadonlySet<FailoverStateName> = new Set([
  'COMMUNICATIONS-INTERRUPTED',
  'PARTNER-DOWN',
  'RESOLUTION-INTERRUPTED',
]);

/**
 * Chooses the address to offer: the client's ACTIVE binding, then its EXPIRED or RELEASED one when
 * T9 allows, else from the own pool before the partner's (FO-9.4.2-a): the client's reserved
 * address, the requested address, the client's previous address, then the first address this
 * server may allocate.
 */
export function chooseAddress(
  context: AllocationContext,
  client: DHCPClient,
  requested: string | undefined,
  held: HeldAddresses,
): string | undefined {
  const current = findClientBinding(context, client);
  if (current?.bindingStatus === 'ACTIVE') {
    return current.address;
  }

  if (mayReturnToClient(context, client, current) && current !== undefined) {
    return current.address;
  }

  const reserved = reservedAddressOf(context.reservations ?? [], client);
  const candidates = [reserved, requested, current?.address];
  for (const pool of poolsInOrder(context)) {
    const free = (address: string): boolean =>
      !held.has(address) && mayAllocateAddress(context, address, client, pool);
    const preferred = candidates.find((address) => address !== undefined && free(address));
    const chosen = preferred ?? firstAllocatable(context, pool, held, free);
    if (chosen !== undefined && preferred === undefined) {
      context.cursors?.moveAfter(chosen);
    }

    if (chosen !== undefined) {
      return chosen;
    }
  }

  return undefined;
}

/**
 * Returns the pools to allocate from, own first. The partner's is left out while the guard would
 * refuse all of it anyway, which saves a scan of the pools per DISCOVER (FO-9.4.2-c).
 */
function poolsInOrder(context: AllocationContext): AddressPool[] {
  const opensAt = partnerPoolOpensAt(context);
  return opensAt !== undefined && context.now >= opensAt ? ['own', 'partner'] : ['own'];
}

/**
 * Returns whether the client may hold the address: it is the client's ACTIVE binding, its EXPIRED
 * or RELEASED one that T9 gives back, or an address this server may allocate to a new client.
 */
export function mayAssign(
  context: AllocationContext,
  client: DHCPClient,
  address: string,
): boolean {
  const binding = context.store.getBinding(address);
  if (binding?.bindingStatus === 'ACTIVE') {
    return bindingBelongsTo(binding, client);
  }

  if (mayReturnToClient(context, client, binding)) {
    return true;
  }

  return mayAllocateAddress(context, address, client);
}

/**
 * Returns the lease time to give for the address: the desired lease cut to MCLT beyond the latest
 * potential-expiration-time either server has recorded, so a first lease gets at most MCLT (FO-5.2.1-c,
 * FO-7.1.5-c).
 */
export function leaseTimeFor(context: AllocationContext, address: string): number {
  return leaseTimeOf(context, context.store.getBinding(address));
}

function leaseTimeOf(context: AllocationContext, binding: StoredBinding | undefined): number {
  return leaseToOffer({
    now: context.now,
    ackedPet: binding?.ackedPet,
    receivedPet: binding?.receivedPet,
    mclt: context.mclt,
    desiredLease: context.desiredLease,
  });
}

/**
 * Returns the stored binding after a local change, pending for the partner with a higher
 * updateSeq, so the update sender sends it as a BNDUPD (FO-5.17-a, FO-7.1.1-m).
 */
export function changedBinding(
  context: AllocationContext,
  address: string,
  change: Partial<StoredBinding> & { bindingStatus: BindingStatusName },
): StoredBinding {
  const current = context.store.getBinding(address);
  const statusChanged = current?.bindingStatus !== change.bindingStatus;
  return {
    ipFlags: 0,
    ...current,
    ...change,
    address,
    startTimeOfState: statusChanged ? context.now : (current?.startTimeOfState ?? context.now),
    clientLastTransactionTime: context.now,
    pendingUpdate: true,
    updateSeq: (current?.updateSeq ?? 0) + 1,
  };
}

/** Returns the ACTIVE binding an ACK commits, with the client's identity and expiry. */
export function activeBinding(
  context: AllocationContext,
  client: DHCPClient,
  address: string,
  leaseTime: number,
): StoredBinding {
  return changedBinding(context, address, {
    bindingStatus: 'ACTIVE',
    clientIdentifier: client.clientIdentifier,
    clientHardwareAddress: { htype: client.htype, chaddr: client.chaddr },
    leaseExpirationTime: context.now + leaseTime,
  });
}
