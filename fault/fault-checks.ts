// The properties every fault run must keep: no acknowledged binding update lost, no address held
// by two clients at once, and equal bindings on both peers once they are NORMAL again.

import { openLeaseStore } from '../src/store/sqlite-store.js';
import type { StoredBinding } from '../src/store/types.js';
import type { HeldLease } from './dhcp-clients.js';
import type { CommittedUpdate } from './peer-process.js';

export interface Violation {
  property:
    | 'lost-update'
    | 'duplicate-allocation'
    | 'bindings-differ'
    | 'lost-lease'
    | 'free-backup-differs';
  detail: string;
}

/** Reads every binding of a store file through a read-only connection. */
export function readBindings(storePath: string): Map<string, StoredBinding> {
  const store = openLeaseStore(storePath, { readonly: true });
  try {
    return new Map([...store.allBindings()].map((binding) => [binding.address, binding]));
  } finally {
    store.close();
  }
}

/** Counts the bindings still waiting for the partner's BNDACK. */
export function countPending(storePath: string): number {
  const store = openLeaseStore(storePath, { readonly: true });
  try {
    return store.countPending();
  } finally {
    store.close();
  }
}

/**
 * Checks that the last update each address committed before a BNDACK (FO-5.2.1-f) is in the
 * store, or a later change of it. A later change has a later client-last-transaction-time, or the
 * same one, because a binding-status change by the server itself keeps the time.
 */
export function checkCommitted(
  committed: Iterable<CommittedUpdate>,
  stored: Map<string, StoredBinding>,
  label: string,
): Violation[] {
  const violations: Violation[] = [];
  for (const update of committed) {
    const binding = stored.get(update.address);
    const storedTime = binding?.clientLastTransactionTime ?? 0;
    if (binding === undefined || storedTime < update.clientLastTransactionTime) {
      const found =
        binding === undefined ? 'no binding' : `${binding.bindingStatus} at ${storedTime}`;
      violations.push({
        property: 'lost-update',
        detail: `${label} committed ${update.address} ${update.bindingStatus} at ${update.clientLastTransactionTime}, store has ${found}`,
      });
    }
  }

  return violations;
}

/** Finds two clients whose leases of one address overlap in time. */
export function checkDuplicates(leases: readonly HeldLease[]): Violation[] {
  const byAddress = new Map<string, HeldLease[]>();
  for (const lease of leases) {
    byAddress.set(lease.address, [...(byAddress.get(lease.address) ?? []), lease]);
  }

  const violations: Violation[] = [];
  for (const [address, held] of byAddress) {
    const sorted = [...held].sort((left, right) => left.fromMs - right.fromMs);
    sorted.forEach((lease, index) => {
      const overlapping = sorted
        .slice(index + 1)
        .find((other) => other.client !== lease.client && other.fromMs < lease.untilMs);
      if (overlapping !== undefined) {
        violations.push({
          property: 'duplicate-allocation',
          detail: `${address} held by ${lease.client} until ${lease.untilMs} and by ${overlapping.client} from ${overlapping.fromMs}`,
        });
      }
    });
  }

  return violations;
}

/** Statuses a receiver stores as FREE (FO-5.11-e), so the sender's copy may still name them. */
const STORED_AS_FREE = new Set(['FREE', 'EXPIRED', 'RELEASED', 'RESET']);

/** Returns the view both peers must agree on for one address; FREE, EXPIRED, RELEASED and no row read alike. */
function agreedView(binding: StoredBinding | undefined): string {
  if (binding === undefined || STORED_AS_FREE.has(binding.bindingStatus)) {
    return 'FREE';
  }

  const chaddr = binding.clientHardwareAddress?.chaddr;
  const client = chaddr === undefined ? '-' : Buffer.from(chaddr).toString('hex');
  return `${binding.bindingStatus} ${client}`;
}

/**
 * Returns whether one peer stores the address as FREE and the other BACKUP. A BNDUPD that lends an
 * address as BACKUP can cross the partner's older RELEASED for it, and the acceptance matrix
 * accepts every update over a stored BACKUP (Figure 7.1.3-1), so the two peers swap views.
 */
function isFreeAgainstBackup(left: string, right: string): boolean {
  const views = [left.split(' ')[0], right.split(' ')[0]].sort();
  return views[0] === 'BACKUP' && views[1] === 'FREE';
}

/**
 * Compares the bindings that neither store marks as pending: binding-status, client, and
 * for ACTIVE bindings the
 * lease-expiration-time on the harness's clock (each store's time less its peer's skew) to within
 * `toleranceSeconds`.
 */
export function checkEqualBindings(
  primary: Map<string, StoredBinding>,
  secondary: Map<string, StoredBinding>,
  skewSeconds: { primary: number; secondary: number },
  toleranceSeconds = 2,
): Violation[] {
  const violations: Violation[] = [];
  for (const address of new Set([...primary.keys(), ...secondary.keys()])) {
    const [ours, theirs] = [primary.get(address), secondary.get(address)];
    // A change made after both peers were quiet, such as a lease expiry, may still be on its
    // way: the peers agree on it only once it is acknowledged.
    if (ours?.pendingUpdate === true || theirs?.pendingUpdate === true) {
      continue;
    }

    const [left, right] = [agreedView(ours), agreedView(theirs)];
    if (left !== right) {
      violations.push({
        property: isFreeAgainstBackup(left, right) ? 'free-backup-differs' : 'bindings-differ',
        detail: `${address}: primary ${left}, secondary ${right}`,
      });
      continue;
    }

    const leftExpiry = (ours?.leaseExpirationTime ?? 0) - skewSeconds.primary;
    const rightExpiry = (theirs?.leaseExpirationTime ?? 0) - skewSeconds.secondary;
    if (ours?.bindingStatus === 'ACTIVE' && Math.abs(leftExpiry - rightExpiry) > toleranceSeconds) {
      violations.push({
        property: 'bindings-differ',
        detail: `${address}: lease-expiration-time ${leftExpiry} on the primary, ${rightExpiry} on the secondary (harness clock)`,
      });
    }
  }

  return violations;
}

/**
 * Checks that every lease a client still holds is in both stores as ACTIVE for that client: the
 * server committed it before its DHCPACK (FO-7.1.1-m) and its partner got the BNDUPD.
 */
export function checkHeldLeases(
  held: readonly HeldLease[],
  stores: Record<'primary' | 'secondary', Map<string, StoredBinding>>,
): Violation[] {
  const violations: Violation[] = [];
  for (const lease of held) {
    for (const [role, store] of Object.entries(stores)) {
      const binding = store.get(lease.address);
      const chaddr = binding?.clientHardwareAddress?.chaddr;
      const client = chaddr === undefined ? undefined : Buffer.from(chaddr).toString('hex');
      if (binding?.bindingStatus !== 'ACTIVE' || client !== lease.client) {
        violations.push({
          property: 'lost-lease',
          detail: `${lease.client} holds ${lease.address}, the ${role} stores ${agreedView(binding)}`,
        });
      }
    }
  }

  return violations;
}
