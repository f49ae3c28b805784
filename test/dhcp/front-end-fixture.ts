// Fixture of the DHCP front-end tests that run over a stub failover view: the view's lease store,
// and the server on loopback with the test client that talks to it.

import { onTestFinished } from 'vitest';
import { startDHCPServer, type DHCPServer, type FailoverView } from '../../src/dhcp/server.js';
import type { ManualClock } from '../../src/peer/timers.js';
import { openLeaseStore } from '../../src/store/sqlite-store.js';
import type { StoredBinding } from '../../src/store/types.js';
import { CapturedLog } from '../peer/peer-fixtures.js';
import { TestDHCPClient } from './dhcp-client.js';

/** Returns a FREE binding of `address` at update-seq 1 with no update pending, changed by `change`. */
export function binding(address: string, change: Partial<StoredBinding>): StoredBinding {
  return {
    address,
    bindingStatus: 'FREE',
    ipFlags: 0,
    pendingUpdate: false,
    updateSeq: 1,
    ...change,
  };
}

/** Opens an in-memory lease store that contains `bindings` and closes it when the test finishes. */
export function openStoreWith(bindings: StoredBinding[]): ReturnType<typeof openLeaseStore> {
  const store = openLeaseStore(':memory:');
  onTestFinished(() => store.close());
  store.putBindings(bindings);
  return store;
}

/** A front end started by `startFrontEnd`, with its test client and its captured log. */
export interface RunningFrontEnd {
  server: DHCPServer;
  client: TestDHCPClient;
  log: CapturedLog;
}

/**
 * Starts a front end over `view` on 127.0.0.1, port 0, with server identifier 127.0.0.1, and opens
 * a test client to it. The server stops when the test finishes.
 */
export async function startFrontEnd(
  view: FailoverView,
  clock: ManualClock,
  options: { desiredLeaseSeconds: number; replyTo: 'standard' | 'source' },
): Promise<RunningFrontEnd> {
  const log = new CapturedLog();
  const server = await startDHCPServer({
    failover: view,
    address: '127.0.0.1',
    port: 0,
    serverIdentifier: '127.0.0.1',
    desiredLeaseSeconds: options.desiredLeaseSeconds,
    replyTo: options.replyTo,
    clock,
    logger: log.logger,
  });
  onTestFinished(() => server.stop());
  const client = await TestDHCPClient.open(server.port);
  return { server, client, log };
}
