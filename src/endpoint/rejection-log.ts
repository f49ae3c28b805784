// Rate limit for update.rejected lines: a resync against a partner with conflicting data can
// reject every one of thousands of updates, so only the first few per connection go out at warn.

import { LogEvent, type Logger } from '../log.js';

/** Rejections per connection logged at warn level; later ones go to debug. */
const WARN_LIMIT = 10;

export class RejectionLog {
  /** Rejections since the last reset. */
  count = 0;

  constructor(private readonly logger: Logger) {}

  record(fields: Record<string, unknown>, message: string): void {
    this.count += 1;
    const entry = { event: LogEvent.UPDATE_REJECTED, ...fields, occurrence: this.count };
    if (this.count > WARN_LIMIT) {
      this.logger.debug(entry, message);
      return;
    }

    this.logger.warn(entry, message);
    if (this.count === WARN_LIMIT) {
      this.logger.warn(
        { event: LogEvent.UPDATE_REJECTED, occurrence: this.count },
        `${WARN_LIMIT} updates rejected on this connection, further rejections are logged at debug level`,
      );
    }
  }

  reset(): void {
    this.count = 0;
  }
}
