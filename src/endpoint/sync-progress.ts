// When a bulk binding transfer reports progress: about ten lines per transfer, never one per
// binding, so a resync of 10,000 leases does not flood the log.

/** Fewest bindings between two progress lines. */
const MIN_REPORT_STEP = 100;

export class SyncProgress {
  readonly total: number;
  private readonly step: number;
  private nextReport: number;

  /** `total` is the expected count, or 0 when it is unknown (bindings received). */
  constructor(total: number) {
    this.total = total;
    this.step = Math.max(MIN_REPORT_STEP, Math.ceil(total / 10));
    this.nextReport = this.step;
  }

  /** Returns true once each time `count` passes the next reporting step. */
  shouldReport(count: number): boolean {
    if (count < this.nextReport) {
      return false;
    }

    while (this.nextReport <= count) {
      this.nextReport += this.step;
    }

    return true;
  }
}
