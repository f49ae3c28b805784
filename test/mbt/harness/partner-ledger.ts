// What the raw partner received: the last binding update it saw for each address and the PET of
// the last one it acknowledged. The invariants of the random runs compare the peer's store with it.

import { expect } from 'vitest';
import { option } from '../../../src/peer/options.js';
import type { LeaseStore, StoredBinding } from '../../../src/store/types.js';
import { bindingUpdatesOf } from '../../../src/wire/binding-update.js';
import { BindingStatus, MessageType, OptionCode } from '../../../src/wire/codes.js';
import type { BindingUpdate } from '../../../src/wire/types.js';
import type { RawPartner } from '../../peer/raw-partner.js';

export class PartnerLedger {
  /** The last update the partner received for each address. */
  readonly seen = new Map<string, BindingUpdate>();
  /** The PET of the last update the partner acknowledged, per address. */
  readonly acknowledged = new Map<string, number | undefined>();
  private readonly cursors = new WeakMap<RawPartner, number>();

  /** Acknowledges every BNDUPD `partner` received since the last call; returns how many. */
  acknowledgeNew(partner: RawPartner): number {
    const from = this.cursors.get(partner) ?? 0;
    const messages = partner.received.slice(from);
    this.cursors.set(partner, partner.received.length);
    let count = 0;
    for (const message of messages) {
      if (message.type !== MessageType.BNDUPD) {
        continue;
      }

      const { updates } = bindingUpdatesOf(message);
      for (const update of updates) {
        this.seen.set(update.address, update);
        this.acknowledged.set(update.address, update.potentialExpirationTime);
      }

      const addresses = updates.map((update) =>
        option(OptionCode.ASSIGNED_IP_ADDRESS, update.address),
      );
      partner.send(MessageType.BNDACK, addresses, message.xid);
      count += 1;
    }

    return count;
  }
}

function snapshotOf(store: LeaseStore): StoredBinding[] {
  return [...store.allBindings()];
}

/**
 * Checks the store against what the partner acknowledged. A binding no longer pending was
 * acknowledged with the PET the store records (FO-7.2.2-a). Every ACTIVE update the partner saw
 * carried a PET later than its lease (FO-7.1.1-f). No client has two addresses on either side.
 */
export function expectConsistent(store: LeaseStore, ledger: PartnerLedger): void {
  const bindings = snapshotOf(store);
  for (const binding of bindings.filter((item) => !item.pendingUpdate)) {
    expect(ledger.acknowledged.has(binding.address), `${binding.address} acknowledged`).toBe(true);
    expect(binding.ackedPet, `${binding.address} acknowledged PET`).toBe(
      ledger.acknowledged.get(binding.address),
    );
  }

  for (const update of ledger.seen.values()) {
    if (update.bindingStatus === BindingStatus.ACTIVE) {
      expect(update.potentialExpirationTime ?? 0).toBeGreaterThan(update.leaseExpirationTime ?? 0);
    }
  }

  expectOneAddressPerClient(bindings.map((binding) => binding.clientHardwareAddress?.chaddr));
  expectOneAddressPerClient([...ledger.seen.values()].map((u) => u.clientHardwareAddress?.chaddr));
}

function expectOneAddressPerClient(clients: readonly (Uint8Array | undefined)[]): void {
  const keys = clients.flatMap((chaddr) => (chaddr === undefined ? [] : [chaddr.join(':')]));

  expect(new Set(keys).size, 'clients with more than one address').toBe(keys.length);
}

/** Returns every binding of the store, to compare the store before and after a restart. */
export function storeContents(store: LeaseStore): StoredBinding[] {
  return snapshotOf(store);
}
