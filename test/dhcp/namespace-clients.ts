// Real DHCP clients in network namespaces of an interop run: one namespace per client, joined to
// the run's bridge like the servers. ISC dhclient runs with the interop kit's configuration and a
// private lease file and pid file per client; busybox udhcpc runs once per call.

import { chmodSync, copyFileSync, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { clientHashBucket, ownerOfBucket } from '../../src/loadbal/hash-bucket.js';
import { hashBucketAssignmentForSplit } from '../../src/peer/hash-buckets.js';
import { sharedPath } from '../helpers/shared-dir.js';
import { type InteropRun, readLog, type StartedProcess } from '../interop/interop-run.js';

const BOUND_TIMEOUT_MS = 25_000;
const POLL_INTERVAL_MS = 100;

/** Tells whether every program is on the PATH. */
export function hasPrograms(...names: string[]): boolean {
  return names.every((name) => {
    try {
      execFileSync('bash', ['-c', `command -v ${name}`], { stdio: 'pipe' });
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * Adds namespace PREFIX-INDEX with eth0 carrying `mac`, plugged into the run's bridge in PREFIX-c,
 * as the interop kit's namespace script lays clients out. The run's cleanup deletes it with the
 * others, because that script removes every PREFIX-NUMBER namespace.
 */
export function addClientNamespace(run: InteropRun, index: number, mac: string): string {
  const namespace = `${run.prefix}-${index}`;
  const bridgeNamespace = `${run.prefix}-c`;
  const port = `k${index}`;
  execFileSync('ip', ['netns', 'add', namespace]);
  execFileSync('ip', ['-n', namespace, 'link', 'set', 'lo', 'up']);
  execFileSync('ip', [
    ...['-n', bridgeNamespace, 'link', 'add', port, 'type', 'veth'],
    ...['peer', 'name', 'eth0', 'netns', namespace, 'address', mac],
  ]);
  execFileSync('ip', ['-n', namespace, 'link', 'set', 'eth0', 'up']);
  execFileSync('ip', ['-n', bridgeNamespace, 'link', 'set', port, 'master', 'br0', 'up']);
  return namespace;
}

/**
 * Adds a route for 255.255.255.255 on eth0 of a server namespace. Node cannot bind a UDP socket to
 * a device, so without it a broadcast DHCPOFFER or DHCPACK has no route.
 */
export function addBroadcastRoute(namespace: string): void {
  execFileSync('ip', ['-n', namespace, 'route', 'add', '255.255.255.255/32', 'dev', 'eth0']);
}

/** Formats six bytes as a lower-case colon-separated MAC. */
export function formatMac(bytes: readonly number[]): string {
  return bytes.map((byte) => byte.toString(16).padStart(2, '0')).join(':');
}

/**
 * Returns `count` MACs 02:00:00:00:c1:NN whose load-balancing key falls in the hash buckets of
 * `owner` under `split 128`. dhclient with the kit's configuration sends no client-identifier, so
 * its key is the chaddr; udhcpc sends client-identifier 01 followed by the MAC.
 */
export function macsOwnedBy(
  owner: 'primary' | 'secondary',
  count: number,
  key: 'chaddr' | 'client-identifier',
  first = 1,
): string[] {
  const assignment = hashBucketAssignmentForSplit(128);
  const macs: string[] = [];
  for (let last = first; last < 256 && macs.length < count; last++) {
    const mac = [2, 0, 0, 0, 0xc1, last];
    const keyBytes = key === 'chaddr' ? mac : [1, ...mac];
    if (ownerOfBucket(assignment, clientHashBucket(Uint8Array.from(keyBytes))) === owner) {
      macs.push(formatMac(mac));
    }
  }
  if (macs.length < count) {
    throw new Error(`only ${macs.length} of ${count} MACs fall in the ${owner} buckets`);
  }

  return macs;
}

/** Returns a copy of the kit's dhclient script with its run bit, since dhclient execs it. */
function dhclientScript(run: InteropRun): string {
  const script = run.path('dhclient-script.sh');
  if (!existsSync(script)) {
    copyFileSync(sharedPath('interop', 'dhclient-script.sh'), script);
    chmodSync(script, 0o755);
  }
  return script;
}

async function pollUntil(
  description: string,
  check: () => boolean,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${description}`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

/**
 * One ISC dhclient in its own namespace, with its own lease file, pid files and log. `obtain`
 * starts `dhclient -d -1`, which stays in the foreground after binding and renews at T1. `release`
 * stops that process by PID and runs `dhclient -r`, which sends a DHCPRELEASE for the lease in the
 * lease file.
 */
export class Dhclient {
  readonly namespace: string;
  readonly leaseFile: string;
  private readonly run: InteropRun;
  private readonly tag: string;
  private running: StartedProcess | undefined;
  private releases = 0;

  constructor(run: InteropRun, namespace: string, tag: string) {
    this.run = run;
    this.namespace = namespace;
    this.tag = tag;
    this.leaseFile = run.path(`${tag}.leases`);
  }

  /** Returns the addresses of the "bound to" lines so far: the first binding, then renewals. */
  boundAddresses(): string[] {
    const log = readLog(this.run.path(`${this.tag}.out`));
    return [...log.matchAll(/bound to (\d+\.\d+\.\d+\.\d+)/g)].map((match) => match[1] ?? '');
  }

  /** Returns the server of the last DHCPACK dhclient logged, or undefined before the first. */
  serverOfLastBinding(): string | undefined {
    const log = readLog(this.run.path(`${this.tag}.out`));
    return [...log.matchAll(/DHCPACK of \S+ from (\S+)/g)].at(-1)?.[1];
  }

  /** Counts the DHCPREQUEST lines dhclient logged for a renewal (unicast to the server). */
  renewalRequests(): number {
    const log = readLog(this.run.path(`${this.tag}.out`));
    return [...log.matchAll(/DHCPREQUEST for \S+ on eth0 to (?!255\.255\.255\.255)/g)].length;
  }

  /** Starts dhclient and waits for a new "bound to" line; returns the address bound. */
  async obtain(): Promise<string> {
    const before = this.boundAddresses().length;
    this.running = this.run.start({
      label: this.tag,
      namespace: this.namespace,
      command: 'dhclient',
      args: [...this.commonArgs(), '-d', '-1', '-pf', this.run.path(`${this.tag}.pid`), 'eth0'],
    });
    const started = this.running;
    await pollUntil(
      `${this.tag} to bind`,
      () => {
        if (!started.running()) throw new Error(`${this.tag} exited without a lease`);

        return this.boundAddresses().length > before;
      },
      BOUND_TIMEOUT_MS,
    );
    return this.boundAddresses().at(-1) ?? '';
  }

  /** Waits until dhclient logged `count` "bound to" lines in all. */
  async waitForBindings(count: number, timeoutMs: number): Promise<void> {
    await pollUntil(
      `${this.tag} to log ${count} bindings`,
      () => this.boundAddresses().length >= count,
      timeoutMs,
    );
  }

  /**
   * Stops the foreground dhclient with SIGKILL, because Debian's build sends no DHCPRELEASE on
   * SIGTERM anyway, then runs `dhclient -r` with a fresh pid file, so it signals no other process.
   */
  async release(): Promise<void> {
    if (this.running !== undefined) {
      await this.run.stop(this.running, 'SIGKILL');
      this.running = undefined;
    }

    this.releases += 1;
    const label = `${this.tag}-release-${this.releases}`;
    const releasing = this.run.start({
      label,
      namespace: this.namespace,
      command: 'dhclient',
      args: [...this.commonArgs(), '-r', '-pf', this.run.path(`${label}.pid`), 'eth0'],
    });
    const status = await releasing.exited;
    if (status !== 0) {
      throw new Error(`dhclient -r exited with ${status}`);
    }
  }

  /** Stops the foreground dhclient by PID without a DHCPRELEASE. */
  async stop(): Promise<void> {
    if (this.running !== undefined) {
      await this.run.stop(this.running, 'SIGKILL');
      this.running = undefined;
    }
  }

  private commonArgs(): string[] {
    return [
      ...['-4', '-v', '-cf', sharedPath('interop', 'dhclient.conf')],
      ...['-sf', dhclientScript(this.run), '-lf', this.leaseFile],
    ];
  }
}

/** What one udhcpc run printed, and the address it obtained, if any. */
export interface UdhcpcResult {
  status: number | string;
  address: string | undefined;
  /** Server that sent the DHCPACK. */
  server: string | undefined;
  leaseTime: number | undefined;
}

/**
 * Runs busybox udhcpc once in `namespace` (foreground, quit after the lease, up to five
 * DHCPDISCOVERs two seconds apart, no script), and parses its "lease of ... obtained" line.
 */
export async function runUdhcpc(
  run: InteropRun,
  namespace: string,
  tag: string,
): Promise<UdhcpcResult> {
  const started = run.start({
    label: tag,
    namespace,
    command: 'udhcpc',
    args: ['-f', '-q', '-n', '-t', '5', '-T', '2', '-i', 'eth0', '-s', '/bin/true'],
  });
  const status = await started.exited;
  const match = /lease of (\S+) obtained from (\S+), lease time (\d+)/.exec(
    readLog(started.outputPath),
  );
  return {
    status,
    address: match?.[1],
    server: match?.[2],
    leaseTime: match?.[3] === undefined ? undefined : Number(match[3]),
  };
}
