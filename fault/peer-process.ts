// The parent's handle on one peer child: starts it, reads its JSON log lines, keeps what the
// checks need (state, ports, committed updates) and signals it only by its own PID.

import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { repositoryRoot } from '../bench/shared-dir.js';
import type { KillPoint } from './kill-point.js';

/** The built child entry; tests that import this file from TypeScript also run the built child. */
export const CHILD_ENTRY = join(repositoryRoot, 'dist', 'fault', 'peer-child.js');

/** An update the peer logged as committed before its BNDACK. */
export interface CommittedUpdate {
  address: string;
  bindingStatus: string;
  clientLastTransactionTime: number;
}

export interface PeerProcessOptions {
  label: string;
  configPath: string;
  skewSeconds: number;
  /** Every stdout and stderr line is appended here, for a failed run's report. */
  logPath: string;
  /** "debug" (one line per message, needed by kill points and commit checks) unless set. */
  logLevel?: 'debug' | 'info';
}

/** The end of a process: its exit code or the name of the signal that ended it. */
export type ExitStatus = number | NodeJS.Signals;

export class PeerProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<ExitStatus>;
  state: string | undefined;
  failoverPort: number | undefined;
  dhcpPort: number | undefined;
  /** The last committed update of each address, in this process's lifetime. */
  readonly committed = new Map<string, CommittedUpdate>();
  committedCount = 0;
  /**
   * Partner updates this peer rejected because their client-last-transaction-time equals the
   * stored one of a change made here (FO-7.1.3-d): second-granular times cannot order them.
   */
  clttTies = 0;
  /** Codes of the typed errors the peer logged with `message.rejected`, counted. */
  readonly rejectedCodes: Record<string, number> = {};
  private readonly waiters = new Set<() => void>();

  constructor(private readonly options: PeerProcessOptions) {
    this.child = spawn(
      process.execPath,
      [CHILD_ENTRY, options.configPath, String(options.skewSeconds), options.logLevel ?? 'debug'],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        resolve(signal ?? code ?? 1);
        this.wake();
      });
    });
    this.child.stdin?.on('error', () => undefined);
    createInterface({ input: this.child.stdout! }).on('line', (line) => this.onLine(line));
    createInterface({ input: this.child.stderr! }).on('line', (line) =>
      this.appendLog(`stderr: ${line}`),
    );
  }

  get label(): string {
    return this.options.label;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The kill point armed last, or undefined. */
  armedPoint: KillPoint | undefined;

  /** Arms a kill point in the child, or disarms it with null. */
  arm(point: KillPoint | null): void {
    this.armedPoint = point ?? undefined;
    if (this.running) {
      this.child.stdin?.write(`${JSON.stringify({ kill: point })}\n`);
    }
  }

  /** Resolves once `check` holds; raises when the process exits first or after `timeoutMs`. */
  async waitFor(description: string, check: () => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (!this.running) {
        throw new Error(
          `${this.label} exited (${String(await this.exited)}) before ${description}`,
        );
      }

      const remainingMs = deadline - Date.now();
      if (remainingMs <= 0) {
        throw new Error(
          `${this.label}: timed out after ${timeoutMs} ms waiting for ${description}`,
        );
      }

      await this.nextChange(Math.min(remainingMs, 100));
    }
  }

  /** Peak resident set size (VmHWM) in bytes while the child runs; 0 once it has exited. */
  peakRss(): number {
    try {
      const status = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
      const match = /^VmHWM:\s+(\d+) kB$/m.exec(status);
      return match?.[1] === undefined ? 0 : Number(match[1]) * 1024;
    } catch {
      return 0;
    }
  }

  /** Sends SIGKILL to this child only. */
  kill(): Promise<ExitStatus> {
    if (this.running) {
      this.child.kill('SIGKILL');
    }

    return this.exited;
  }

  /** Sends SIGTERM, then SIGKILL when the child has not stopped after `graceMs`. */
  async stop(graceMs = 5000): Promise<ExitStatus> {
    if (!this.running) {
      return this.exited;
    }

    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    const status = await this.exited;
    clearTimeout(timer);
    return status;
  }

  /**
   * Appends a line to the run's log file. A child's last lines can arrive after a passed run
   * removed its directory; they are dropped, since nothing reads that log any more.
   */
  private appendLog(text: string): void {
    try {
      appendFileSync(this.options.logPath, `${text}\n`);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw error;
      }
    }
  }

  private onLine(text: string): void {
    this.appendLog(text);
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return;
    }

    this.follow(line);
    this.wake();
  }

  private follow(line: Record<string, unknown>): void {
    switch (line['event']) {
      case 'state.change':
        this.state = String(line['to']);
        return;
      case 'peer.started':
        this.failoverPort = Number(line['listeningPort'] ?? 0) || undefined;
        return;
      case 'dhcp.started':
        this.dhcpPort = Number(line['port']);
        return;
      case 'updates.committed':
        this.recordCommitted(line['bindings']);
        return;
      case 'update.rejected':
        if (isClttTie(line)) {
          this.clttTies++;
        }
        return;
      case 'message.rejected':
        if (typeof line['code'] === 'string') {
          this.rejectedCodes[line['code']] = (this.rejectedCodes[line['code']] ?? 0) + 1;
        }
        return;
    }
  }

  private recordCommitted(bindings: unknown): void {
    if (!Array.isArray(bindings)) {
      return;
    }

    for (const entry of bindings) {
      const [address, bindingStatus, cltt] = String(entry).split(' ');
      if (address !== undefined && bindingStatus !== undefined) {
        this.committed.set(address, {
          address,
          bindingStatus,
          clientLastTransactionTime: Number(cltt ?? 0),
        });
        this.committedCount++;
      }
    }
  }

  private nextChange(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      const waiters = this.waiters;
      function done(): void {
        clearTimeout(timer);
        waiters.delete(done);
        resolve();
      }
      waiters.add(done);
    });
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) {
      waiter();
    }
  }
}

/** Starts a peer child. */
export function startPeerProcess(options: PeerProcessOptions): PeerProcess {
  return new PeerProcess(options);
}

/** Matches our rejection of an update whose CLTT equals the stored one (FO-7.1.3-d). */
function isClttTie(line: Record<string, unknown>): boolean {
  const match = /client-last-transaction-time (\d+), expected later than the stored (\d+)/.exec(
    String(line['msg']),
  );
  return line['by'] === 'us' && match !== null && match[1] === match[2];
}
