// Records the partner's acceptance of several updates in one store transaction. LeaseStore's
// acknowledgeUpdate commits and syncs the disk once per binding, so a resync of thousands of
// bindings would pay that cost for every BNDACK.

import { StoreError } from '../errors.js';
import type { LeaseStore, StoredBinding } from '../store/types.js';

/** One accepted transaction: the change it carried and the PET it sent. */
export interface Acknowledgement {
  address: string;
  updateSeq: number;
  ackedPet: number | undefined;
}

/**
 * Clears the pending mark of every binding still at the acknowledged updateSeq and records its
 * acknowledged PET (FO-7.2.2-a), like acknowledgeUpdate but in one putBindings call. When another
 * process changed a binding in between, the store refuses the batch, and each binding is then
 * acknowledged on its own.
 */
export function acknowledgeUpdates(
  store: LeaseStore,
  acknowledgements: readonly Acknowledgement[],
): void {
  const rows: StoredBinding[] = [];
  for (const { address, updateSeq, ackedPet } of acknowledgements) {
    const binding = store.getBinding(address);
    if (binding !== undefined && binding.updateSeq === updateSeq && binding.pendingUpdate) {
      rows.push({ ...binding, pendingUpdate: false, ackedPet: ackedPet ?? binding.ackedPet });
    }
  }

  try {
    store.putBindings(rows);
  } catch (error) {
    if (!(error instanceof StoreError) || error.code !== 'FO_ERR_STORE_UPDATE_SEQ_DECREASED') {
      throw error;
    }

    for (const { address, updateSeq, ackedPet } of acknowledgements) {
      store.acknowledgeUpdate(address, updateSeq, ackedPet);
    }
  }
}
