// Processes the bench starts, inside a namespace or not. Each is signalled only by its own PID,
// and a cleanup step kills it if the bench ends while it still runs.

import { type ChildProcess, spawn, type StdioOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { registerCleanup } from './cleanup.js';
import { sleep } from './measure.js';

const STOP_GRACE_MS = 5_000;

export interface StartOptions {
  label: string;
  command: string;
  args: string[];
  /** Runs the command inside this namespace; `ip netns exec` execs it, so the PID is its own. */
  namespace?: string;
  cwd?: string;
  /** stdio of the child; stdout and stderr go to the bench's stderr unless set. */
  stdio?: StdioOptions;
}

export class StartedProcess {
  readonly label: string;
  readonly child: ChildProcess;
  /** Resolves with the exit code, or the name of the signal that ended the process. */
  readonly exited: Promise<number | string>;
  private readonly release: () => void;

  constructor(options: StartOptions) {
    this.label = options.label;
    const [command, args] =
      options.namespace === undefined
        ? [options.command, options.args]
        : ['ip', ['netns', 'exec', options.namespace, options.command, ...options.args]];
    this.child = spawn(command, args, {
      cwd: options.cwd,
      stdio: options.stdio ?? ['ignore', 'inherit', 'inherit'],
    });
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
      this.child.once('error', (error) => resolve(error.message));
    });
    this.release = registerCleanup(() => this.killNow());
    void this.exited.then(() => this.release());
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Peak resident set size in bytes (VmHWM), read while the process runs; undefined after. */
  peakRssBytes(): number | undefined {
    if (!this.running || this.pid === undefined) {
      return undefined;
    }

    try {
      const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
      const match = /^VmHWM:\s+(\d+) kB$/m.exec(status);
      return match?.[1] === undefined ? undefined : Number(match[1]) * 1024;
    } catch {
      return undefined;
    }
  }

  /** Sends `signal`, then SIGKILL when the process still runs after the grace period. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (!this.running) {
      return;
    }

    this.child.kill(signal);
    const graceOver = sleep(STOP_GRACE_MS).then(() => 'grace over');
    if ((await Promise.race([this.exited, graceOver])) === 'grace over') {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }

  private killNow(): void {
    if (this.running) {
      this.child.kill('SIGKILL');
    }
  }
}

/**
 * Polls `check` every `intervalMs` until it returns true. Raises when one of `watch` exits first
 * or after `timeoutMs`, naming what was awaited.
 */
export async function waitUntil(
  description: string,
  check: () => boolean,
  options: { timeoutMs: number; watch: readonly StartedProcess[]; intervalMs?: number },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    if (check()) {
      return;
    }

    const ended = options.watch.find((started) => !started.running);
    if (ended !== undefined) {
      const status = await ended.exited;
      throw new Error(`${ended.label} exited (${status}) while waiting for ${description}`);
    }

    if (Date.now() > deadline) {
      throw new Error(`timed out after ${options.timeoutMs / 1000} s waiting for ${description}`);
    }

    await sleep(options.intervalMs ?? 20);
  }
}
