// Pool balancing between the primary and the secondary in the isc profile (draft-12 sections 5.4,
// 7.6 and 7.7). Every address starts with the primary. On each POOLREQ the primary lends FREE
// addresses to the secondary as BACKUP, with BNDUPDs, and reports the count in POOLRESP. A server
// with a DHCP front end also balances on its own while in NORMAL: the primary lends, as ISC dhcpd
// 4.4 does on entering NORMAL, and the secondary sends POOLREQ when its BACKUP share is low.
// The share follows ISC dhcpd 4.4: half of the available addresses each.

import { clientHashBucket, loadBalanceKeyOf, ownerOfBucket } from '../loadbal/hash-bucket.js';
import { LogEvent, type Logger } from '../log.js';
import { nowSeconds, type Clock, type TimerHandle } from '../peer/timers.js';
import { formatIPv4, parseIPv4 } from '../store/ipv4.js';
import type { LeaseStore, StoredBinding } from '../store/types.js';
import type { AddressRange, Reservation } from '../config/types.js';
import { inPools } from '../dhcp/allocation.js';
import { isReservedHere } from '../dhcp/reservations.js';
import { IP_FLAG_RESERVED, ServerState } from '../wire/codes.js';

/** An address that is FREE: stored as FREE, or never stored (FO-5.16-c). */
export interface AvailableAddress {
  address: string;
  stored: StoredBinding | undefined;
}

/** The available addresses of the pools: FREE ones in address order, and the BACKUP count. */
export interface PoolBalanceCounts {
  free: AvailableAddress[];
  backup: number;
}

export interface PoolBalanceOptions {
  store: LeaseStore;
  pools: readonly AddressRange[];
  /** The hash-bucket-assignment of NORMAL, to prefer addresses of the secondary's clients. */
  hashBucketAssignment: Uint8Array | undefined;
  logger: Logger;
  /** Reservations configured here; their addresses are never lent (FO-5.13-a). */
  reservations?: readonly Reservation[] | undefined;
}

/**
 * Fraction of the available addresses by which the two shares may differ before the primary
 * lends, so that single allocations do not cause a BNDUPD each (FO-5.4-c). ISC dhcpd 4.4 logs the
 * same bound as "max-own (+/-)" with its default max-lease-ownership of 10 percent.
 */
const IMBALANCE_FRACTION = 0.1;

/**
 * Returns how many FREE addresses the primary lends so that both hold about half of the available
 * ones: (free - backup) / 2, or 0 while the difference stays within the threshold.
 */
export function addressesToLend(free: number, backup: number): number {
  const share = Math.floor((free - backup) / 2);
  return share > imbalanceThreshold(free + backup) ? share : 0;
}

/** Returns whether the secondary has fewer BACKUP addresses than its share (FO-7.6-b). */
export function secondaryNeedsAddresses(free: number, backup: number): boolean {
  return addressesToLend(free, backup) > 0;
}

function imbalanceThreshold(available: number): number {
  return Math.max(1, Math.floor(available * IMBALANCE_FRACTION));
}

/**
 * Counts the FREE and BACKUP addresses of the pools, each address once. A reserved address, by the
 * reservations given or by its stored R flag, is left out: it serves only its client (FO-5.13-a),
 * so it is neither lent nor part of either share.
 */
export function countPoolAddresses(
  store: LeaseStore,
  pools: readonly AddressRange[],
  reservations: readonly Reservation[] = [],
): PoolBalanceCounts {
  const stored = new Map<string, StoredBinding>();
  for (const binding of store.allBindings()) {
    stored.set(binding.address, binding);
  }

  const free: AvailableAddress[] = [];
  let backup = 0;
  for (const address of poolAddresses(pools)) {
    const binding = stored.get(address);
    if (isReserved(address, binding, reservations)) {
      continue;
    }

    if (binding?.bindingStatus === 'BACKUP') {
      backup += 1;
    } else if (binding === undefined || binding.bindingStatus === 'FREE') {
      free.push({ address, stored: binding });
    }
  }

  return { free, backup };
}

function isReserved(
  address: string,
  binding: StoredBinding | undefined,
  reservations: readonly Reservation[],
): boolean {
  return (
    isReservedHere(reservations, address) || ((binding?.ipFlags ?? 0) & IP_FLAG_RESERVED) !== 0
  );
}

/**
 * Picks `count` addresses to lend. Addresses whose last client hashes to the secondary come first,
 * so a returning client finds its address there (FO-5.4-f). Addresses without a client come next,
 * and those of the primary's clients last. Within each group the highest addresses go first,
 * because the DHCP front end allocates from the lowest.
 */
export function chooseAddressesToLend(
  free: readonly AvailableAddress[],
  count: number,
  hashBucketAssignment: Uint8Array | undefined,
): AvailableAddress[] {
  const rank = (candidate: AvailableAddress): number => {
    const stored = candidate.stored;
    const chaddr = stored?.clientHardwareAddress?.chaddr;
    if (stored === undefined || chaddr === undefined || hashBucketAssignment === undefined) {
      return 1;
    }

    const key = loadBalanceKeyOf({ clientIdentifier: stored.clientIdentifier, chaddr });
    return ownerOfBucket(hashBucketAssignment, clientHashBucket(key)) === 'secondary' ? 0 : 2;
  };
  const ordered = [...free].reverse().sort((left, right) => rank(left) - rank(right));
  return ordered.slice(0, Math.max(0, count));
}

/** Returns the binding after T3: BACKUP from now, pending, so the BNDUPD lends it (FO-5.4-d). */
export function lentBinding(candidate: AvailableAddress, now: number): StoredBinding {
  return {
    ipFlags: 0,
    ...candidate.stored,
    address: candidate.address,
    bindingStatus: 'BACKUP',
    startTimeOfState: now,
    pendingUpdate: true,
    updateSeq: (candidate.stored?.updateSeq ?? 0) + 1,
  };
}

/**
 * Returns the bindings the primary changes for its reservations, FREE and pending. A reserved
 * address gets R=1, and the update sender sends it as BACKUP with R=1 while it stays FREE here
 * (FO-5.13-a). An address no longer reserved gets R=0 and goes out as FREE (FO-5.13-c). An address
 * never stored counts as FREE (FO-5.16-c). `shared` maps each address shared on this connection
 * to its updateSeq then. A flagged address that `shared` lacks, or whose updateSeq has moved on
 * because a lease of it ended, is shared again.
 */
export function reservationChanges(
  store: LeaseStore,
  pools: readonly AddressRange[],
  reservations: readonly Reservation[],
  now: number,
  shared?: ReadonlyMap<string, number>,
): StoredBinding[] {
  const candidates = new Map<string, StoredBinding | undefined>(
    reservations.map((reservation) => [reservation.address, undefined]),
  );
  for (const binding of store.allBindings()) {
    if (candidates.has(binding.address) || (binding.ipFlags & IP_FLAG_RESERVED) !== 0) {
      candidates.set(binding.address, binding);
    }
  }

  const changes: StoredBinding[] = [];
  for (const [address, stored] of candidates) {
    const reserved = isReservedHere(reservations, address);
    if (inPools(pools, address) && needsReservationUpdate(address, stored, reserved, shared)) {
      changes.push(reservationBinding(address, stored, reserved, now));
    }
  }

  return changes;
}

function needsReservationUpdate(
  address: string,
  stored: StoredBinding | undefined,
  reserved: boolean,
  shared: ReadonlyMap<string, number> | undefined,
): boolean {
  const flagged = ((stored?.ipFlags ?? 0) & IP_FLAG_RESERVED) !== 0;
  // The secondary's reply to an UPDREQALL stores its BACKUP with R=1 here too, but the primary
  // keeps a reserved address FREE so that it can serve the client itself (T13, FO-5.13-a).
  if (stored?.bindingStatus === 'BACKUP') {
    return flagged;
  }

  if (stored !== undefined && stored.bindingStatus !== 'FREE') {
    return false;
  }

  if (reserved !== flagged) {
    return true;
  }

  // R survives a lease and its end, so a flagged FREE address may be FREE again on the secondary.
  return reserved && shared !== undefined && shared.get(address) !== stored?.updateSeq;
}

function reservationBinding(
  address: string,
  stored: StoredBinding | undefined,
  reserved: boolean,
  now: number,
): StoredBinding {
  const ipFlags = stored?.ipFlags ?? 0;
  return {
    ...stored,
    address,
    bindingStatus: 'FREE',
    ipFlags: reserved ? ipFlags | IP_FLAG_RESERVED : ipFlags & ~IP_FLAG_RESERVED,
    startTimeOfState: stored?.bindingStatus === 'FREE' ? (stored.startTimeOfState ?? now) : now,
    pendingUpdate: true,
    updateSeq: (stored?.updateSeq ?? 0) + 1,
  };
}

/** The primary's lending and the secondary's check of its share, over one lease store. */
export class PoolBalance {
  /** The updateSeq at which each reserved address was last shared on this connection. */
  private readonly shared = new Map<string, number>();

  constructor(private readonly options: PoolBalanceOptions) {}

  /**
   * Lends FREE addresses until both servers hold about half, stores them BACKUP and pending, and
   * returns how many it lent: the addresses-transferred of the POOLRESP (FO-7.6.2-a, FO-7.6.2-b).
   * The caller lets the BNDUPDs go. BACKUP addresses beyond the share are not reclaimed.
   */
  lend(now: number, reason: 'POOLREQ' | 'NORMAL'): number {
    const { free, backup } = this.count();
    const count = addressesToLend(free.length, backup);
    if (count === 0) {
      return 0;
    }

    const lent = chooseAddressesToLend(free, count, this.options.hashBucketAssignment);
    this.options.store.putBindings(lent.map((candidate) => lentBinding(candidate, now)));
    this.options.logger.info(
      {
        event: LogEvent.ADDRESSES_REBALANCED,
        count: lent.length,
        backup: backup + lent.length,
        free: free.length - lent.length,
        reason,
        rule: 'FO-7.6.2-a',
      },
      `lent ${lent.length} free addresses to the secondary as BACKUP`,
    );
    return lent.length;
  }

  /**
   * Stores the reservation changes of `reservationChanges` and returns how many there were; the
   * caller lets their BNDUPDs go.
   */
  shareReservations(now: number): number {
    const { store, pools, reservations, logger } = this.options;
    const changes = reservationChanges(store, pools, reservations ?? [], now, this.shared);
    if (changes.length === 0) {
      return 0;
    }

    store.putBindings(changes);
    const reserved = changes.filter((binding) => (binding.ipFlags & IP_FLAG_RESERVED) !== 0);
    for (const binding of reserved) {
      this.shared.set(binding.address, binding.updateSeq);
    }

    logger.info(
      {
        event: LogEvent.ADDRESSES_REBALANCED,
        reserved: reserved.map((binding) => binding.address),
        unreserved: changes.length - reserved.length,
        rule: 'FO-5.13-a',
      },
      `sending ${reserved.length} reserved addresses to the secondary as BACKUP with R=1 and ${changes.length - reserved.length} unreserved ones as FREE`,
    );
    return changes.length;
  }

  /**
   * Tells whether any binding change other than a reservation share waits for the partner's
   * BNDACK. A share the secondary rejects, because it lacks the reservation (FO-7.1.3-e), stays
   * pending for the whole connection, and would stop lending on the primary's own initiative.
   */
  hasPendingUpdates(): boolean {
    const { store } = this.options;
    let pendingShares = 0;
    for (const [address, updateSeq] of this.shared) {
      const binding = store.getBinding(address);
      if (binding?.pendingUpdate === true && binding.updateSeq === updateSeq) {
        pendingShares += 1;
      }
    }

    return store.countPending() > pendingShares;
  }

  /** Tells whether the secondary should send POOLREQ: its BACKUP share is low (FO-7.6-b). */
  needsAddresses(): boolean {
    const { free, backup } = this.count();
    return secondaryNeedsAddresses(free.length, backup);
  }

  private count(): PoolBalanceCounts {
    const { store, pools, reservations } = this.options;
    return countPoolAddresses(store, pools, reservations);
  }
}

/** Yields every address of the pools once, in pool order. */
function* poolAddresses(pools: readonly AddressRange[]): Generator<string> {
  const seen = new Set<number>();
  for (const pool of pools) {
    const start = parseIPv4(pool.start) ?? 0;
    const end = parseIPv4(pool.end) ?? -1;
    for (let value = start; value <= end; value++) {
      if (!seen.has(value)) {
        seen.add(value);
        yield formatIPv4(value);
      }
    }
  }
}

/** Time between the checks of the balance while in NORMAL (FO-5.4-c, FO-7.6-b). */
export const POOL_CHECK_INTERVAL_MS = 30_000;

export interface PoolMessagesOptions {
  role: 'primary' | 'secondary';
  /**
   * This server has a DHCP front end, so it balances on its own in NORMAL. Without one it only
   * replies to POOLREQ, because a secondary that allocates nothing needs no BACKUP addresses.
   */
  servesClients: boolean;
  balance: PoolBalance;
  clock: Clock;
  logger: Logger;
  /** Sends POOLREQ (secondary). */
  sendPOOLREQ(): void;
  /** Sends POOLRESP with addresses-transferred and the POOLREQ's xid (primary, FO-7.7-a). */
  sendPOOLRESP(xid: number, addressesTransferred: number): void;
  /** Sends the bindings stored as pending, the BNDUPDs of the lent addresses. */
  sendPending(): void;
}

/**
 * The POOLREQ and POOLRESP exchange of one connection. It learns this server's state from the
 * STATE messages the connection sends, because lending needs NORMAL (T3, FO-5.4-d).
 */
export class PoolMessages {
  private normal = false;
  /** A POOLREQ arrived before NORMAL; it is carried out on entering NORMAL (FO-7.6.2-c). */
  private deferred = false;
  private timer: TimerHandle | undefined;

  constructor(private readonly options: PoolMessagesOptions) {}

  /**
   * Follows this server's announced state. Entering NORMAL carries out a deferred POOLREQ
   * (FO-7.6.2-c), and with a DHCP front end the primary lends (FO-5.4-c) and the secondary asks
   * (FO-7.6-b), then both check again every interval.
   */
  followState(state: number): void {
    const entering = state === ServerState.NORMAL && !this.normal;
    this.normal = state === ServerState.NORMAL;
    if (!this.normal) {
      this.stopChecks();
      return;
    }

    if (!entering) {
      return;
    }

    if (this.options.role === 'primary') {
      this.shareReservations();
    }

    if (this.options.role === 'primary' && this.deferred) {
      this.deferred = false;
      this.lendAndSend('NORMAL');
    } else if (this.options.role === 'primary' && this.options.servesClients) {
      this.lendOnOwnInitiative();
    }

    if (this.options.role === 'secondary' && this.options.servesClients) {
      this.options.sendPOOLREQ();
    }

    if (this.options.servesClients) {
      this.scheduleCheck();
    }
  }

  /**
   * Primary: lends in NORMAL and replies with the count. Outside NORMAL it replies 0 and lends
   * once it enters NORMAL, without waiting for another POOLREQ (FO-7.6.2-c).
   */
  onPOOLREQ(xid: number): void {
    if (!this.normal) {
      this.deferred = true;
      this.options.sendPOOLRESP(xid, 0);
      return;
    }

    const transferred = this.options.balance.lend(this.now(), 'POOLREQ');
    this.options.sendPOOLRESP(xid, transferred);
    if (transferred > 0) {
      this.options.sendPending();
    }
  }

  /** Secondary: sends POOLREQ again after a POOLRESP that moved addresses (FO-7.7.2-a). */
  onPOOLRESP(addressesTransferred: number): void {
    this.options.logger.info(
      { event: LogEvent.ADDRESSES_REBALANCED, addressesTransferred, rule: 'FO-7.7.2-a' },
      `partner lent ${addressesTransferred} addresses in answer to POOLREQ`,
    );
    if (addressesTransferred > 0 && this.normal && this.options.servesClients) {
      this.options.sendPOOLREQ();
    }
  }

  /** Stops the periodic check, when the connection ends. */
  stopChecks(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  /**
   * Lends on the primary's own initiative, but only while no update waits for the partner: lent
   * addresses queued ahead of a client's BNDUPD would delay it (FO-7.1.1-m). The periodic check
   * tries again later.
   */
  private lendOnOwnInitiative(): void {
    if (this.options.balance.hasPendingUpdates()) {
      return;
    }

    this.lendAndSend('NORMAL');
  }

  /**
   * Runs before lending, so that a share still pending from the previous connection is replaced by
   * a share of this connection. `hasPendingUpdates` leaves those out, so lending does not wait.
   */
  private shareReservations(): void {
    if (this.options.balance.shareReservations(this.now()) > 0) {
      this.options.sendPending();
    }
  }

  private lendAndSend(reason: 'POOLREQ' | 'NORMAL'): void {
    if (this.options.balance.lend(this.now(), reason) > 0) {
      this.options.sendPending();
    }
  }

  private scheduleCheck(): void {
    this.stopChecks();
    this.timer = this.options.clock.setTimer(POOL_CHECK_INTERVAL_MS, () => {
      if (this.options.role === 'primary') {
        this.shareReservations();
        this.lendOnOwnInitiative();
      } else if (this.options.balance.needsAddresses()) {
        this.options.sendPOOLREQ();
      }
      this.scheduleCheck();
    });
  }

  private now(): number {
    return nowSeconds(this.options.clock);
  }
}
