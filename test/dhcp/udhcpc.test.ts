// busybox udhcpc against a dhcpf pair in network namespaces: the pair from the built CLI in
// PREFIX-a and PREFIX-b, the client in PREFIX-1, all on a bridge in PREFIX-c with no link to the
// host. Cleanup stops the processes this test started by PID and deletes its own namespaces.

import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { clientHashBucket, ownerOfBucket } from '../../src/loadbal/hash-bucket.js';
import { hashBucketAssignmentForSplit } from '../../src/peer/hash-buckets.js';
import { openLeaseStore } from '../../src/store/sqlite-store.js';
import type { StoredBinding } from '../../src/store/types.js';
import { sharedPath } from '../helpers/shared-dir.js';
import { dhcpfCliPath } from '../interop/prerequisites.js';

const MCLT = 600;
const NAMESPACE_SCRIPT = sharedPath('interop', 'ns.sh');

function hasProgram(name: string): boolean {
  try {
    execFileSync('bash', ['-c', `command -v ${name}`], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

const canRun =
  process.getuid?.() === 0 &&
  hasProgram('ip') &&
  hasProgram('udhcpc') &&
  existsSync(NAMESPACE_SCRIPT) &&
  existsSync(dhcpfCliPath);

/** Returns a MAC whose client identifier (type 1, as udhcpc sends it) the primary owns. */
function primaryOwnedMac(): string {
  const assignment = hashBucketAssignmentForSplit(128);
  for (let last = 1; last < 256; last++) {
    const mac = [2, 0, 0, 0, 0xc1, last];
    if (ownerOfBucket(assignment, clientHashBucket(Uint8Array.from([1, ...mac]))) === 'primary') {
      return mac.map((byte) => byte.toString(16).padStart(2, '0')).join(':');
    }
  }
  throw new Error('no MAC in the primary buckets');
}

function writeConfig(directory: string, role: 'primary' | 'secondary'): string {
  const [local, peer] =
    role === 'primary' ? ['10.77.0.1', '10.77.0.2'] : ['10.77.0.2', '10.77.0.1'];
  const path = join(directory, `${role}.json`);
  const config = {
    name: 'fo',
    role,
    local: { address: local, port: 647 },
    peer: { address: peer, port: 647 },
    mclt: MCLT,
    startupSeconds: 1,
    connectRetrySeconds: 1,
    pools: [{ start: '10.77.1.10', end: '10.77.1.20' }],
    store: join(directory, `${role}.db`),
    // Both serve: load balancing decides which one replies (FO-9.8.2-a).
    dhcp: { address: '0.0.0.0', serverIdentifier: local, leaseSeconds: 3600 },
  };
  writeFileSync(path, JSON.stringify(config));
  return path;
}

/** Starts `dhcpf serve` inside the namespace and stops it by PID when the test finishes. */
function serveIn(namespace: string, config: string, log: string): ChildProcess {
  const child = spawn(
    'ip',
    [
      'netns',
      'exec',
      namespace,
      process.execPath,
      dhcpfCliPath,
      'serve',
      '--config',
      config,
      '--log',
      log,
    ],
    { stdio: 'ignore' },
  );
  onTestFinished(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }
  });
  return child;
}

/** Reads one binding from a store that a running dhcpf also has open. */
function readBinding(path: string, address: string): StoredBinding | undefined {
  const store = openLeaseStore(path);
  try {
    return store.getBinding(address);
  } finally {
    store.close();
  }
}

function reachedNormal(log: string): boolean {
  return (
    existsSync(log) && /"event":"state.change"[^\n]*"to":"NORMAL"/.test(readFileSync(log, 'utf8'))
  );
}

describe('udhcpc against a dhcpf pair', () => {
  it.skipIf(!canRun)(
    'obtains a lease of MCLT that the partner stores (needs root, ip, udhcpc and a build)',
    async () => {
      const prefix = `dfd${process.pid}_${randomBytes(3).toString('hex')}`;
      const directory = mkdtempSync(join(tmpdir(), 'dhcpf-udhcpc-'));
      const mac = primaryOwnedMac();
      onTestFinished(() => {
        execFileSync('bash', [NAMESPACE_SCRIPT, 'down', prefix], { stdio: 'pipe' });
        rmSync(directory, { recursive: true, force: true });
      });
      execFileSync('bash', [NAMESPACE_SCRIPT, 'up', prefix, '1'], {
        stdio: 'pipe',
        env: { ...process.env, CLIENT_MACS: mac },
      });
      for (const side of ['a', 'b']) {
        // Node cannot bind a socket to a device, so replies to 255.255.255.255 need this route.
        execFileSync('ip', [
          '-n',
          `${prefix}-${side}`,
          'route',
          'add',
          '255.255.255.255/32',
          'dev',
          'eth0',
        ]);
      }
      const logs = {
        primary: join(directory, 'primary.log'),
        secondary: join(directory, 'secondary.log'),
      };
      const secondary = serveIn(`${prefix}-b`, writeConfig(directory, 'secondary'), logs.secondary);
      const primary = serveIn(`${prefix}-a`, writeConfig(directory, 'primary'), logs.primary);
      await vi.waitFor(
        () => expect(reachedNormal(logs.primary) && reachedNormal(logs.secondary)).toBe(true),
        {
          timeout: 20_000,
          interval: 200,
        },
      );

      const udhcpc = spawnSync(
        'ip',
        [
          ...['netns', 'exec', `${prefix}-1`, 'udhcpc'],
          ...['-f', '-q', '-n', '-t', '5', '-T', '2', '-i', 'eth0', '-s', '/bin/true'],
        ],
        { encoding: 'utf8', timeout: 30_000 },
      );
      const copy = await vi.waitFor(
        () => {
          const binding = readBinding(join(directory, 'secondary.db'), '10.77.1.10');
          expect(binding?.bindingStatus).toBe('ACTIVE');
          return binding;
        },
        { timeout: 10_000, interval: 200 },
      );

      expect(udhcpc.status).toBe(0);
      expect(udhcpc.stderr).toContain(
        `lease of 10.77.1.10 obtained from 10.77.0.1, lease time ${MCLT}`,
      );
      expect(copy?.clientHardwareAddress?.chaddr).toEqual(
        Uint8Array.from(mac.split(':').map((byte) => parseInt(byte, 16))),
      );
      expect(primary.exitCode).toBeNull();
      expect(secondary.exitCode).toBeNull();
    },
    60_000,
  );
});
