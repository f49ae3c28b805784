// Address selection and binding changes of the DHCPv4 front end under the failover rules. It
// decides which address a client may get from this server and the lease time the MCLT allows. It
// also builds the stored binding written for an ACK, a RELEASE or a DECLINE.

import { ownerOf } from '../../model/lease/lease-guards.js';
import { leaseToOffer } from '../../model/lease-time.js';
import { permissionsOf } from '../../model/state-permissions.js';
import type { Role } from '../../model/endpoint-types.js';
import type { AddressRange } from '../config/types.js';
import { formatIPv4, parseIPv4 } from '../store/ipv4.js';
import type { LeaseStore, StoredBinding } from '../store/types.js';
import type { BindingStatusName, FailoverStateName } from '../wire/codes.js';

/** The client as a DHCP message identifies it. */
export interface DHCPClient {
  /** Data of option 61, when sent. */
  clientIdentifier?: Uint8Array | undefined;
  htype: number;
  chaddr: Uint8Array;
}

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
}

function sameBytes(left: Uint8Array | undefined, right: Uint8Array | undefined): boolean {
  if (left === undefined || right === undefined || left.length !== right.length) {
    return false;
  }

  return left.every((byte, index) => byte === right[index]);
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
 * Returns whether this server may give the address to a new client: only its own available
 * addresses, FREE on the primary and BACKUP on the secondary (FO-5.4-a, FO-9.9.2-a), and only in a
 * state that allocates at all.
 * NOTE: in PARTNER-DOWN the front end never takes the partner's addresses, even after PD entry
 * + MCLT (FO-9.4.2-c), because the PARTNER-DOWN entry time is not yet passed to it.
 */
export function mayAllocateAddress(context: AllocationContext, address: string): boolean {
  if (permissionsOf(context.state).allocateFrom === 'none' || !inPools(context.pools, address)) {
    return false;
  }

  return ownerOf(statusOf(context.store, address)) === context.role;
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
 * Chooses the address to offer: the client's ACTIVE binding, then the requested address, then
 * the client's previous address, then the first address this server may allocate.
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

  const free = (address: string): boolean =>
    !held.has(address) && mayAllocateAddress(context, address);
  if (requested !== undefined && free(requested)) {
    return requested;
  }

  if (current !== undefined && free(current.address)) {
    return current.address;
  }

  return firstAllocatable(context, free);
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

  return mayAllocateAddress(context, address);
}

/**
 * Returns the lease time to give for the address: the desired lease cut to MCLT beyond the latest
 * potential-expiration-time either server has recorded, so a first lease gets at most MCLT (FO-5.2.1-c,
 * FO-7.1.5-c).
 */
export function leaseTimeFor(context: AllocationContext, address: string): number {
  const binding = context.store.getBinding(address);
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
