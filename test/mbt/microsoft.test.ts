// The microsoft profile on the model-based harness. Two real peers with a shared secret and a
// manual clock go from a first start to NORMAL. The test checks each peer's endpoint transitions
// against the endpoint machine and compares the leases on both sides. A lone peer shows the
// profile's STARTUP expiry policy.

import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { initialTransition, transition, type InspectionEvent } from 'xstate';
import { endpointMachine } from '../../model/endpoint.js';
import type { EndpointEvent, Role } from '../../model/endpoint-types.js';
import { startPeer, type Peer, type StateChange } from '../../src/endpoint/peer.js';
import { ManualClock } from '../../src/peer/timers.js';
import { microsoftConfig, seedPrimary } from '../microsoft/microsoft-fixtures.js';
import { temporaryDirectory, waitForState } from '../peer/peer-fixtures.js';
import { CoverageRecorder, recorder } from './coverage/recorder.js';
import { transitionIdOf, type TransitionDefinitionLike } from './coverage/transition-list.js';

const LEASES = 12;

interface ObservedPeer {
  peer: Peer;
  own: CoverageRecorder;
  changes: StateChange[];
}

async function startObserved(
  role: Role,
  directory: string,
  clock: ManualClock,
  overrides: Record<string, unknown>,
): Promise<ObservedPeer> {
  const own = new CoverageRecorder();
  const inspect = (event: InspectionEvent): void => {
    recorder.inspect(event);
    own.inspect(event);
  };
  const config = microsoftConfig(role, join(directory, `${role}.db`), overrides);
  const peer = await startPeer(config, { clock, inspect });
  onTestFinished(() => peer.stop());
  const changes: StateChange[] = [];
  peer.on('state', (change) => changes.push(change));
  return { peer, own, changes };
}

/** Returns the transitions the endpoint machine takes for `events` after a first start. */
function modelTransitions(role: Role, events: readonly EndpointEvent[]): string[] {
  let [snapshot] = initialTransition(endpointMachine, {
    role,
    previousState: undefined,
    lastOperatingTime: 0,
    hasSyncedBefore: false,
    storageLost: false,
    startupExpiry: 'serve-without-history',
  });
  const taken: string[] = [];
  for (const event of events) {
    const [definition] = endpointMachine.getTransitionData(snapshot, event);
    // XState's definitions have the fields TransitionDefinitionLike names.
    const id = definition && transitionIdOf(definition as unknown as TransitionDefinitionLike);
    taken.push(id ?? `${event.type} ignored`);
    [snapshot] = transition(endpointMachine, snapshot, event);
  }

  return taken;
}

const partnerRecovering: EndpointEvent = {
  type: 'PARTNER_STATE',
  state: 'RECOVER',
  startup: true,
  startTimeOfState: 0,
  partnerHasHistory: false,
};

describe('microsoft peer alone on the model-based harness', () => {
  it('serves in COMMUNICATIONS-INTERRUPTED when STARTUP ends on a first start (MSF-3.1.6.3-b)', async () => {
    const clock = new ManualClock();
    const secondary = await startObserved('secondary', temporaryDirectory(), clock, {});

    clock.advance(secondary.peer.config.startupSeconds * 1000);
    await waitForState(secondary.peer, 'COMMUNICATIONS-INTERRUPTED');
    const taken = secondary.own.steps
      .filter((step) => step.machine === 'endpoint')
      .map((step) => step.transitionId);

    expect(secondary.peer.config.startupExpiry).toBe('serve-without-history');
    expect(taken).toEqual(modelTransitions('secondary', [{ type: 'STARTUP_EXPIRED' }]));
    expect(taken).toEqual(['endpoint:STARTUP.STARTUP_EXPIRED[2]']);
  });
});

describe('microsoft pair on the model-based harness', () => {
  it('reaches NORMAL from a first start through RECOVER with every lease copied (FO-9.5.2-c, FO-9.7.2-a)', async () => {
    const directory = temporaryDirectory();
    const clock = new ManualClock();
    seedPrimary(directory, LEASES, clock);
    const secondary = await startObserved('secondary', directory, clock, {});
    const primary = await startObserved('primary', directory, clock, {
      peer: { address: '127.0.0.1', port: secondary.peer.listeningPort },
    });

    await Promise.all([
      waitForState(primary.peer, 'NORMAL'),
      waitForState(secondary.peer, 'NORMAL'),
    ]);

    const opening = modelTransitions('primary', [{ type: 'CONNECTED' }, partnerRecovering]);
    for (const observed of [primary, secondary]) {
      const taken = observed.own.steps
        .filter((step) => step.machine === 'endpoint')
        .map((step) => step.transitionId);
      const path = observed.changes.map((change) => change.to);

      expect(taken.slice(0, opening.length)).toEqual(opening);
      expect(taken.at(-1)).toBe('endpoint:RECOVER-DONE.PARTNER_STATE[0]');
      // UPDDONE leads to RECOVER-DONE when the partner's last STATE was RECOVER, else through
      // RECOVER-WAIT, which a first start leaves at once: its failure time is 0 (FO-9.6.2-a).
      expect([
        ['RECOVER', 'RECOVER-DONE', 'NORMAL'],
        ['RECOVER', 'RECOVER-WAIT', 'RECOVER-DONE', 'NORMAL'],
      ]).toContainEqual(path);
    }

    // Agreement after NORMAL: the secondary holds every lease the primary sent, and none is pending.
    expect(secondary.peer.store.countBindings()).toBe(LEASES);
    expect(primary.peer.store.countPending()).toBe(0);
    for (const sent of primary.peer.store.allBindings()) {
      const copy = secondary.peer.store.getBinding(sent.address);
      expect(copy?.bindingStatus).toBe(sent.bindingStatus);
      expect(copy?.leaseExpirationTime).toBe(sent.leaseExpirationTime);
    }
  });
});
