import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { RelationshipConfig } from '../../src/config/types.js';
import { sampleActiveBindings } from '../../src/endpoint/sample-bindings.js';
import { ManualClock, nowSeconds } from '../../src/peer/timers.js';
import { openLeaseStore } from '../../src/store/sqlite-store.js';
import type { StoredBinding } from '../../src/store/types.js';
import {
  POOL,
  RELATIONSHIP,
  startTestPeer,
  temporaryDirectory,
  testConfig,
  waitForState,
  type StartedPeer,
} from '../peer/peer-fixtures.js';

interface Pair {
  primary: StartedPeer;
  secondary: StartedPeer;
  primaryConfig: RelationshipConfig;
  secondaryConfig: RelationshipConfig;
}

async function startPair(
  directory: string,
  clock: ManualClock,
  overrides: Record<string, unknown> = {},
  listenPort = 0,
): Promise<Pair> {
  const secondaryConfig = testConfig('secondary', join(directory, 'secondary.db'), {
    ...overrides,
    local: { address: '127.0.0.1', port: listenPort },
  });
  const secondary = await startTestPeer(secondaryConfig, clock);
  const primaryConfig = testConfig('primary', join(directory, 'primary.db'), {
    ...overrides,
    peer: { address: '127.0.0.1', port: secondary.peer.listeningPort },
  });
  const primary = await startTestPeer(primaryConfig, clock);
  return { primary, secondary, primaryConfig, secondaryConfig };
}

function seedPrimary(directory: string, count: number, clock: ManualClock): StoredBinding[] {
  const bindings = sampleActiveBindings(count, POOL.start, nowSeconds(clock));
  const store = openLeaseStore(join(directory, 'primary.db'));
  store.putBindings(bindings);
  store.close();
  return bindings;
}

async function bothNormal(pair: Pair): Promise<void> {
  await Promise.all([
    waitForState(pair.primary.peer, 'NORMAL'),
    waitForState(pair.secondary.peer, 'NORMAL'),
  ]);
}

describe('primary and secondary over loopback', () => {
  it('reach NORMAL from fresh stores and copy every binding field by field', async () => {
    const directory = temporaryDirectory();
    const clock = new ManualClock();
    const seeded = seedPrimary(directory, 50, clock);
    const pair = await startPair(directory, clock);

    await bothNormal(pair);

    for (const original of seeded) {
      const sent = pair.primary.peer.store.getBinding(original.address);
      const copy = pair.secondary.peer.store.getBinding(original.address);
      expect(copy?.bindingStatus).toBe(original.bindingStatus);
      expect(copy?.ipFlags).toBe(original.ipFlags);
      expect(copy?.clientIdentifier).toEqual(original.clientIdentifier);
      expect(copy?.clientHardwareAddress).toEqual(original.clientHardwareAddress);
      expect(copy?.leaseExpirationTime).toBe(original.leaseExpirationTime);
      expect(copy?.startTimeOfState).toBe(original.startTimeOfState);
      expect(copy?.clientLastTransactionTime).toBe(original.clientLastTransactionTime);
      expect(copy?.receivedPet).toBe(sent?.sentPet);
      expect(copy?.pendingUpdate).toBe(false);
      expect(sent?.pendingUpdate).toBe(false);
      expect(sent?.ackedPet).toBe(sent?.sentPet);
    }
    expect(pair.secondary.peer.store.countBindings()).toBe(50);
  });

  it('reach NORMAL with four transactions per BNDUPD (FO-6.3-a)', async () => {
    const directory = temporaryDirectory();
    const clock = new ManualClock();
    seedPrimary(directory, 30, clock);
    const pair = await startPair(directory, clock, { updatesPerMessage: 4 });

    await bothNormal(pair);

    expect(pair.secondary.peer.store.countBindings()).toBe(30);
    expect(pair.primary.peer.statistics.bindingsSent).toBe(30);
    expect(pair.primary.peer.statistics.messagesSent).toBeLessThan(30);
  });

  it('record NORMAL and the adopted MCLT in stable storage (FO-9.2-a, FO-7.8.2-h)', async () => {
    const directory = temporaryDirectory();
    const clock = new ManualClock();
    const pair = await startPair(directory, clock, { mclt: 900 });

    await bothNormal(pair);
    const record = pair.secondary.peer.store.readEndpoint(RELATIONSHIP);

    expect(record?.state).toBe('NORMAL');
    expect(record?.mclt).toBe(900);
    expect(record?.hasSyncedBefore).toBe(true);
    expect(pair.primary.log.withEvent('state.change').at(-1)?.['to']).toBe('NORMAL');
  });

  it('log each state change once with from, to, trigger and rules', async () => {
    const directory = temporaryDirectory();
    const clock = new ManualClock();
    const pair = await startPair(directory, clock);

    await bothNormal(pair);
    const changes = pair.secondary.log.withEvent('state.change').slice(1);

    expect(changes.map((line) => line['to'])).toContain('RECOVER');
    for (const line of changes) {
      expect(line['from']).toBeTypeOf('string');
      expect(line['trigger']).toBeTypeOf('string');
      expect(Array.isArray(line['rules'])).toBe(true);
      expect(line['startTimeOfState']).toBe(nowSeconds(clock));
      expect(line['relationship']).toBe(RELATIONSHIP);
      expect(line['role']).toBe('secondary');
    }
  });

  it('resume from the stored state after a restart, without a resync (FO-9.2-e, FO-9.3.2-c)', async () => {
    const directory = temporaryDirectory();
    const clock = new ManualClock();
    seedPrimary(directory, 20, clock);
    const first = await startPair(directory, clock);
    await bothNormal(first);
    const port = first.secondary.peer.listeningPort ?? 0;
    await first.primary.peer.stop();
    await first.secondary.peer.stop();

    clock.advance(60_000);
    const restarted = await startPair(directory, clock, {}, port);
    await bothNormal(restarted);

    expect(restarted.primary.peer.statistics.bindingsSent).toBe(0);
    expect(restarted.secondary.peer.store.countBindings()).toBe(20);
    expect(restarted.secondary.log.withEvent('state.change')[0]?.['to']).toBe('STARTUP');
  });

  it('resume COMMUNICATIONS-INTERRUPTED alone when STARTUP ends without a partner (FO-9.3.2-g)', async () => {
    const directory = temporaryDirectory();
    const clock = new ManualClock();
    const first = await startPair(directory, clock);
    await bothNormal(first);
    await first.primary.peer.stop();
    await first.secondary.peer.stop();

    const alone = await startTestPeer(first.secondaryConfig, clock);
    clock.advance(5_000);

    expect(alone.peer.state).toBe('COMMUNICATIONS-INTERRUPTED');
    expect(alone.peer.store.readEndpoint(RELATIONSHIP)?.state).toBe('COMMUNICATIONS-INTERRUPTED');
  });
});
