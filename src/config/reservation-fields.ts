// The `reservations` list of a relationship config: addresses that only one client may get
// (draft-12 section 5.13). Both servers must be configured with the same list (FO-5.13-b).

import type { AddressRange, Reservation } from './types.js';
import {
  invalidField,
  ipv4ToNumber,
  readHexBytes,
  readIPv4,
  rejectUnknownFields,
  requireObject,
} from './fields.js';

/** chaddr is 16 bytes (RFC 2131 section 2). */
const MAX_HARDWARE_ADDRESS_LENGTH = 16;
/** A DHCP option carries at most 255 bytes (RFC 2132 section 2). */
const MAX_CLIENT_IDENTIFIER_LENGTH = 255;

/** Checks the reservations: each address in a pool and reserved once. Absent means none. */
export function readReservations(
  value: unknown,
  pools: readonly AddressRange[],
): Reservation[] | undefined {
  if (value === undefined) {
    return undefined;
  }

  if (!Array.isArray(value)) {
    throw invalidField('reservations', value, 'an array of {address, hardwareAddress}');
  }

  const reservations = value.map((entry: unknown, index) =>
    readReservation(entry, `reservations[${index}]`, pools),
  );
  const seen = new Set<string>();
  reservations.forEach((reservation, index) => {
    if (seen.has(reservation.address)) {
      throw invalidField(
        `reservations[${index}].address`,
        reservation.address,
        'an address that no earlier reservation holds',
      );
    }

    seen.add(reservation.address);
  });
  return reservations;
}

function readReservation(
  value: unknown,
  field: string,
  pools: readonly AddressRange[],
): Reservation {
  const object = requireObject(value, field);
  rejectUnknownFields(object, ['address', 'hardwareAddress', 'clientIdentifier'], field);
  const address = readIPv4(object['address'], `${field}.address`);
  const number = ipv4ToNumber(address);
  const inPool = pools.some(
    (pool) => number >= ipv4ToNumber(pool.start) && number <= ipv4ToNumber(pool.end),
  );
  if (!inPool) {
    throw invalidField(`${field}.address`, address, 'an address inside one of the pools');
  }

  const reservation: Reservation = {
    address,
    hardwareAddress: readHexBytes(
      object['hardwareAddress'],
      `${field}.hardwareAddress`,
      1,
      MAX_HARDWARE_ADDRESS_LENGTH,
    ),
  };
  if (object['clientIdentifier'] !== undefined) {
    reservation.clientIdentifier = readHexBytes(
      object['clientIdentifier'],
      `${field}.clientIdentifier`,
      1,
      MAX_CLIENT_IDENTIFIER_LENGTH,
    );
  }

  return reservation;
}
