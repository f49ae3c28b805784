// Addresses offered and not yet requested, held for their client for a short time so that two
// clients discovering at once are not offered the same address.

/** Seconds an offered address stays held for its client. */
export const OFFER_HOLD_SECONDS = 60;

interface Hold {
  clientKey: string;
  expiresAt: number;
}

/** A view of the addresses held for clients other than one. */
export interface HeldAddresses {
  has(address: string): boolean;
}

/**
 * The holds, in a Map ordered by when they were made. Every hold lasts OFFER_HOLD_SECONDS, so
 * that order is also expiry order: expired holds are dropped from the front, and each lookup
 * costs O(1) however many offers are outstanding.
 */
export class OfferHolds {
  private readonly holds = new Map<string, Hold>();
  /** The held addresses of each client, so releasing a client does not read every hold. */
  private readonly byClient = new Map<string, Set<string>>();

  /** Holds `address` for the client until `now` + OFFER_HOLD_SECONDS. */
  hold(address: string, clientKey: string, now: number): void {
    // Deleting first moves a renewed hold to the end, which keeps the Map in expiry order.
    this.release(address);
    this.holds.set(address, { clientKey, expiresAt: now + OFFER_HOLD_SECONDS });
    const addresses = this.byClient.get(clientKey) ?? new Set<string>();
    addresses.add(address);
    this.byClient.set(clientKey, addresses);
  }

  /** Returns a view of the addresses held for other clients at `now`, dropping expired holds. */
  heldForOthers(clientKey: string, now: number): HeldAddresses {
    this.dropExpired(now);
    return {
      has: (address) => {
        const hold = this.holds.get(address);
        return hold !== undefined && hold.clientKey !== clientKey;
      },
    };
  }

  release(address: string): void {
    const hold = this.holds.get(address);
    if (hold === undefined) {
      return;
    }

    this.holds.delete(address);
    const addresses = this.byClient.get(hold.clientKey);
    addresses?.delete(address);
    if (addresses?.size === 0) {
      this.byClient.delete(hold.clientKey);
    }
  }

  /** Drops every hold of a client, as when it selected another server. */
  releaseClient(clientKey: string): void {
    for (const address of this.byClient.get(clientKey) ?? []) {
      this.holds.delete(address);
    }
    this.byClient.delete(clientKey);
  }

  private dropExpired(now: number): void {
    for (const [address, hold] of this.holds) {
      if (hold.expiresAt > now) {
        return;
      }

      this.release(address);
    }
  }
}
