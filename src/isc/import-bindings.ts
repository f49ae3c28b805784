// Converts the leases of an ISC dhcpd lease file into bindings for the dhcpf lease store, keeping
// the failover times dhcpd recorded: tstp, tsfp and atsfp become the sent, acknowledged and
// received potential-expiration-times (FO-7.1.5).

import type { AddressRange } from '../config/types.js';
import { parseIPv4 } from '../store/ipv4.js';
import type { StoredBinding } from '../store/types.js';
import type { BindingStatusName } from '../wire/codes.js';
import type { IscLease, IscTime } from './types.js';

export interface ImportedBindings {
  bindings: StoredBinding[];
  /** Leases whose address lies in none of the pools; they are left out. */
  outsidePools: number;
  /** Imported bindings per binding-status. */
  byStatus: Partial<Record<BindingStatusName, number>>;
  /** Leases whose `ends never` has no lease-expiration-time in the store. */
  endlessLeases: number;
}

/**
 * Converts every lease inside `pools`. Each binding is marked pending, so the partner receives it
 * once the pair connects (FO-5.17-a), as `dhcpf leases load` does.
 */
export function bindingsFromIscLeases(
  leases: readonly IscLease[],
  pools: readonly AddressRange[],
): ImportedBindings {
  const imported: ImportedBindings = {
    bindings: [],
    outsidePools: 0,
    byStatus: {},
    endlessLeases: 0,
  };
  for (const lease of leases) {
    if (!inPools(pools, lease.address)) {
      imported.outsidePools++;
      continue;
    }

    if (lease.ends === 'never') {
      imported.endlessLeases++;
    }

    imported.bindings.push(bindingOf(lease));
    imported.byStatus[lease.bindingStatus] = (imported.byStatus[lease.bindingStatus] ?? 0) + 1;
  }

  return imported;
}

function bindingOf(lease: IscLease): StoredBinding {
  const binding: StoredBinding = {
    address: lease.address,
    bindingStatus: lease.bindingStatus,
    ipFlags: lease.ipFlags,
    leaseExpirationTime: timeOf(lease.ends),
    startTimeOfState: timeOf(lease.starts),
    clientLastTransactionTime: timeOf(lease.cltt),
    sentPet: timeOf(lease.tstp),
    ackedPet: timeOf(lease.tsfp),
    receivedPet: timeOf(lease.atsfp),
    pendingUpdate: true,
    updateSeq: 1,
  };
  if (lease.clientIdentifier !== undefined) {
    binding.clientIdentifier = lease.clientIdentifier;
  }

  if (lease.hardwareAddress !== undefined) {
    binding.clientHardwareAddress = lease.hardwareAddress;
  }

  return binding;
}

/** Returns a dhcpd time in seconds, or undefined for `never`, which the store has no number for. */
function timeOf(time: IscTime | undefined): number | undefined {
  return typeof time === 'number' ? time : undefined;
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
