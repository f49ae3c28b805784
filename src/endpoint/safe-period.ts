// The optional safe-period timer of COMMUNICATIONS-INTERRUPTED (draft-12 section 10): when it
// runs out, the endpoint moves to PARTNER-DOWN on its own. It is off unless configured.

import { LogEvent, type Logger } from '../log.js';
import { nowSeconds, type Clock, type TimerHandle } from '../peer/timers.js';

export interface SafePeriodOptions {
  /** Length of the safe period, seconds; undefined turns the timer off (FO-10-a). */
  seconds: number | undefined;
  clock: Clock;
  logger: Logger;
  /** Called once when the safe period runs out. */
  expire(): void;
}

export class SafePeriodTimer {
  private readonly options: SafePeriodOptions;
  private handle: TimerHandle | undefined;

  constructor(options: SafePeriodOptions) {
    this.options = options;
  }

  /**
   * Starts the timer on entry to COMMUNICATIONS-INTERRUPTED when a safe period is configured
   * (FO-9.9.1-a). Every entry starts a full period again, as Windows re-arms it (MSF-3.1.2.1-a).
   */
  start(): void {
    this.cancel();
    const { seconds, clock, logger } = this.options;
    if (seconds === undefined) {
      return;
    }

    const expiresAt = nowSeconds(clock) + seconds;
    logger.info(
      { event: LogEvent.TIMER_STARTED, timer: 'safe period', expiresAt, rule: 'FO-9.9.1-a' },
      `safe period ends at ${new Date(expiresAt * 1000).toISOString()}, then PARTNER-DOWN`,
    );
    this.handle = clock.setTimer(seconds * 1000, () => {
      this.handle = undefined;
      this.options.expire();
    });
  }

  /** Stops the timer: the endpoint left COMMUNICATIONS-INTERRUPTED, or the peer stops. */
  cancel(): void {
    this.handle?.cancel();
    this.handle = undefined;
  }
}
