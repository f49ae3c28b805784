// Addresses offered and not yet requested, held for their client for a short time so that two
// clients discovering at once are not offered the same address.

/** Seconds an offered address stays held for its client. */
export const OFFER_HOLD_SECONDS = 60;

interface Hold {
  clientKey: string;
  expiresAt: number;
}

export class OfferHolds {
  private readonly holds = new Map<string, Hold>();

  /** Holds `address` for the client until `now` + OFFER_HOLD_SECONDS. */
  hold(address: string, clientKey: string, now: number): void {
    this.holds.set(address, { clientKey, expiresAt: now + OFFER_HOLD_SECONDS });
  }

  /** Returns the addresses held for other clients at `now`, dropping expired holds. */
  heldForOthers(clientKey: string, now: number): Set<string> {
    const held = new Set<string>();
    for (const [address, hold] of this.holds) {
      if (hold.expiresAt <= now) {
        this.holds.delete(address);
      } else if (hold.clientKey !== clientKey) {
        held.add(address);
      }
    }

    return held;
  }

  release(address: string): void {
    this.holds.delete(address);
  }

  /** Drops every hold of a client, as when it selected another server. */
  releaseClient(clientKey: string): void {
    for (const [address, hold] of this.holds) {
      if (hold.clientKey === clientKey) {
        this.holds.delete(address);
      }
    }
  }
}
