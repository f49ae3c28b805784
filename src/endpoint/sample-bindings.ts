// Generated ACTIVE bindings for the demo and the tests: one client per address, with the lease
// started an hour ago and ending in 23 hours, like the interop kit's generated lease files.

import type { AddressRange } from '../config/types.js';
import type { StoredBinding } from '../store/types.js';

const HOUR = 3600;

/** Returns the dotted quad `offset` addresses after `start`. */
export function addressAfter(start: string, offset: number): string {
  const value = start.split('.').reduce((sum, octet) => sum * 256 + Number(octet), 0) + offset;
  return [value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff].join('.');
}

/**
 * Builds `count` ACTIVE bindings from `firstAddress` on, each pending so the partner gets it.
 * Client `i` has hardware address 02:00 followed by `i` in four bytes, and client-identifier 01
 * followed by that hardware address.
 */
export function sampleActiveBindings(
  count: number,
  firstAddress: string,
  now: number,
): StoredBinding[] {
  return Array.from({ length: count }, (_, index) => {
    const chaddr = new Uint8Array([
      0x02,
      0x00,
      (index >>> 24) & 0xff,
      (index >>> 16) & 0xff,
      (index >>> 8) & 0xff,
      index & 0xff,
    ]);
    return {
      address: addressAfter(firstAddress, index),
      bindingStatus: 'ACTIVE',
      ipFlags: 0,
      clientIdentifier: new Uint8Array([0x01, ...chaddr]),
      clientHardwareAddress: { htype: 1, chaddr },
      leaseExpirationTime: now + 23 * HOUR,
      startTimeOfState: now - HOUR,
      clientLastTransactionTime: now - HOUR,
      pendingUpdate: true,
      updateSeq: 1,
    };
  });
}

/** A pool that holds `count` addresses from `firstAddress` plus `spare` more. */
export function poolFor(firstAddress: string, count: number, spare: number): AddressRange {
  return { start: firstAddress, end: addressAfter(firstAddress, count + spare - 1) };
}
