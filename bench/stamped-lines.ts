// Timestamps the lines of a child's output as they arrive, for programs such as dhcpd that log
// without times. Every line goes to a log file; the first arrival of each watched text is kept.

import { createWriteStream, type WriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

export class StampedLines {
  private readonly firstSeen = new Map<string, number>();
  private readonly output: WriteStream;

  /** `watched` are substrings whose first arrival time is recorded. */
  constructor(
    input: Readable,
    logPath: string,
    private readonly watched: readonly string[],
  ) {
    this.output = createWriteStream(logPath);
    createInterface({ input }).on('line', (line) => this.onLine(line));
  }

  /** Wall-clock milliseconds when a line containing `text` first arrived, or undefined. */
  timeOf(text: string): number | undefined {
    return this.firstSeen.get(text);
  }

  has(text: string): boolean {
    return this.firstSeen.has(text);
  }

  close(): void {
    this.output.end();
  }

  private onLine(line: string): void {
    const timeMs = Date.now();
    this.output.write(`${(timeMs / 1000).toFixed(3)} ${line}\n`);
    for (const text of this.watched) {
      if (!this.firstSeen.has(text) && line.includes(text)) {
        this.firstSeen.set(text, timeMs);
      }
    }
  }
}
