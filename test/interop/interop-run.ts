// One interop run: its own network namespaces (PREFIX-a and PREFIX-b joined by a bridge in
// PREFIX-c, no link to the host), a temporary directory
// for configurations, lease files and logs, and the processes it started. `close` stops exactly
// those processes by PID and deletes exactly those namespaces, also when the test failed.

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { sharedPath } from '../helpers/shared-dir.js';

/** eth0 addresses of the two server namespaces (10.77.0.0/16). */
export const NAMESPACE_A_ADDRESS = '10.77.0.1';
export const NAMESPACE_B_ADDRESS = '10.77.0.2';

const POLL_INTERVAL_MS = 100;
const STOP_GRACE_MS = 5_000;
const LOG_TAIL_LINES = 25;

export interface StartedProcess {
  label: string;
  child: ChildProcess;
  /** File that receives the process's stdout and stderr. */
  outputPath: string;
  /**
   * Resolves with the exit code, or with the signal name when a signal ended the process, once
   * its output is in the file.
   */
  exited: Promise<number | string>;
  running(): boolean;
}

export interface StartOptions {
  label: string;
  namespace: string;
  command: string;
  args: string[];
}

export class InteropRun {
  readonly prefix: string;
  readonly directory: string;
  /** Namespace with eth0 = 10.77.0.1/16. */
  readonly namespaceA: string;
  /** Namespace with eth0 = 10.77.0.2/16. */
  readonly namespaceB: string;
  private readonly processes: StartedProcess[] = [];
  private readonly logPaths: string[] = [];
  private readonly onExit = (): void => this.forceCleanup();
  private closed = false;

  constructor(label: string) {
    // The namespace script accepts [A-Za-z0-9_]+; pid and random bytes keep parallel runs apart.
    this.prefix = `dfi${process.pid}_${randomBytes(3).toString('hex')}`;
    this.namespaceA = `${this.prefix}-a`;
    this.namespaceB = `${this.prefix}-b`;
    this.directory = mkdtempSync(join(tmpdir(), `dhcpf-interop-${label}-`));
    process.once('exit', this.onExit);
    try {
      execFileSync('bash', [sharedPath('interop', 'ns.sh'), 'up', this.prefix], { stdio: 'pipe' });
    } catch (error) {
      this.deleteNamespaces();
      process.removeListener('exit', this.onExit);
      throw error;
    }
  }

  path(name: string): string {
    return join(this.directory, name);
  }

  /** Names a file whose tail `close` prints when the test failed. */
  addLog(path: string): void {
    this.logPaths.push(path);
  }

  /**
   * Starts `command` inside `namespace`; `ip netns exec` execs it, so the PID is the command's.
   * Each line of its stdout and stderr goes to `LABEL.out` behind a Unix time in milliseconds,
   * because dhcpd's own log lines carry no time.
   */
  start(options: StartOptions): StartedProcess {
    const outputPath = this.path(`${options.label}.out`);
    const child = spawn(
      'ip',
      ['netns', 'exec', options.namespace, options.command, ...options.args],
      { cwd: this.directory, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const output = createWriteStream(outputPath, { flags: 'a' });
    const streams = [child.stdout, child.stderr].map((stream) => {
      const lines = createInterface({ input: stream, crlfDelay: Infinity });
      lines.on('line', (line) => output.write(`${(Date.now() / 1000).toFixed(3)} ${line}\n`));
      return once(lines, 'close');
    });
    let startFailed = false;
    const exited = new Promise<number | string>((resolve) => {
      child.once('error', (error) => {
        startFailed = true;
        resolve(error.message);
      });
      child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
    });
    const outputWritten = Promise.all(streams).then(
      () => new Promise((resolve) => output.end(resolve)),
    );
    const started: StartedProcess = {
      label: options.label,
      child,
      outputPath,
      exited: exited.then(async (status) => {
        if (!startFailed) await outputWritten;

        return status;
      }),
      running: () => !startFailed && child.exitCode === null && child.signalCode === null,
    };
    this.processes.push(started);
    this.addLog(outputPath);
    return started;
  }

  /** Sends `signal`, then SIGKILL if the process is still running after the grace period. */
  async stop(started: StartedProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (!started.running()) return;

    started.child.kill(signal);
    const graceOver = sleep(STOP_GRACE_MS).then(() => 'grace over');
    if ((await Promise.race([started.exited, graceOver])) === 'grace over') {
      started.child.kill('SIGKILL');
      await started.exited;
    }
  }

  /** Runs a short command inside a namespace and returns its stdout. */
  execInNamespace(namespace: string, command: string, args: string[]): string {
    return execFileSync('ip', ['netns', 'exec', namespace, command, ...args], { encoding: 'utf8' });
  }

  /** Tells whether a TCP socket listens on `port` inside `namespace`. */
  isListening(namespace: string, port: number): boolean {
    return this.execInNamespace(namespace, 'ss', ['-Hltn', `sport = :${port}`]).trim() !== '';
  }

  /**
   * Polls `check` until it returns true. Fails when a watched process exits first or after
   * `timeoutMs`; the message names what was awaited.
   */
  async waitUntil(
    description: string,
    check: () => boolean,
    options: { timeoutMs: number; watch: StartedProcess[] },
  ): Promise<void> {
    const deadline = Date.now() + options.timeoutMs;
    while (!this.closed) {
      if (check()) return;

      const ended = options.watch.find((started) => !started.running());
      if (ended !== undefined) {
        const status = ended.child.exitCode ?? ended.child.signalCode;
        throw new Error(`${ended.label} exited (${status}) while waiting for ${description}`);
      }
      if (Date.now() > deadline) {
        throw new Error(`timed out after ${options.timeoutMs / 1000} s waiting for ${description}`);
      }
      await sleep(POLL_INTERVAL_MS);
    }
    throw new Error(`run closed while waiting for ${description}`);
  }

  /** Stops every process, deletes the namespaces, and reports the logs of a failed test. */
  async close(failed: boolean): Promise<void> {
    this.closed = true;
    await Promise.all(this.processes.map((started) => this.stop(started)));
    this.deleteNamespaces();
    process.removeListener('exit', this.onExit);
    if (failed) {
      console.error(this.describeLogs());
      return;
    }
    rmSync(this.directory, { recursive: true, force: true });
  }

  /** Returns the log directory and the tail of each log, for a failed test. */
  describeLogs(): string {
    const parts = [`interop logs kept in ${this.directory}`];
    for (const path of this.logPaths) {
      if (!existsSync(path)) continue;

      const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
      const tail = lines.slice(-LOG_TAIL_LINES).join('\n');
      parts.push(`--- ${path} (last ${Math.min(lines.length, LOG_TAIL_LINES)} lines)\n${tail}`);
    }
    return parts.join('\n');
  }

  private deleteNamespaces(): void {
    execFileSync('bash', [sharedPath('interop', 'ns.sh'), 'down', this.prefix], { stdio: 'pipe' });
  }

  /** Last resort when the worker exits without `close`: SIGKILL our PIDs, delete namespaces. */
  private forceCleanup(): void {
    for (const started of this.processes) {
      if (started.running() && started.child.pid !== undefined) {
        process.kill(started.child.pid, 'SIGKILL');
      }
    }
    this.deleteNamespaces();
  }
}

/** Reads a log file, or returns '' while the process has not created it yet. */
export function readLog(path: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}
