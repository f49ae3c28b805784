// Points in a peer's log at which a fault run kills it: the child matches its own JSON log lines
// against a KillPoint and sends itself SIGKILL right after writing the matching line, so the kill
// lands exactly between that step and the next one.

/** A log line by its `event` field and, for message lines, its message `type`. */
export interface LogLineMatch {
  event: string;
  type?: string;
}

export interface KillPoint {
  /** Name of the point, for the figures and the replay command. */
  name: KillPointName;
  /** Lines that count only after this line appeared; counting starts at once when absent. */
  armedBy?: LogLineMatch;
  /** The line to kill after. */
  fireOn: LogLineMatch;
  /** Kill after the count-th matching line, from 1. */
  count: number;
}

export type KillPointName = 'bndupd-window' | 'commit-before-bndack' | 'updreqall';

/** Kill points by name; `count` is filled in by the fault script. */
export const KILL_POINTS: Record<KillPointName, Omit<KillPoint, 'count'>> = {
  // The sender dies with this BNDUPD (and maybe others of the window) unacknowledged.
  'bndupd-window': { name: 'bndupd-window', fireOn: { event: 'message.sent', type: 'BNDUPD' } },
  // The receiver dies after its commit and before the BNDACK goes out (FO-5.2.1-f).
  'commit-before-bndack': {
    name: 'commit-before-bndack',
    fireOn: { event: 'updates.committed' },
  },
  // The server answering an UPDREQALL dies in the middle of its BNDUPDs (FO-7.4.2-b).
  updreqall: {
    name: 'updreqall',
    armedBy: { event: 'message.received', type: 'UPDREQALL' },
    fireOn: { event: 'message.sent', type: 'BNDUPD' },
  },
};

/** Returns whether a parsed log line matches. */
export function matchesLine(line: Record<string, unknown>, match: LogLineMatch): boolean {
  return line['event'] === match.event && (match.type === undefined || line['type'] === match.type);
}

/** Counts matching lines and reports when the kill point is reached. */
export class KillPointTracker {
  private armed: boolean;
  private seen = 0;

  constructor(private readonly point: KillPoint) {
    this.armed = point.armedBy === undefined;
  }

  /** Feeds one parsed line; returns true when the process must die now. */
  observe(line: Record<string, unknown>): boolean {
    if (!this.armed) {
      this.armed = this.point.armedBy !== undefined && matchesLine(line, this.point.armedBy);
      return false;
    }

    if (!matchesLine(line, this.point.fireOn)) {
      return false;
    }

    this.seen++;
    return this.seen >= this.point.count;
  }
}
