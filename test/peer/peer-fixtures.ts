// Shared setup for the peer and endpoint tests: temporary stores, configs, peers started on port 0
// with a manual clock, and option lists a scripted partner sends.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { parseRelationshipConfig } from '../../src/config/load.js';
import type { RelationshipConfig } from '../../src/config/types.js';
import { startPeer, type Peer } from '../../src/endpoint/peer.js';
import { createLogger, type Logger } from '../../src/log.js';
import { hashBucketAssignmentForSplit } from '../../src/peer/hash-buckets.js';
import { option } from '../../src/peer/options.js';
import { ManualClock, nowSeconds } from '../../src/peer/timers.js';
import { OptionCode, ServerState, type FailoverStateName } from '../../src/wire/codes.js';
import type { FailoverOption } from '../../src/wire/types.js';

export const RELATIONSHIP = 'fo-test';
export const POOL = { start: '192.0.2.20', end: '192.0.2.110' };

/** Creates a directory that is removed when the test finishes. */
export function temporaryDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'dhcpf-test-'));
  onTestFinished(() => rmSync(directory, { recursive: true, force: true }));
  return directory;
}

export function testConfig(
  role: 'primary' | 'secondary',
  storePath: string,
  overrides: Record<string, unknown> = {},
): RelationshipConfig {
  return parseRelationshipConfig({
    name: RELATIONSHIP,
    role,
    local: { address: '127.0.0.1', port: 0 },
    peer: { address: '127.0.0.1', port: 1 },
    mclt: 3600,
    pools: [POOL],
    store: storePath,
    ...overrides,
  });
}

/** Log lines written by a peer, parsed, for tests that check what was logged. */
export class CapturedLog {
  readonly lines: Record<string, unknown>[] = [];
  readonly logger: Logger = createLogger({
    level: 'debug',
    stream: {
      write: (line: string) => this.lines.push(JSON.parse(line) as Record<string, unknown>),
    },
  });

  withEvent(event: string): Record<string, unknown>[] {
    return this.lines.filter((line) => line['event'] === event);
  }
}

export interface StartedPeer {
  peer: Peer;
  clock: ManualClock;
  log: CapturedLog;
}

/** Starts a peer with a manual clock and a captured log; it is stopped when the test finishes. */
export async function startTestPeer(
  config: RelationshipConfig,
  clock = new ManualClock(),
): Promise<StartedPeer> {
  const log = new CapturedLog();
  const peer = await startPeer(config, { clock, logger: log.logger });
  onTestFinished(() => peer.stop());
  return { peer, clock, log };
}

/** Resolves when the peer is in `state`; rejects after a few seconds. */
export function waitForState(peer: Peer, state: FailoverStateName): Promise<void> {
  return new Promise((resolve, reject) => {
    if (peer.state === state) {
      resolve();
      return;
    }

    const timer = setTimeout(
      () => reject(new Error(`peer stayed in ${peer.state}, expected ${state}`)),
      5000,
    );
    const listener = (): void => {
      if (peer.state === state) {
        clearTimeout(timer);
        peer.off('state', listener);
        resolve();
      }
    };
    peer.on('state', listener);
  });
}

/** Seconds on the manual clock, as the scripted partner stamps its messages. */
export function secondsOf(clock: ManualClock): () => number {
  return () => nowSeconds(clock);
}

/** Returns CONNECT options as ISC dhcpd sends them (ISC-3), some replaced or removed by code. */
export function connectOptions(
  replace: Partial<Record<number, FailoverOption | null>> = {},
): FailoverOption[] {
  const options: FailoverOption[] = [
    option(OptionCode.RELATIONSHIP_NAME, RELATIONSHIP),
    option(OptionCode.MAX_UNACKED_BNDUPD, 10),
    option(OptionCode.RECEIVE_TIMER, 30),
    option(OptionCode.VENDOR_CLASS_IDENTIFIER, 'isc-4.4.3-P1'),
    option(OptionCode.PROTOCOL_VERSION, 1),
    option(OptionCode.TLS_REQUEST, 0),
    option(OptionCode.MCLT, 600),
    option(OptionCode.HASH_BUCKET_ASSIGNMENT, hashBucketAssignmentForSplit(128)),
  ];
  return options.flatMap((item) => {
    const replacement = replace[item.code];
    if (replacement === undefined) {
      return [item];
    }

    return replacement === null ? [] : [replacement];
  });
}

/** Returns the options of an accepting CONNECTACK as ISC dhcpd sends it. */
export function connectackOptions(maxUnacked = 10, receiveTimer = 30): FailoverOption[] {
  return [
    option(OptionCode.RELATIONSHIP_NAME, RELATIONSHIP),
    option(OptionCode.MAX_UNACKED_BNDUPD, maxUnacked),
    option(OptionCode.RECEIVE_TIMER, receiveTimer),
    option(OptionCode.VENDOR_CLASS_IDENTIFIER, 'isc-4.4.3-P1'),
    option(OptionCode.PROTOCOL_VERSION, 1),
    option(OptionCode.TLS_REPLY, 0),
  ];
}

export function stateOptions(
  state: FailoverStateName,
  startup: boolean,
  startTimeOfState: number,
): FailoverOption[] {
  return [
    option(OptionCode.SERVER_STATE, ServerState[state]),
    option(OptionCode.SERVER_FLAGS, startup ? 1 : 0),
    option(OptionCode.START_TIME_OF_STATE, startTimeOfState),
  ];
}
