// Lease expiry and the end of the transient binding-statuses, run on the peer's clock when due.
// T6 and T8 are rows of the binding-status transition table of draft-12 section 5.11. An ACTIVE
// binding whose lease has run out becomes EXPIRED and goes to the partner as a BNDUPD (T6). An
// EXPIRED, RELEASED or RESET binding becomes FREE once the partner has accepted the BNDUPD that
// reported it (T8, FO-5.11-e), or in PARTNER-DOWN once MCLT has passed (FO-5.11-f).

import { StoreError } from '../errors.js';
import { createSilentLogger, type Logger } from '../log.js';
import { nowSeconds, type Clock, type TimerHandle } from '../peer/timers.js';
import type { LeaseStore, StoreChange, StoredBinding } from '../store/types.js';
import { INFINITE_TIME, type BindingStatusName, type FailoverStateName } from '../wire/codes.js';

/** Stable log event names of the lease expiry sweep. */
export const LeaseExpiryLogEvent = {
  /** An ACTIVE binding whose lease ran out became EXPIRED; fields address, expiredAt, rule. */
  EXPIRED: 'lease.expired',
  /** A transient binding became FREE; fields address, reason, rule. */
  FREED: 'lease.freed',
  /** One sweep changed bindings; fields expired, freed. */
  SWEPT: 'lease.swept',
} as const;

/** The parts of the failover peer the sweep reads; `Peer` implements it. */
export interface LeaseExpiryView {
  readonly state: FailoverStateName;
  readonly mclt: number;
  readonly store: LeaseStore;
  readonly config: { readonly name: string };
  /** Sends the bindings stored as pending to the partner, when connected. */
  sendPendingUpdates(): void;
  /** Adds a listener for failover state changes, which move the due time of pending bindings. */
  on?(event: 'state', listener: () => void): unknown;
  off?(event: 'state', listener: () => void): unknown;
}

export interface LeaseExpiryOptions {
  failover: LeaseExpiryView;
  clock: Clock;
  logger?: Logger;
  /**
   * Longest wait between two checks, so that a change the store did not report (a write by
   * another process) is still seen; 60 000 ms by default.
   */
  intervalMs?: number;
}

/** The failover endpoint's time, state and MCLT as one sweep reads them. */
export interface ExpiryContext {
  now: number;
  state: FailoverStateName;
  mclt: number;
  /** When PARTNER-DOWN was entered, while in it. */
  partnerDownSince?: number | undefined;
}

/** The changes one sweep committed, by address. */
export interface ExpirySweep {
  expired: string[];
  freed: string[];
}

const DEFAULT_INTERVAL_MS = 60_000;

const TRANSIENT: ReadonlySet<BindingStatusName> = new Set(['EXPIRED', 'RELEASED', 'RESET']);

/**
 * Returns whether an ACTIVE lease has run out. The partner accepts EXPIRED over its ACTIVE copy
 * only when its time is later than the stored lease-expiration-time (time(2) of Figure 7.1.3-1),
 * so the sweep waits until the expiry second has passed. An infinite lease never runs out
 * (FO-5.14-a).
 */
export function leaseHasExpired(binding: StoredBinding, now: number): boolean {
  const expiry = binding.leaseExpirationTime;
  return (
    binding.bindingStatus === 'ACTIVE' &&
    expiry !== undefined &&
    expiry !== INFINITE_TIME &&
    now > expiry
  );
}

/**
 * Returns the earliest time a transient binding may become FREE in PARTNER-DOWN: MCLT after the
 * latest of its start-time-of-state, lease expiry and every PET, and not before PARTNER-DOWN entry
 * plus MCLT (FO-5.11-f, FO-9.4.2-d, E-15). The address is FREE from then on, so the allocator may
 * give it to another client at once.
 */
export function partnerDownFreeTime(binding: StoredBinding, context: ExpiryContext): number {
  const latest = Math.max(
    binding.startTimeOfState ?? 0,
    binding.leaseExpirationTime ?? 0,
    binding.sentPet ?? 0,
    binding.ackedPet ?? 0,
    binding.receivedPet ?? 0,
    context.partnerDownSince ?? context.now,
  );
  return latest + context.mclt;
}

/**
 * Returns the binding after T6: EXPIRED from now, pending for the partner (FO-9.8.3-c). The
 * client-last-transaction-time stays, because no client took part (FO-7.1.3-c).
 */
export function expiredBinding(binding: StoredBinding, now: number): StoredBinding {
  return {
    ...binding,
    bindingStatus: 'EXPIRED',
    startTimeOfState: now,
    pendingUpdate: true,
    updateSeq: binding.updateSeq + 1,
  };
}

/**
 * Returns the binding after T8: FREE from now, without lease times or PETs, so the next client
 * gets at most MCLT. The client identity stays, so that client may get the address back. It is
 * pending only when the partner has not heard of the transient binding-status yet.
 */
export function freedBinding(binding: StoredBinding, now: number, pending: boolean): StoredBinding {
  const freed: StoredBinding = {
    ...binding,
    bindingStatus: 'FREE',
    startTimeOfState: now,
    pendingUpdate: pending,
    updateSeq: binding.updateSeq + 1,
  };
  delete freed.leaseExpirationTime;
  delete freed.sentPet;
  delete freed.ackedPet;
  delete freed.receivedPet;
  return freed;
}

/** Returns the binding a sweep writes for `binding`, or undefined when it stays as it is. */
export function nextBindingOf(
  binding: StoredBinding,
  context: ExpiryContext,
): StoredBinding | undefined {
  if (leaseHasExpired(binding, context.now)) {
    return expiredBinding(binding, context.now);
  }

  if (!TRANSIENT.has(binding.bindingStatus)) {
    return undefined;
  }

  // A local change stays pending until a BNDACK accepts it, so a transient binding that is not
  // pending was accepted by the partner, which already stores FREE (T8, FO-5.11-e, FO-5.2.2-b).
  if (!binding.pendingUpdate) {
    return freedBinding(binding, context.now, false);
  }

  // T8 note 1: in PARTNER-DOWN the partner cannot answer, so MCLT takes the place of its BNDACK.
  // The partner learns of the FREE address when it returns. COMMUNICATIONS-INTERRUPTED waits.
  if (context.state === 'PARTNER-DOWN' && context.now >= partnerDownFreeTime(binding, context)) {
    return freedBinding(binding, context.now, true);
  }

  return undefined;
}

/**
 * Runs T6 and T8 when they fall due: a timer waits for the earliest lease expiry or freeing, and
 * the store's change notices and the endpoint's state changes move it earlier. `cancel` stops it,
 * so a `Peer` can hold it with its timers.
 */
export class LeaseExpiry implements TimerHandle {
  private readonly options: LeaseExpiryOptions;
  private readonly logger: Logger;
  private timer: TimerHandle | undefined;
  /** When the timer fires, milliseconds since 1970; Infinity while none is set. */
  private timerDueMs = Number.POSITIVE_INFINITY;
  private readonly unsubscribe: (() => void)[] = [];
  private cancelled = false;

  constructor(options: LeaseExpiryOptions) {
    this.options = options;
    this.logger = (options.logger ?? createSilentLogger()).child({ component: 'expiry' });
  }

  /** Follows the store and the endpoint state, and sets the timer for the first change due. */
  start(): void {
    const failover = this.options.failover;
    this.unsubscribe.push(failover.store.onChange((change) => this.onStoreChange(change)));
    if (failover.on !== undefined && failover.off !== undefined) {
      const onState = (): void => this.reschedule();
      failover.on('state', onState);
      this.unsubscribe.push(() => failover.off?.('state', onState));
    }

    this.reschedule();
  }

  cancel(): void {
    this.cancelled = true;
    this.timer?.cancel();
    for (const remove of this.unsubscribe.splice(0)) {
      remove();
    }
  }

  /** Commits every change due now in one store transaction, then lets pending BNDUPDs go. */
  sweep(): ExpirySweep {
    const failover = this.options.failover;
    const context = this.contextNow();
    const changed: StoredBinding[] = [];
    for (const binding of dueCandidates(failover.store, context)) {
      const next = nextBindingOf(binding, context);
      if (next !== undefined) {
        changed.push(next);
      }
    }

    const result: ExpirySweep = { expired: [], freed: [] };
    if (changed.length === 0) {
      return result;
    }

    failover.store.putBindings(changed);
    for (const binding of changed) {
      this.record(binding, result);
    }
    this.logger.info(
      {
        event: LeaseExpiryLogEvent.SWEPT,
        expired: result.expired.length,
        freed: result.freed.length,
      },
      `expired ${result.expired.length} and freed ${result.freed.length} bindings`,
    );
    if (changed.some((binding) => binding.pendingUpdate)) {
      failover.sendPendingUpdates();
    }

    return result;
  }

  /** Returns when the next change falls due, seconds since 1970, or undefined when none will. */
  nextDueTime(): number | undefined {
    return nextDueTimeOf(this.options.failover.store, this.contextNow());
  }

  private contextNow(): ExpiryContext {
    const failover = this.options.failover;
    const state = failover.state;
    const partnerDownSince =
      state === 'PARTNER-DOWN'
        ? failover.store.readEndpoint(failover.config.name)?.startTimeOfState
        : undefined;
    return { now: nowSeconds(this.options.clock), state, mclt: failover.mclt, partnerDownSince };
  }

  /**
   * Moves the timer earlier when a committed change falls due before it: a new lease expiry, or a
   * transient binding the partner acknowledged (T8). Changes that only delay are left to the next
   * timer, which computes the due time again.
   */
  private onStoreChange(change: StoreChange): void {
    if (this.cancelled) {
      return;
    }

    const nowMs = this.options.clock.nowMs();
    let dueMs = Number.POSITIVE_INFINITY;
    if (change.kind === 'bindings') {
      for (const binding of change.bindings) {
        dueMs = Math.min(dueMs, this.dueMsOf(binding, nowMs));
      }
    } else if (change.kind === 'acknowledgements') {
      if (this.options.failover.store.hasTransientBindings(false)) {
        dueMs = nowMs;
      }
    }

    if (dueMs < this.timerDueMs) {
      this.setTimer(dueMs);
    }
  }

  /**
   * Returns when a binding just written falls due, in milliseconds: the second after its lease
   * expiry when ACTIVE, now when transient and acknowledged, and partnerDownFreeTime when transient
   * and pending in PARTNER-DOWN. Infinity when it does not fall due.
   */
  private dueMsOf(binding: StoredBinding, nowMs: number): number {
    const expiry = binding.leaseExpirationTime;
    if (binding.bindingStatus === 'ACTIVE') {
      return expiry === undefined || expiry === INFINITE_TIME
        ? Number.POSITIVE_INFINITY
        : (expiry + 1) * 1000;
    }

    if (!TRANSIENT.has(binding.bindingStatus)) {
      return Number.POSITIVE_INFINITY;
    }

    if (!binding.pendingUpdate) {
      return nowMs;
    }

    return this.options.failover.state === 'PARTNER-DOWN'
      ? partnerDownFreeTime(binding, this.contextNow()) * 1000
      : Number.POSITIVE_INFINITY;
  }

  /** Sets the timer for the next due time, at most one interval away. */
  private reschedule(): void {
    if (this.cancelled) {
      return;
    }

    const due = this.nextDueTime();
    this.setTimer(due === undefined ? Number.POSITIVE_INFINITY : due * 1000);
  }

  private setTimer(dueMs: number): void {
    const nowMs = this.options.clock.nowMs();
    const intervalMs = this.options.intervalMs ?? DEFAULT_INTERVAL_MS;
    const delayMs = Math.min(Math.max(0, dueMs - nowMs), intervalMs);
    this.timer?.cancel();
    this.timerDueMs = nowMs + delayMs;
    this.timer = this.options.clock.setTimer(delayMs, () => {
      this.timerDueMs = Number.POSITIVE_INFINITY;
      this.runSweep();
      this.reschedule();
    });
  }

  private record(binding: StoredBinding, result: ExpirySweep): void {
    if (binding.bindingStatus === 'EXPIRED') {
      result.expired.push(binding.address);
      this.logger.debug(
        {
          event: LeaseExpiryLogEvent.EXPIRED,
          address: binding.address,
          expiredAt: binding.leaseExpirationTime,
          rule: 'FO-9.8.3-c',
        },
        `lease of ${binding.address} expired`,
      );
      return;
    }

    result.freed.push(binding.address);
    this.logger.debug(
      {
        event: LeaseExpiryLogEvent.FREED,
        address: binding.address,
        reason: binding.pendingUpdate ? 'partner-down-mclt' : 'partner-acknowledged',
        rule: binding.pendingUpdate ? 'FO-5.11-f' : 'FO-5.11-e',
      },
      `${binding.address} is FREE again`,
    );
  }

  /** Runs one sweep and logs a failed store write, which changed nothing; the next one retries. */
  private runSweep(): void {
    try {
      this.sweep();
    } catch (error) {
      if (!(error instanceof StoreError)) {
        throw error;
      }

      this.logger.error(
        { event: LeaseExpiryLogEvent.SWEPT, code: error.code, error: error.message },
        `lease expiry sweep failed: ${error.message}`,
      );
    }
  }
}

/** Leases expired by at most this many per sweep; the timer runs again at once for the rest. */
const EXPIRED_PER_SWEEP = 4096;

/**
 * Returns the bindings that may change now, read through the store's indexes: ACTIVE leases past
 * their expiry, transient bindings the partner acknowledged, and in PARTNER-DOWN the transient
 * bindings still pending.
 */
function dueCandidates(store: LeaseStore, context: ExpiryContext): StoredBinding[] {
  const candidates = store.leasesExpiringBefore(context.now, EXPIRED_PER_SWEEP);
  candidates.push(...store.transientBindings(false));
  if (context.state === 'PARTNER-DOWN') {
    candidates.push(...store.transientBindings(true));
  }

  return candidates;
}

/**
 * Returns when the next T6 or T8 falls due, seconds since 1970: the second after the earliest
 * lease expiry, now for an acknowledged transient binding, and in PARTNER-DOWN the earliest
 * partnerDownFreeTime of a pending one.
 */
export function nextDueTimeOf(store: LeaseStore, context: ExpiryContext): number | undefined {
  const due: number[] = [];
  const earliestExpiry = store.earliestLeaseExpiration();
  if (earliestExpiry !== undefined) {
    due.push(earliestExpiry + 1);
  }

  if (store.hasTransientBindings(false)) {
    due.push(context.now);
  }

  if (context.state === 'PARTNER-DOWN') {
    for (const binding of store.transientBindings(true)) {
      due.push(partnerDownFreeTime(binding, context));
    }
  }

  return due.length === 0 ? undefined : Math.min(...due);
}

/** Starts lease expiry on `options.failover`'s store; returns the handle to cancel. */
export function startLeaseExpiry(options: LeaseExpiryOptions): LeaseExpiry {
  const expiry = new LeaseExpiry(options);
  expiry.start();
  return expiry;
}
