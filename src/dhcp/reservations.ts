// Reservations as the DHCPv4 front end and the update receiver read them: which address is
// reserved, and for which client (draft-12 section 5.13).

import type { BindingUpdateDecision } from '../../model/binding-acceptance.js';
import type { Reservation } from '../config/types.js';
import { BindingStatus, RejectReason } from '../wire/codes.js';
import type { BindingUpdate } from '../wire/types.js';

/** The client as a DHCP message identifies it. */
export interface DHCPClient {
  /** Data of option 61, when sent. */
  clientIdentifier?: Uint8Array | undefined;
  htype: number;
  chaddr: Uint8Array;
}

/** htype of Ethernet (RFC 1700), the only hardware type a reservation names. */
const ETHERNET = 1;

export function sameBytes(left: Uint8Array | undefined, right: Uint8Array | undefined): boolean {
  if (left === undefined || right === undefined || left.length !== right.length) {
    return false;
  }

  return left.every((byte, index) => byte === right[index]);
}

/** Returns the reservation of the address, if one is configured. */
export function reservationOf(
  reservations: readonly Reservation[],
  address: string,
): Reservation | undefined {
  return reservations.find((reservation) => reservation.address === address);
}

/** Returns the address reserved for the client, if any. */
export function reservedAddressOf(
  reservations: readonly Reservation[],
  client: DHCPClient,
): string | undefined {
  return reservations.find((reservation) => reservationMatches(reservation, client))?.address;
}

/**
 * Returns whether the reservation is the client's: by client-identifier when both have one, as
 * bindings are matched, else by Ethernet hardware address.
 */
export function reservationMatches(reservation: Reservation, client: DHCPClient): boolean {
  if (reservation.clientIdentifier !== undefined && client.clientIdentifier !== undefined) {
    return sameBytes(reservation.clientIdentifier, client.clientIdentifier);
  }

  return client.htype === ETHERNET && sameBytes(reservation.hardwareAddress, client.chaddr);
}

/** Returns whether the address is reserved in this server's config. */
export function isReservedHere(
  reservations: readonly Reservation[] | undefined,
  address: string,
): boolean {
  return reservationOf(reservations ?? [], address) !== undefined;
}

/**
 * Returns the rejection of a Windows partner's FREE or BACKUP update for an address reserved
 * here: reject-reason 15, so the reservation stays (MSF-3.1.5.2-g). Windows sends these when its
 * rebalancing redistributes an address it does not know is reserved, because Windows does not
 * copy reservations to the partner on its own. Undefined for any other update.
 */
export function rejectionOfReservedRedistribution(
  update: BindingUpdate,
  reserved: boolean,
): BindingUpdateDecision | undefined {
  const status = update.bindingStatus;
  if (!reserved || (status !== BindingStatus.FREE && status !== BindingStatus.BACKUP)) {
    return undefined;
  }

  return {
    accepted: false,
    rejectReason: RejectReason.OUTDATED_BINDING_INFORMATION,
    message: `${update.address} is reserved here, expected no FREE or BACKUP update for it`,
    rule: 'MSF-3.1.5.2-g',
  };
}
