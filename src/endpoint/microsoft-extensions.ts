// The parts a peer adds for a Windows partner, built in one place from the relationship config:
// the Windows form of binding updates, the Address Rebalancing timer of a primary, and the
// scoped UPDREQ. Every part is undefined in the isc profile, so the peer runs the draft alone.

import type { RelationshipConfig } from '../config/types.js';
import type { Logger } from '../log.js';
import type { Clock } from '../peer/timers.js';
import type { LeaseStore } from '../store/types.js';
import type { FailoverMessage } from '../wire/types.js';
import { addressRebalancerFor, type AddressRebalancer } from './microsoft-rebalancing.js';
import { scopedUPDREQHandlerFor } from './microsoft-scopes.js';
import { updateAdaptersFor, type UpdateAdapters } from './microsoft-updates.js';

export interface MicrosoftExtensions {
  /** Steps of the update sender and receiver (MSF-3.1.4.2, MSF-3.1.5.2, MSF-3.1.5.3). */
  adapters: UpdateAdapters | undefined;
  /** The primary's Address Rebalancing timer (MSF-3.2.2.1-a). */
  rebalancer: AddressRebalancer | undefined;
  /** Marks option 30's scopes pending before an UPDREQ is answered (MSF-3.1.5.4-a). */
  beforeUPDREQ: ((message: FailoverMessage) => void) | undefined;
}

export interface ExtensionContext {
  store: LeaseStore;
  clock: Clock;
  logger: Logger;
  /** Sends the pending bindings, for the rebalancer. */
  sendPending(): void;
}

/**
 * Builds the parts of the relationship's profile.
 *
 * GAP(MSF-3.1.7.2-a): nothing moves to RECOVER and sends UPDREQALL after a lease database is
 * restored, because dhcpf has no command that restores one.
 */
export function microsoftExtensionsFor(
  config: RelationshipConfig,
  context: ExtensionContext,
): MicrosoftExtensions {
  return {
    adapters: updateAdaptersFor(config),
    rebalancer: addressRebalancerFor(config, context),
    beforeUPDREQ: scopedUPDREQHandlerFor(config, context.store, context.logger),
  };
}
