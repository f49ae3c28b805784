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

export const systemClock: Clock = {
  nowMs: () => Date.now(),
  setTimer(delayMs, callback) {
    const timer = setTimeout(callback, Math.max(0, delayMs));
    return { cancel: () => clearTimeout(timer) };
  },
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
