// Shared setup for the microsoft profile tests: configs with a subnet mask and a shared secret,
// pairs of peers on loopback, and a scripted Windows-like partner that signs what it sends.

import { join } from 'node:path';
import type { RelationshipConfig } from '../../src/config/types.js';
import { sampleActiveBindings } from '../../src/endpoint/sample-bindings.js';
import type { ConnectionTapFactory } from '../../src/peer/connection-tap.js';
import { ManualClock, nowSeconds } from '../../src/peer/timers.js';
import { openLeaseStore } from '../../src/store/sqlite-store.js';
import type { StoredBinding } from '../../src/store/types.js';
import {
  POOL,
  startTestPeer,
  testConfig,
  waitForState,
  type StartedPeer,
} from '../peer/peer-fixtures.js';
import { startPeer } from '../../src/endpoint/peer.js';
import { CapturedLog } from '../peer/peer-fixtures.js';
import { onTestFinished } from 'vitest';

export const SECRET = 'correct horse battery staple';
export const SCOPE_ID = '192.0.2.0';
export const SUBNET_MASK = '255.255.255.0';
/** The scope ID as client-hardware-address carries it (OBS-2). */
export const SCOPE_ID_NUMBER = 0xc0000200;

/** A config in the microsoft profile, pool with its subnet mask, with the shared secret. */
export function microsoftConfig(
  role: 'primary' | 'secondary',
  storePath: string,
  overrides: Record<string, unknown> = {},
): RelationshipConfig {
  return testConfig(role, storePath, {
    profile: 'microsoft',
    pools: [{ ...POOL, subnetMask: SUBNET_MASK }],
    sharedSecret: SECRET,
    ...overrides,
  });
}

export interface MicrosoftPair {
  primary: StartedPeer;
  secondary: StartedPeer;
}

export interface PairOptions {
  primary?: Record<string, unknown>;
  secondary?: Record<string, unknown>;
  /** Records the primary's connections, such as a pcap writer. */
  primaryTap?: ConnectionTapFactory;
}

/** Starts a microsoft secondary on port 0 and a primary connecting to it, on one manual clock. */
export async function startMicrosoftPair(
  directory: string,
  clock: ManualClock,
  options: PairOptions = {},
): Promise<MicrosoftPair> {
  const secondaryConfig = microsoftConfig('secondary', join(directory, 'secondary.db'), {
    ...options.secondary,
  });
  const secondary = await startTestPeer(secondaryConfig, clock);
  const primaryConfig = microsoftConfig('primary', join(directory, 'primary.db'), {
    peer: { address: '127.0.0.1', port: secondary.peer.listeningPort },
    ...options.primary,
  });
  const primary =
    options.primaryTap === undefined
      ? await startTestPeer(primaryConfig, clock)
      : await startTappedPeer(primaryConfig, clock, options.primaryTap);
  return { primary, secondary };
}

async function startTappedPeer(
  config: RelationshipConfig,
  clock: ManualClock,
  tapConnection: ConnectionTapFactory,
): Promise<StartedPeer> {
  const log = new CapturedLog();
  const peer = await startPeer(config, { clock, logger: log.logger, tapConnection });
  onTestFinished(() => peer.stop());
  return { peer, clock, log };
}

/** Stores `count` ACTIVE bindings from the pool's first address in the primary's store. */
export function seedPrimary(directory: string, count: number, clock: ManualClock): StoredBinding[] {
  const bindings = sampleActiveBindings(count, POOL.start, nowSeconds(clock));
  const store = openLeaseStore(join(directory, 'primary.db'));
  store.putBindings(bindings);
  store.close();
  return bindings;
}

export async function bothNormal(pair: MicrosoftPair): Promise<void> {
  await Promise.all([
    waitForState(pair.primary.peer, 'NORMAL'),
    waitForState(pair.secondary.peer, 'NORMAL'),
  ]);
}
