import { Command } from 'commander';
import { join } from 'node:path';
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { formatStatus, formatWait, registerStatusCommand } from '../../src/cli/status.js';
import type { ControlStatus } from '../../src/control/protocol.js';
import { buildPeerStatus, type PeerStatusSources } from '../../src/endpoint/peer-status.js';
import { sampleActiveBindings } from '../../src/endpoint/sample-bindings.js';
import { openLeaseStore } from '../../src/store/sqlite-store.js';
import type { StoredBinding } from '../../src/store/types.js';
import { POOL, temporaryDirectory, testConfig } from '../peer/peer-fixtures.js';
import { capture, runOnNormalPair } from './cli-output.js';

const NOW = 1_767_225_600;
/** POOL contains 192.0.2.20 to 192.0.2.110. */
const POOL_SIZE = 91;

function sourcesWith(overrides: Partial<PeerStatusSources> = {}): PeerStatusSources {
  const store = openLeaseStore(':memory:');
  onTestFinished(() => store.close());
  return {
    config: testConfig('primary', ':memory:', { stateSwitchoverSeconds: 3600 }),
    store,
    state: 'NORMAL',
    startTimeOfState: NOW - 60,
    partner: { state: 'NORMAL', startup: false, startTimeOfState: NOW - 50, hasHistory: true },
    connected: true,
    communicationsOk: true,
    partnerDownSince: undefined,
    failureTime: NOW - 100,
    mclt: 3600,
    now: NOW,
    clockSkewSeconds: -2,
    listeningPort: undefined,
    updateFlow: { window: 10, outstanding: 2 },
    statistics: { messagesSent: 5, messagesReceived: 4, bindingsSent: 3, bindingsReceived: 0 },
    ...overrides,
  };
}

/** Stores 10 ACTIVE, 5 BACKUP and 2 FREE bindings; 74 pool addresses stay unwritten (FREE). */
function seed(sources: PeerStatusSources): void {
  const bindings: StoredBinding[] = sampleActiveBindings(17, POOL.start, NOW);
  for (const [index, binding] of bindings.entries()) {
    if (index >= 10) {
      binding.bindingStatus = index < 15 ? 'BACKUP' : 'FREE';
    }
  }
  sources.store.putBindings(bindings);
}

describe('peer status', () => {
  it('counts the free addresses each side may allocate in NORMAL (FO-5.4-a)', () => {
    const sources = sourcesWith();
    seed(sources);

    const status = buildPeerStatus(sources);

    expect(status.freeAddresses.local).toEqual({ usable: POOL_SIZE - 15, own: 76, partners: 5 });
    expect(status.freeAddresses.partner).toEqual({ usable: 5, own: 5, partners: 76 });
    expect(status.bindings).toBe(17);
    expect(status.updates.unacknowledged).toBe(17);
    expect(status.updates.outstandingBNDUPDs).toBe(2);
    expect(status.updates.window).toBe(10);
    expect(status.connection.clockSkewSeconds).toBe(-2);
  });

  it('opens the partner pool in PARTNER-DOWN only MCLT after its start (FO-9.4.2-c)', () => {
    const early = sourcesWith({ state: 'PARTNER-DOWN', partnerDownSince: NOW - 600 });
    seed(early);
    const late = sourcesWith({ state: 'PARTNER-DOWN', partnerDownSince: NOW - 3600 });
    seed(late);

    const before = buildPeerStatus(early).freeAddresses.local;
    const after = buildPeerStatus(late).freeAddresses.local;

    expect(before).toEqual({ usable: 76, own: 76, partners: 5, partnersUsableAt: NOW + 3000 });
    expect(after).toEqual({ usable: 81, own: 76, partners: 5 });
  });

  it('gives RECOVER-WAIT its end MCLT after the failure time (FO-9.6.2-a)', () => {
    const status = buildPeerStatus(sourcesWith({ state: 'RECOVER-WAIT' }));

    expect(status.waiting).toEqual({
      state: 'RECOVER-WAIT',
      reason: 'MCLT after the failure time',
      rule: 'FO-9.6.2-a',
      until: NOW - 100 + 3600,
      next: 'RECOVER-DONE',
    });
    expect(status.freeAddresses.local.usable).toBe(0);
  });

  it('ends COMMUNICATIONS-INTERRUPTED automatically when a safe period is set (FO-10-a)', () => {
    const status = buildPeerStatus(
      sourcesWith({ state: 'COMMUNICATIONS-INTERRUPTED', connected: false, partner: undefined }),
    );

    expect(status.waiting?.partnerDown).toBe('automatic');
    expect(status.waiting?.until).toBe(NOW - 60 + 3600);
    expect(status.partner).toBeNull();
    expect(status.connection.clockSkewSeconds).toBeNull();
  });
});

describe('status text', () => {
  it('formats the waits of RECOVER-WAIT and COMMUNICATIONS-INTERRUPTED', () => {
    const recoverWait = formatWait(
      {
        state: 'RECOVER-WAIT',
        reason: 'MCLT after the failure time',
        rule: 'FO-9.6.2-a',
        until: NOW + 310,
        next: 'RECOVER-DONE',
      },
      NOW,
    );
    const automatic = formatWait(
      {
        state: 'COMMUNICATIONS-INTERRUPTED',
        reason: 'x',
        rule: 'FO-9.9.3-a',
        until: NOW + 42 * 60,
        partnerDown: 'automatic',
      },
      NOW,
    );
    const operatorOnly = formatWait(
      {
        state: 'COMMUNICATIONS-INTERRUPTED',
        reason: 'the partner',
        rule: 'FO-9.9.3-a',
        partnerDown: 'operator-only',
      },
      NOW,
    );

    expect(recoverWait).toBe(
      'RECOVER-WAIT until 00:05:10 UTC (in 5 min), MCLT after the failure time (FO-9.6.2-a), then RECOVER-DONE',
    );
    expect(automatic).toBe(
      'COMMUNICATIONS-INTERRUPTED: partner-down automatically in 42 min, at 00:42:00 UTC (safe period, FO-9.9.3-a)',
    );
    expect(operatorOnly).toBe(
      'COMMUNICATIONS-INTERRUPTED: partner-down only by operator (FO-9.9.3-a), waits for the partner',
    );
  });

  it('prints one line per topic for a pair in NORMAL', () => {
    const status: ControlStatus = { ...buildPeerStatus(sourcesWith()), sync: null };

    const lines = formatStatus(status).trimEnd().split('\n');

    expect(lines[0]).toBe('relationship fo-test: primary, isc profile, MCLT 3600 s');
    expect(lines[1]).toBe(
      'local:       NORMAL since 23:59:00 UTC, serves the clients of its hash buckets, and every RENEW and REBIND',
    );
    expect(lines[2]).toBe('partner:     NORMAL since 23:59:10 UTC');
    expect(lines[3]).toBe('connection:  communications ok, partner clock -2 s');
    expect(lines.some((line) => line.startsWith('waiting:'))).toBe(false);
  });
});

describe('dhcpf status', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
  });

  function program(): Command {
    const command = new Command();
    command.exitOverride();
    registerStatusCommand(command);
    return command;
  }

  it('prints the JSON status of a running pair', async () => {
    const stdout = await runOnNormalPair(program(), 'primary', ['status', '--json']);

    const status = JSON.parse(stdout) as ControlStatus;
    expect(process.exitCode).toBe(0);
    expect(status.version).toBe(1);
    expect(status.local.state).toBe('NORMAL');
    expect(status.partner?.state).toBe('NORMAL');
  });

  it('exits 1 with one line when no server listens', async () => {
    const stderr = capture(process.stderr);
    const path = join(temporaryDirectory(), 'none.ctl');

    await program().parseAsync(['node', 'dhcpf', 'status', '--socket', path]);

    expect(process.exitCode).toBe(1);
    expect(stderr.join('')).toBe(
      `dhcpf status: control socket ${path}: no such socket; is \`dhcpf serve\` running with this config?\n`,
    );
  });

  it('exits 2 without a socket or a config', async () => {
    const stderr = capture(process.stderr);

    await program().parseAsync(['node', 'dhcpf', 'status']);

    expect(process.exitCode).toBe(2);
    expect(stderr.join('')).toBe(
      'dhcpf status: no control socket given, expected --socket PATH or --config FILE\n',
    );
  });
});
