// Records the partner's acceptance of several updates in one store transaction, writing only the
// pending mark and the acknowledged PET of each binding, instead of one commit and disk sync per
// binding or a read and rewrite of every row.

import type { AcknowledgedUpdate, LeaseStore } from '../store/types.js';

/** One accepted transaction: the change it carried and the PET it sent. */
export type Acknowledgement = AcknowledgedUpdate;

/**
 * Clears the pending mark of every binding still at the acknowledged updateSeq and records its
 * acknowledged PET (FO-7.2.2-a). A binding changed in between, here or by another process, stays
 * pending, because the partner has not seen its newer change.
 */
export function acknowledgeUpdates(
  store: LeaseStore,
  acknowledgements: readonly Acknowledgement[],
): void {
  store.recordSendProgress({ acknowledged: acknowledgements, sentPets: [] });
}
