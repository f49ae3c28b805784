// The secs bypass of load balancing: in NORMAL a server also answers a new client of the
// partner's hash buckets once the client has waited longer than `loadBalanceMaxSecs`, so that a
// partner that stopped answering without dropping the connection strands nobody (ISC-6).

/** The relationship's bypass settings. */
export interface LoadBalanceBypass {
  /** Seconds after which the bypass applies; 0 serves every client, and absent never bypasses. */
  maxSecs?: number | undefined;
  /** Read a secs value with a non-zero high byte and zero low byte as byte-swapped. */
  secsByteorderHeuristic?: boolean | undefined;
}

/**
 * Returns the seconds the client has been trying, from the BOOTP secs field (RFC 2131 section 2),
 * which is big-endian. With the heuristic on, a value like 0x0300 is read as 3: some clients write
 * secs little-endian, and without the swap both servers would see hundreds of seconds and answer.
 */
export function elapsedSeconds(secs: number, secsByteorderHeuristic: boolean): number {
  const high = secs >> 8;
  const low = secs & 0xff;
  if (secsByteorderHeuristic && high !== 0 && low === 0) {
    return high;
  }

  return secs;
}

/** Returns whether a request with this secs field gets a reply regardless of its hash bucket. */
export function bypassesLoadBalancing(settings: LoadBalanceBypass, secs: number): boolean {
  if (settings.maxSecs === undefined) {
    return false;
  }

  if (settings.maxSecs === 0) {
    return true;
  }

  return elapsedSeconds(secs, settings.secsByteorderHeuristic === true) > settings.maxSecs;
}
