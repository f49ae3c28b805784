// Lease-time bounds of the MCLT rule (draft-12 sections 5.2.1, 7.1.5, 9.4.2) and the
// potential-expiration-time to send. All times are seconds since 1970; intervals are seconds.

export interface LeaseBoundInput {
  now: number;
  /** Latest potential-expiration-time the partner acknowledged; absent for a new lease. */
  ackedPet?: number | undefined;
  /** Latest potential-expiration-time received from the partner in an accepted BNDUPD. */
  receivedPet?: number | undefined;
  mclt: number;
}

/**
 * Returns the latest expiry this server may give a client: `max(now, acked-PET, received-PET) +
 * MCLT` (FO-7.1.5-c), the bound E-11 applies in every client-serving state. A new lease, with
 * no PET on either side, gets at most MCLT.
 */
export function maxClientExpiry({ now, ackedPet, receivedPet, mclt }: LeaseBoundInput): number {
  return Math.max(now, ackedPet ?? now, receivedPet ?? now) + mclt;
}

/** Returns the lease interval to offer: the desired one, cut to the MCLT bound (FO-5.2.1-c). */
export function leaseToOffer(input: LeaseBoundInput & { desiredLease: number }): number {
  return Math.min(input.desiredLease, maxClientExpiry(input) - input.now);
}

/**
 * How far beyond the lease the sent potential-expiration-time reaches. `isc` is dhcpd's
 * `now + desired + actual / 2` (ISC-9), which equals the policy of the draft's worked example
 * (renewal interval plus the desired lease). `beyond-lease` adds a fixed interval to the lease.
 */
export type PetPolicy = { kind: 'isc' } | { kind: 'beyond-lease'; seconds: number };

export interface PetInput {
  now: number;
  /** The lease the server would give without failover. */
  desiredLease: number;
  /** The lease just given to the client. */
  actualLease: number;
  policy: PetPolicy;
}

/**
 * Returns the potential-expiration-time to send in the BNDUPD for a lease just given. The result
 * is always at least one second after lease-expiration-time (`now + actualLease`), because
 * FO-7.1.1-f requires a PET later than the lease expiry.
 */
export function potentialExpirationToSend({
  now,
  desiredLease,
  actualLease,
  policy,
}: PetInput): number {
  const leaseExpirationTime = now + actualLease;
  const pet =
    policy.kind === 'isc'
      ? now + desiredLease + Math.floor(actualLease / 2)
      : leaseExpirationTime + policy.seconds;

  return Math.max(pet, leaseExpirationTime + 1);
}

export interface PartnerDownReuseInput {
  /** When the partner went down, or when PARTNER-DOWN was entered if that is unknown. */
  partnerDownSince: number;
  mclt: number;
  leaseExpirationTime?: number | undefined;
  sentPet?: number | undefined;
  ackedPet?: number | undefined;
  receivedPet?: number | undefined;
}

/**
 * Returns when, in PARTNER-DOWN, an address bound to a client may go to a different client:
 * `max(MCLT + max(lease-expiration-time, sent-PET, acked-PET, received-PET), PD entry + MCLT)`
 * (FO-7.1.5-d, FO-9.4.2-d, E-15). An address available to the partner uses the floor alone
 * (FO-9.4.2-c).
 */
export function partnerDownReuseTime(input: PartnerDownReuseInput): number {
  const floor = input.partnerDownSince + input.mclt;
  const times = [input.leaseExpirationTime, input.sentPet, input.ackedPet, input.receivedPet];
  const known = times.filter((time): time is number => time !== undefined);
  if (known.length === 0) {
    return floor;
  }

  return Math.max(Math.max(...known) + input.mclt, floor);
}
