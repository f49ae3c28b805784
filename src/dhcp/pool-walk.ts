// The search of the pools for an address to offer a new client. Each step is an indexed store
// query, and a next-fit cursor starts each search after the address offered last, so the
// addresses offered and still held for other clients are not walked again on every DISCOVER.

import type { AddressPool } from '../../model/lease/lease-guards.js';
import type { Role } from '../../model/endpoint-types.js';
import type { AddressRange } from '../config/types.js';
import { formatIPv4, parseIPv4 } from '../store/ipv4.js';
import type { LeaseStore } from '../store/types.js';
import type { BindingStatusName } from '../wire/codes.js';
import type { HeldAddresses } from './offer-holds.js';

/**
 * Stored bindings read per query while looking for an allocatable address. Small, because the
 * cursor usually lands on an available one and each row read is converted in full.
 */
const CANDIDATE_PAGE = 8;

/**
 * Start of the next search: the address after the one offered last (next-fit). The search wraps
 * around to the start of the pools, so addresses that became available behind it are still found.
 */
export class AllocationCursors {
  private next: number | undefined;

  /** The first address of the next search, as a number; undefined before the first offer. */
  get start(): number | undefined {
    return this.next;
  }

  moveAfter(address: string): void {
    const value = parseIPv4(address);
    this.next = value === undefined ? undefined : value + 1;
  }
}

/** The parts of the allocation context that the pool walk reads. */
export interface PoolWalkContext {
  store: LeaseStore;
  role: Role;
  pools: readonly AddressRange[];
  cursors?: AllocationCursors | undefined;
}

/** A part of one range to search, as numbers. */
interface Span {
  first: number;
  last: number;
}

/**
 * Returns the first address of `pool` the check accepts. Available addresses are FREE for the
 * primary and BACKUP for the secondary (FO-5.4-a). Addresses never stored are FREE and come
 * first, because a stored FREE address that still names its last client should wait for that
 * client a while longer. Stored ones follow by address. The search covers the addresses from the
 * cursor on, then those before it.
 */
export function firstAllocatable(
  context: PoolWalkContext,
  pool: AddressPool,
  held: HeldAddresses,
  free: (address: string) => boolean,
): string | undefined {
  const owner = pool === 'own' ? context.role : otherRole(context.role);
  const status: BindingStatusName = owner === 'primary' ? 'FREE' : 'BACKUP';
  for (const spans of spansFromCursor(context)) {
    if (status === 'FREE') {
      for (const span of spans) {
        const found = firstUnstoredAllocatable(context.store, span, held, free);
        if (found !== undefined) {
          return found;
        }
      }
    }

    for (const span of spans) {
      const found = firstStoredAllocatable(context.store, span, status, free);
      if (found !== undefined) {
        return found;
      }
    }
  }

  return undefined;
}

function otherRole(role: Role): Role {
  return role === 'primary' ? 'secondary' : 'primary';
}

/** Splits the pools at the cursor: the parts from it on, then the parts before it. */
function spansFromCursor(context: PoolWalkContext): Span[][] {
  const ranges = context.pools.map((pool) => ({
    first: parseIPv4(pool.start) ?? 0,
    last: parseIPv4(pool.end) ?? -1,
  }));
  const cursor = context.cursors?.start;
  if (cursor === undefined) {
    return [ranges];
  }

  const after = ranges
    .filter((range) => range.last >= cursor)
    .map((range) => ({ first: Math.max(range.first, cursor), last: range.last }));
  const before = ranges
    .filter((range) => range.first < cursor)
    .map((range) => ({ first: range.first, last: Math.min(range.last, cursor - 1) }));
  return [after, before];
}

/** Walks the runs of never-stored addresses of the span, one pair of store queries per run. */
function firstUnstoredAllocatable(
  store: LeaseStore,
  span: Span,
  held: HeldAddresses,
  free: (address: string) => boolean,
): string | undefined {
  const lastAddress = formatIPv4(span.last);
  let from = span.first;
  while (from <= span.last) {
    const run = store.firstUnstoredRange(formatIPv4(from), lastAddress);
    if (run === undefined) {
      return undefined;
    }

    const runLast = parseIPv4(run.last) ?? 0;
    for (let value = parseIPv4(run.first) ?? 0; value <= runLast; value++) {
      const address = formatIPv4(value);
      if (!held.has(address) && free(address)) {
        return address;
      }
    }

    from = runLast + 1;
  }

  return undefined;
}

function firstStoredAllocatable(
  store: LeaseStore,
  span: Span,
  status: BindingStatusName,
  free: (address: string) => boolean,
): string | undefined {
  const range = { first: formatIPv4(span.first), last: formatIPv4(span.last) };
  let after: string | undefined;
  for (;;) {
    const page = store.bindingsWithStatus(status, { ...range, after }, CANDIDATE_PAGE);
    const found = page.find((binding) => free(binding.address));
    if (found !== undefined) {
      return found.address;
    }

    const last = page.at(-1);
    if (last === undefined || page.length < CANDIDATE_PAGE) {
      return undefined;
    }

    after = last.address;
  }
}
