// The lease fields the interop tests compare between dhcpd's lease file and the dhcpf store:
// address, binding-status, client hardware address and lease end time.

import type { IscLease } from '../../src/isc/index.js';

export interface LeaseFacts {
  address: string;
  bindingStatus: string;
  /** chaddr as lower-case colon-separated hex. */
  hardwareAddress: string | undefined;
  /** Seconds since 1970; `never` for a lease without an end. */
  leaseExpirationTime: number | 'never' | undefined;
}

const MAX_REPORTED_DIFFERENCES = 10;

export function formatHardwareAddress(chaddr: Uint8Array): string {
  return [...chaddr].map((byte) => byte.toString(16).padStart(2, '0')).join(':');
}

export function factsFromIscLease(lease: IscLease): LeaseFacts {
  const chaddr = lease.hardwareAddress?.chaddr;
  return {
    address: lease.address,
    bindingStatus: lease.bindingStatus,
    hardwareAddress: chaddr === undefined ? undefined : formatHardwareAddress(chaddr),
    leaseExpirationTime: lease.ends,
  };
}

/**
 * Lists how `actual` differs from `expected` for every address in `expected`: missing
 * addresses and each differing field, at most ten lines plus a count of the rest.
 */
export function diffLeaseFacts(expected: LeaseFacts[], actual: LeaseFacts[]): string[] {
  const byAddress = new Map(actual.map((facts) => [facts.address, facts]));
  const differences: string[] = [];
  for (const expectedLease of expected) {
    const found = byAddress.get(expectedLease.address);
    if (found === undefined) {
      differences.push(`${expectedLease.address}: missing`);
      continue;
    }

    for (const field of ['bindingStatus', 'hardwareAddress', 'leaseExpirationTime'] as const) {
      if (found[field] !== expectedLease[field]) {
        differences.push(
          `${expectedLease.address}: ${field} ${String(found[field])}, expected ${String(expectedLease[field])}`,
        );
      }
    }
  }
  if (differences.length <= MAX_REPORTED_DIFFERENCES) return differences;

  const rest = differences.length - MAX_REPORTED_DIFFERENCES;
  return [...differences.slice(0, MAX_REPORTED_DIFFERENCES), `... and ${rest} more`];
}
