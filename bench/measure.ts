// Timing and summary helpers shared by the sections of the bench.

/** Monotonic time in milliseconds, with sub-millisecond resolution. */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** Returns the median of the values; NaN for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) {
    return Number.NaN;
  }

  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

export interface RateSample {
  /** Operations completed in the sample. */
  operations: number;
  elapsedMs: number;
  /** CPU time of the process (user + system, every thread) during the sample. */
  cpuMs: number;
}

/**
 * Runs `pass` (one pass over the inputs, returning how many operations it did) repeatedly for at
 * least `minMs`, and returns the operations and the time taken. `warmupMs` of passes come first
 * and are not counted, so the JIT has compiled the path before it is timed.
 */
export function timeBox(pass: () => number, minMs: number, warmupMs = 0): RateSample {
  if (warmupMs > 0) {
    const warmupEnd = nowMs() + warmupMs;
    while (nowMs() < warmupEnd) {
      pass();
    }
  }

  const start = nowMs();
  const cpuStart = process.cpuUsage();
  let operations = 0;
  let elapsedMs = 0;
  while (elapsedMs < minMs) {
    operations += pass();
    elapsedMs = nowMs() - start;
  }

  const cpu = process.cpuUsage(cpuStart);
  return { operations, elapsedMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}

/** Operations per second of wall-clock time. */
export function rateOf(sample: RateSample): number {
  return sample.elapsedMs > 0 ? (sample.operations * 1000) / sample.elapsedMs : 0;
}

/**
 * Operations per second of CPU time. Other processes on a busy machine lower the wall-clock rate
 * but hardly this one; the GC's helper threads count too, so it errs low.
 */
export function cpuRateOf(sample: RateSample): number {
  return sample.cpuMs > 0 ? (sample.operations * 1000) / sample.cpuMs : 0;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Writes one progress line to stderr, so stdout keeps only the report. */
export function progress(text: string): void {
  process.stderr.write(`[bench] ${text}\n`);
}
