// Setup for the operator tests: a pair of supervised peers on loopback with their control
// sockets, and a client that sends one request line and reads the response.

import { join } from 'node:path';
import { expect, onTestFinished, vi } from 'vitest';
import { sendControlRequest } from '../../src/control/client.js';
import { PeerSupervisor } from '../../src/control/peer-supervisor.js';
import type { ControlRequest, ControlResponse } from '../../src/control/protocol.js';
import { ControlServer } from '../../src/control/server.js';
import type { RelationshipConfig } from '../../src/config/types.js';
import { sampleActiveBindings } from '../../src/endpoint/sample-bindings.js';
import type { Clock } from '../../src/peer/timers.js';
import { systemClock, nowSeconds } from '../../src/peer/timers.js';
import { openLeaseStore } from '../../src/store/sqlite-store.js';
import { CapturedLog, POOL, testConfig, waitForState } from '../peer/peer-fixtures.js';

export interface Operated {
  supervisor: PeerSupervisor;
  control: ControlServer;
  config: RelationshipConfig;
  log: CapturedLog;
  /** Sends one request to this server's control socket. */
  request(request: ControlRequest): Promise<ControlResponse>;
}

/** Starts a supervised peer with a control socket; both stop when the test finishes. */
export async function startOperated(config: RelationshipConfig, clock: Clock): Promise<Operated> {
  const log = new CapturedLog();
  const supervisor = await PeerSupervisor.start(config, { clock, logger: log.logger });
  onTestFinished(() => supervisor.stop());
  const path = `${config.store}.ctl`;
  const control = await ControlServer.start({ path, target: supervisor, logger: log.logger });
  onTestFinished(() => control.close());
  return {
    supervisor,
    control,
    config,
    log,
    request: (request) => sendControlRequest(path, request),
  };
}

export interface OperatedPair {
  primary: Operated;
  secondary: Operated;
}

/** Starts a secondary and a primary on loopback; the primary's store contains `seeded` bindings. */
export async function startOperatedPair(
  directory: string,
  overrides: Record<string, unknown> = {},
  seeded = 0,
  clock: Clock = systemClock,
): Promise<OperatedPair> {
  if (seeded > 0) {
    const store = openLeaseStore(join(directory, 'primary.db'));
    store.putBindings(sampleActiveBindings(seeded, POOL.start, nowSeconds(clock)));
    store.close();
  }

  const secondary = await startOperated(
    testConfig('secondary', join(directory, 'secondary.db'), overrides),
    clock,
  );
  const primary = await startOperated(
    testConfig('primary', join(directory, 'primary.db'), {
      ...overrides,
      peer: { address: '127.0.0.1', port: secondary.supervisor.peer.listeningPort },
    }),
    clock,
  );
  return { primary, secondary };
}

export async function bothNormal(pair: OperatedPair): Promise<void> {
  await Promise.all([
    waitForState(pair.primary.supervisor.peer, 'NORMAL'),
    waitForState(pair.secondary.supervisor.peer, 'NORMAL'),
  ]);
}

/**
 * Resolves once neither store has updates the partner has not acknowledged, because a primary in
 * NORMAL may still be lending free addresses to the secondary as BACKUP.
 */
export async function settled(pair: OperatedPair): Promise<void> {
  await vi.waitFor(() => {
    expect(pair.primary.supervisor.peer.store.countPending()).toBe(0);
    expect(pair.secondary.supervisor.peer.store.countPending()).toBe(0);
  });
}
