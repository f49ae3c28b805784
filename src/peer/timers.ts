// The clock and timer service every failover timer goes through (tSend, tReceive, STARTUP,
// RECOVER-WAIT, connect retry, CONNECT wait), so tests can move time by hand.

export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Wall-clock time, milliseconds since 1970. */
  nowMs(): number;
  /** Runs `callback` once after `delayMs`, unless cancelled first. */
  setTimer(delayMs: number, callback: () => void): TimerHandle;
}

/** Seconds since 1970 as the failover `time` field and every time-valued option carry them. */
export function nowSeconds(clock: Clock): number {
  return Math.floor(clock.nowMs() / 1000);
}

/**
 * The maximum delay setTimeout honours, 2^31 - 1 ms (about 24.8 days). Node runs a longer delay
 * after 1 ms instead, so longer timers (an MCLT of 25+ days, a third of receive-timer 0xffffffff)
 * are chained in steps of at most this length.
 */
export const MAX_TIMEOUT_STEP_MS = 2 ** 31 - 1;

/**
 * Runs `callback` once `delayMs` has passed on the system clock, chaining setTimeout steps of at
 * most MAX_TIMEOUT_STEP_MS. Each step measures what remains against Date.now(), so a step that
 * fires early or late does not move the due time.
 */
function setChainedTimeout(delayMs: number, callback: () => void): TimerHandle {
  const dueMs = Date.now() + Math.max(0, delayMs);
  let timer: ReturnType<typeof setTimeout>;
  const schedule = (): void => {
    const remainingMs = Math.max(0, dueMs - Date.now());
    if (remainingMs > MAX_TIMEOUT_STEP_MS) {
      timer = setTimeout(schedule, MAX_TIMEOUT_STEP_MS);
      return;
    }

    timer = setTimeout(callback, remainingMs);
  };
  schedule();
  return { cancel: () => clearTimeout(timer) };
}

export const systemClock: Clock = {
  nowMs: () => Date.now(),
  setTimer: setChainedTimeout,
};

interface ManualTimer {
  dueMs: number;
  order: number;
  callback: () => void;
  cancelled: boolean;
}

/**
 * A clock that moves only when `advance` is called. Timers that fall due run in due order, each
 * seeing `nowMs()` equal to its due time.
 */
export class ManualClock implements Clock {
  private currentMs: number;
  private timers: ManualTimer[] = [];
  private created = 0;

  constructor(startMs: number = Date.UTC(2026, 0, 1)) {
    this.currentMs = startMs;
  }

  nowMs(): number {
    return this.currentMs;
  }

  setTimer(delayMs: number, callback: () => void): TimerHandle {
    const timer: ManualTimer = {
      dueMs: this.currentMs + Math.max(0, delayMs),
      order: this.created++,
      callback,
      cancelled: false,
    };
    this.timers.push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
      },
    };
  }

  /** Moves time forward by `ms`, running every timer that falls due on the way. */
  advance(ms: number): void {
    const targetMs = this.currentMs + ms;
    for (;;) {
      const next = this.nextDue(targetMs);
      if (next === undefined) {
        break;
      }

      this.currentMs = next.dueMs;
      next.cancelled = true;
      next.callback();
    }

    this.currentMs = targetMs;
    this.timers = this.timers.filter((timer) => !timer.cancelled);
  }

  /** Number of timers still waiting. */
  pendingTimers(): number {
    return this.timers.filter((timer) => !timer.cancelled).length;
  }

  private nextDue(limitMs: number): ManualTimer | undefined {
    let next: ManualTimer | undefined;
    for (const timer of this.timers) {
      if (timer.cancelled || timer.dueMs > limitMs) {
        continue;
      }

      if (
        next === undefined ||
        timer.dueMs < next.dueMs ||
        (timer.dueMs === next.dueMs && timer.order < next.order)
      ) {
        next = timer;
      }
    }

    return next;
  }
}
