// Follows a dhcpf JSON-lines log file while the peer writes it, reading only the bytes added
// since the last poll.

import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';

export type LogLine = Record<string, unknown>;

export class JsonLogFollower {
  private offset = 0;
  private partial = '';

  constructor(private readonly path: string) {}

  /** Returns the complete lines written since the last call, parsed. */
  poll(): LogLine[] {
    if (!existsSync(this.path)) {
      return [];
    }

    const size = statSync(this.path).size;
    if (size <= this.offset) {
      return [];
    }

    const buffer = Buffer.alloc(size - this.offset);
    const descriptor = openSync(this.path, 'r');
    try {
      readSync(descriptor, buffer, 0, buffer.length, this.offset);
    } finally {
      closeSync(descriptor);
    }

    this.offset = size;
    const lines = (this.partial + buffer.toString('utf8')).split('\n');
    this.partial = lines.pop() ?? '';
    return lines.filter((line) => line.startsWith('{')).map(parseLine);
  }
}

function parseLine(line: string): LogLine {
  const value: unknown = JSON.parse(line);
  return typeof value === 'object' && value !== null ? { ...value } : {};
}

/** Milliseconds since 1970 of a pino line's ISO `time` field, or undefined. */
export function lineTime(line: LogLine): number | undefined {
  const time = line['time'];
  return typeof time === 'string' ? Date.parse(time) : undefined;
}
