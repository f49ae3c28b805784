// The [MS-DHCPF] meanings of binding-status (3) and IP-flags (12) in a Windows BNDUPD
// (MSF-3.1.4.2-d..h): a lease update carries a bit-field and lease flags, a redistribution update
// an ownership value and IP-flags 0. The two read the same numbers differently, so a transaction is
// classified first (AMB-3), and then mapped to or from the draft-12 binding-status values.

import { BindingStatus, type BindingStatusName } from './codes.js';

/** IP-flags of a Windows lease update (MSF-3.1.4.2-d); they replace the draft's R and B bits. */
export const MicrosoftIPFlag = {
  ADDRESS_DELETED: 0x1,
  ADDRESS_RELEASED: 0x2,
  DELETED_COMM_DOWN: 0x4,
} as const;

/** Address-state field, bits 1-0 of a lease update's binding-status (MSF-3.1.4.2-e). */
export const MicrosoftAddressState = {
  OFFERED: 0,
  ACTIVE: 1,
  DECLINED: 2,
  DOOM: 3,
} as const;

export const MS_ADDRESS_STATE_MASK = 0x03;
/** DHCID field, bits 3-2, as byte values (AMB-4). */
export const MS_DHCID_MASK = 0x0c;
/** DNS flags, bits 7-4, as byte values: CLEANUP 0x10, BOTH_REC 0x20, UNREGISTERED 0x40, DELETED 0x80 (AMB-4). */
export const MS_DNS_FLAGS_MASK = 0xf0;

/** Ownership values of a redistribution update (MSF-3.1.4.2-g). */
export const MicrosoftRedistribution = {
  FREE: 1,
  BACKUP: 2,
  RECONCILE: 4,
  FREE_UPDATE: 5,
  BACKUP_UPDATE: 6,
} as const;

const REDISTRIBUTION_VALUES = new Set<number>(Object.values(MicrosoftRedistribution));
const PRIMARY_OWNED = new Set<number>([
  MicrosoftRedistribution.FREE,
  MicrosoftRedistribution.FREE_UPDATE,
  MicrosoftRedistribution.RECONCILE,
]);

/** The facts of a Windows transaction that decide how its binding-status byte is read. */
export interface MicrosoftUpdateShape {
  bindingStatus: number;
  ipFlags: number | undefined;
  hasClientHardwareAddress: boolean;
}

/**
 * Returns whether a Windows transaction is an address redistribution: IP-flags 0, no
 * client-hardware-address, and a value of the redistribution set. The spec only says IP-flags 0,
 * which an ordinary lease update may also carry, so the other two facts decide (AMB-3).
 */
export function isMicrosoftRedistribution(shape: MicrosoftUpdateShape): boolean {
  return (
    (shape.ipFlags ?? 0) === 0 &&
    !shape.hasClientHardwareAddress &&
    REDISTRIBUTION_VALUES.has(shape.bindingStatus)
  );
}

/**
 * Maps a received Windows transaction to a draft-12 binding-status name, in the order of
 * MSF-3.1.4.2-h. `hasLeaseRecord` means that this server stores the address with a client
 * (ACTIVE, EXPIRED, RELEASED or ABANDONED). A redistribution value gives FREE or BACKUP only
 * without a lease record. With one, the byte goes on to the lease steps, as the mapping is written.
 *
 * The mapping does not mention IP-flags DELETED or DELETED_COMM_DOWN, although both say that the
 * lease record is gone. They map to RESET, the draft's status for an address an administrator
 * made available, which is stored as FREE and which every row of the acceptance matrix takes
 * (AMB-3, MSF-3.1.5.2-f).
 */
export function draftStatusOfMicrosoft(
  shape: MicrosoftUpdateShape,
  hasLeaseRecord: boolean,
): BindingStatusName {
  const ipFlags = shape.ipFlags ?? 0;
  if (isMicrosoftRedistribution(shape) && !hasLeaseRecord) {
    return PRIMARY_OWNED.has(shape.bindingStatus) ? 'FREE' : 'BACKUP';
  }

  const deleted = MicrosoftIPFlag.ADDRESS_DELETED | MicrosoftIPFlag.DELETED_COMM_DOWN;
  if ((ipFlags & deleted) !== 0) {
    return 'RESET';
  }

  if ((ipFlags & MicrosoftIPFlag.ADDRESS_RELEASED) !== 0) {
    return 'RELEASED';
  }

  // AMB-3 (iv): DOOM and DECLINED are values of the 2-bit field, not single bits.
  const addressState = shape.bindingStatus & MS_ADDRESS_STATE_MASK;
  if (addressState === MicrosoftAddressState.DOOM) {
    return 'EXPIRED';
  }

  if (addressState === MicrosoftAddressState.DECLINED) {
    return 'EXPIRED';
  }

  return 'ACTIVE';
}

/** binding-status and IP-flags of a Windows transaction. */
export interface MicrosoftStatus {
  bindingStatus: number;
  ipFlags: number;
  /** Redistribution updates carry no client options (MSF-3.1.5.2-b FREE/BACKUP column). */
  redistribution: boolean;
}

/**
 * Returns what a Windows partner is sent for a draft binding-status. dhcpf does no DNS updates
 * and keeps no DHCID, so bits 7-2 of a lease update are 0 (MSF-3.1.4.2-e).
 *
 * FREE and RESET go out as the redistribution value FREE, BACKUP as BACKUP; BACKUP_UPDATE is never
 * sent (AMB-5). ACTIVE is the address state ACTIVE; RELEASED is ACTIVE with the RELEASED flag;
 * EXPIRED is DOOM. ABANDONED has no Windows value (AMB-3 (vi)), so it goes out as DECLINED, the
 * address state of an address a client refused, which the partner reads as EXPIRED.
 */
export function microsoftStatusOf(status: BindingStatusName): MicrosoftStatus {
  switch (status) {
    case 'FREE':
    case 'RESET':
      return { bindingStatus: MicrosoftRedistribution.FREE, ipFlags: 0, redistribution: true };
    case 'BACKUP':
      return { bindingStatus: MicrosoftRedistribution.BACKUP, ipFlags: 0, redistribution: true };
    case 'ACTIVE':
      return lease(MicrosoftAddressState.ACTIVE, 0);
    case 'RELEASED':
      return lease(MicrosoftAddressState.ACTIVE, MicrosoftIPFlag.ADDRESS_RELEASED);
    case 'EXPIRED':
      return lease(MicrosoftAddressState.DOOM, 0);
    case 'ABANDONED':
      return lease(MicrosoftAddressState.DECLINED, 0);
  }
}

function lease(addressState: number, ipFlags: number): MicrosoftStatus {
  return { bindingStatus: addressState, ipFlags, redistribution: false };
}

/** Returns the draft-12 code of a binding-status name, for a BindingUpdate's draft form. */
export function draftStatusCode(status: BindingStatusName): number {
  return BindingStatus[status];
}
