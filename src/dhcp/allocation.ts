// Address selection and binding changes of the DHCPv4 front end under the failover rules. It
// decides which address a client may get from this server and the lease time the MCLT allows. It
// also builds the stored binding written for an ACK, a RELEASE or a DECLINE.

import { ownerOf, type AddressPool } from '../../model/lease/lease-guards.js';
import { leaseToOffer } from '../../model/lease-time.js';
import { permissionsOf } from '../../model/state-permissions.js';
import type { Role } from '../../model/endpoint-types.js';
import type { AddressRange, Reservation } from '../config/types.js';
import { formatIPv4, parseIPv4 } from '../store/ipv4.js';
import type { LeaseStore, StoredBinding } from '../store/types.js';
import type { BindingStatusName, FailoverStateName } from '../wire/codes.js';
import { guardAllowsAllocation } from './allocation-guard.js';
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

  return pools.some((pool) => {
    const start = parseIPv4(pool.start) ?? 0;
    const end = parseIPv4(pool.end) ?? -1;
    return value >= start && value <= end;
  });
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
 * Returns the client's current binding in the pools, if any: ACTIVE first, else one it held last.
 * NOTE: the lookup reads every binding, because the store has no index by client, so each
 * DISCOVER costs time linear in the number of bindings.
 */
export function findClientBinding(
  context: AllocationContext,
  client: DHCPClient,
): StoredBinding | undefined {
  let previous: StoredBinding | undefined;
  for (const binding of context.store.allBindings()) {
    if (!bindingBelongsTo(binding, client) || !inPools(context.pools, binding.address)) {
      continue;
    }

    if (binding.bindingStatus === 'ACTIVE') {
      return binding;
    }

    previous ??= binding;
  }

  return previous;
}

/**
 * Chooses the address to offer: the client's ACTIVE binding, else from the own pool before the
 * partner's (FO-9.4.2-a): the client's reserved address, the requested address, the client's
 * previous address, then the first address this server may allocate.
 */
export function chooseAddress(
  context: AllocationContext,
  client: DHCPClient,
  requested: string | undefined,
  held: ReadonlySet<string>,
): string | undefined {
  const current = findClientBinding(context, client);
  if (current?.bindingStatus === 'ACTIVE') {
    return current.address;
  }

  const reserved = reservedAddressOf(context.reservations ?? [], client);
  const candidates = [reserved, requested, current?.address];
  for (const pool of poolsInOrder(context)) {
    const free = (address: string): boolean =>
      !held.has(address) && mayAllocateAddress(context, address, client, pool);
    const preferred = candidates.find((address) => address !== undefined && free(address));
    const chosen = preferred ?? firstAllocatable(context, free);
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

function firstAllocatable(
  context: AllocationContext,
  free: (address: string) => boolean,
): string | undefined {
  for (const pool of context.pools) {
    const start = parseIPv4(pool.start) ?? 0;
    const end = parseIPv4(pool.end) ?? -1;
    for (let value = start; value <= end; value++) {
      const address = formatIPv4(value);
      if (free(address)) {
        return address;
      }
    }
  }

  return undefined;
}

/**
 * Returns whether the client may hold the address: it is the client's ACTIVE binding, or an
 * address this server may allocate to a new client.
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
