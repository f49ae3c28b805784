// Shows the progress of long binding transfers in `dhcpf serve`: a progress bar on a terminal,
// otherwise a log line every few seconds while a transfer runs, so a log reader sees it move.

import type { SyncEvent } from '../endpoint/peer.js';
import { LogEvent, type Logger } from '../log.js';

/** Seconds between progress log lines when no terminal shows the bar. */
export const SYNC_LOG_INTERVAL_SECONDS = 10;

const BAR_WIDTH = 30;

export interface SyncDisplayOptions {
  logger: Logger;
  /** A terminal to draw the bar on (stderr); undefined logs periodic lines instead. */
  terminal?: { write(text: string): unknown };
  intervalSeconds?: number;
}

export class SyncDisplay {
  private readonly options: SyncDisplayOptions;
  private latest: SyncEvent | undefined;
  /** A progress event arrived since the last log line. */
  private moved = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(options: SyncDisplayOptions) {
    this.options = options;
  }

  /** Takes one progress event of the peer's `sync` stream. */
  update(event: SyncEvent): void {
    this.latest = event;
    this.moved = true;
    if (this.options.terminal !== undefined) {
      this.options.terminal.write(`\r${formatSyncBar(event)}${event.done ? '\n' : ''}`);
      return;
    }

    if (event.done) {
      this.stopTimer();
      return;
    }

    this.timer ??= setInterval(
      () => this.logProgress(),
      (this.options.intervalSeconds ?? SYNC_LOG_INTERVAL_SECONDS) * 1000,
    ).unref();
  }

  close(): void {
    this.stopTimer();
  }

  /** Logs the latest progress; a transfer that did not move in a whole interval stops the timer. */
  private logProgress(): void {
    const event = this.latest;
    if (event === undefined || !this.moved) {
      this.stopTimer();
      return;
    }

    this.moved = false;

    this.options.logger.info(
      {
        event: LogEvent.SYNC_PROGRESS,
        direction: event.direction,
        count: event.count,
        total: event.total,
      },
      formatSyncText(event),
    );
  }

  private stopTimer(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

/**
 * Returns "1200 of 5000 bindings sent (24%)", or "1200 bindings received" when the total is
 * unknown; ", done" follows once the transfer ended.
 */
export function formatSyncText(event: SyncEvent): string {
  const done = event.done ? ', done' : '';
  if (event.total === 0) {
    return `${event.count} bindings ${event.direction}${done}`;
  }

  const percent = Math.floor((100 * event.count) / event.total);
  return `${event.count} of ${event.total} bindings ${event.direction} (${percent}%)${done}`;
}

/** Returns a one-line bar such as "[#######.......] 1200 of 5000 bindings sent (24%)". */
export function formatSyncBar(event: SyncEvent): string {
  let fraction = event.done ? 1 : 0;
  if (event.total > 0) {
    fraction = event.count / event.total;
  }

  const filled = Math.min(BAR_WIDTH, Math.round(fraction * BAR_WIDTH));
  return `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${formatSyncText(event)}`;
}
