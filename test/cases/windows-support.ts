// Shared setup of the field-case tests with a Windows partner: a microsoft-profile secondary
// brought to NORMAL at T0 by a scripted Windows primary, signing with the cases' secret or not.

import { join } from 'node:path';
import { nowSeconds } from '../../src/peer/timers.js';
import { MessageType } from '../../src/wire/codes.js';
import {
  secondsOf,
  startTestPeer,
  stateOptions,
  temporaryDirectory,
  waitForState,
  type StartedPeer,
} from '../peer/peer-fixtures.js';
import { microsoftConfig } from '../microsoft/microsoft-fixtures.js';
import { WindowsPartner, windowsCONNECTOptions } from '../microsoft/windows-partner.js';
import { clockAt, NORMAL_BEFORE_T0, seedStore, type SeededStore } from './case-support.js';

/** The shared secret the field cases sign with. */
export const CASE_SECRET = 'fo-test-secret';

export interface WindowsCaseSetup {
  /** The relationship's shared secret; none (no digest either way) when undefined. */
  secret?: string | undefined;
  config?: Record<string, unknown>;
  seed?: SeededStore;
}

export interface SecondaryWithWindowsPartner extends StartedPeer {
  partner: WindowsPartner;
}

/** Starts a microsoft-profile secondary at T0 with a seeded store, not yet connected. */
export async function startWindowsSecondary(setup: WindowsCaseSetup = {}): Promise<StartedPeer> {
  const storePath = join(temporaryDirectory(), 'secondary.db');
  seedStore(storePath, { record: NORMAL_BEFORE_T0, ...setup.seed });
  const secret = 'secret' in setup ? setup.secret : CASE_SECRET;
  const config = microsoftConfig('secondary', storePath, {
    sharedSecret: secret,
    ...setup.config,
  });
  return startTestPeer(config, clockAt());
}

/**
 * Connects a Windows primary to `started` and brings it to NORMAL: CONNECT, CONNECTACK, both
 * STATEs. Every message the secondary sent so far has been read.
 */
export async function windowsPrimaryReturns(
  started: StartedPeer,
  secret: string | undefined,
): Promise<WindowsPartner> {
  const { peer, clock } = started;
  const partner = await WindowsPartner.connect(peer.listeningPort ?? 0, secondsOf(clock), secret);
  partner.send(MessageType.CONNECT, windowsCONNECTOptions(), 0x10);
  await partner.nextOfType(MessageType.CONNECTACK);
  await partner.nextOfType(MessageType.STATE);
  partner.send(MessageType.STATE, stateOptions('NORMAL', false, nowSeconds(clock) - 3600), 1);
  await waitForState(peer, 'NORMAL');
  await partner.nextOfType(MessageType.STATE);
  return partner;
}

/** Starts a microsoft-profile secondary that was in NORMAL before T0 and brings it back to NORMAL. */
export async function windowsSecondaryInNormal(
  setup: WindowsCaseSetup = {},
): Promise<SecondaryWithWindowsPartner> {
  const started = await startWindowsSecondary(setup);
  const secret = 'secret' in setup ? setup.secret : CASE_SECRET;
  const partner = await windowsPrimaryReturns(started, secret);
  return { ...started, partner };
}
