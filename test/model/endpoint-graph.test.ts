// Structure of the endpoint machine: every state reachable for each role (generated paths run
// against a live actor), no timers or invoked actors inside, and every transition tied to rules
// that exist in the spec's rule table.

import { describe, expect, it } from 'vitest';
import { createActor, type AnyStateNode } from 'xstate';
import { createTestModel, getShortestPaths } from 'xstate/graph';
import {
  endpointMachine,
  permissionsOf,
  serverStateToSend,
  stateNames,
} from '../../model/endpoint.js';
import type {
  EndpointEvent,
  EndpointInput,
  Role,
  StatePermissions,
} from '../../model/endpoint-types.js';
import type { FailoverStateName } from '../../src/wire/codes.js';
import { sharedAvailable } from '../helpers/shared-dir.js';
import { freshInput, knownRuleIds, partnerState } from './endpoint-harness.js';

const partnerStates: FailoverStateName[] = [
  'NORMAL',
  'COMMUNICATIONS-INTERRUPTED',
  'PARTNER-DOWN',
  'POTENTIAL-CONFLICT',
  'RESOLUTION-INTERRUPTED',
  'CONFLICT-DONE',
  'RECOVER',
  'RECOVER-WAIT',
  'RECOVER-DONE',
  'PAUSED',
  'SHUTDOWN',
];

/** Every event type, with STATEs from partners with and without a history. */
const events: EndpointEvent[] = [
  ...partnerStates.map((state) => partnerState(state, { partnerHasHistory: false })),
  partnerState('RECOVER', { partnerHasHistory: true }),
  partnerState('PARTNER-DOWN', { startup: true }),
  { type: 'COMMUNICATIONS_FAILED' },
  { type: 'STARTUP_EXPIRED' },
  { type: 'UPDDONE' },
  { type: 'MCLT_EXPIRED' },
  { type: 'SAFE_PERIOD_EXPIRED' },
  { type: 'PARTNER_DOWN', since: 1_500 },
  { type: 'PAUSE' },
  { type: 'SHUTDOWN' },
];

/** Permissions per state from the spec's table of state permissions, the same for both roles. */
const expectedPermissions: Record<FailoverStateName, StatePermissions> = (() => {
  const none = { clientService: 'none', allocateFrom: 'none', sendsUpdates: false } as const;
  const all = { clientService: 'all', allocateFrom: 'own-pool', sendsUpdates: true } as const;

  return {
    STARTUP: { ...none, communicatesWithPartner: true },
    NORMAL: {
      clientService: 'balanced',
      allocateFrom: 'own-pool',
      sendsUpdates: true,
      communicatesWithPartner: true,
    },
    'COMMUNICATIONS-INTERRUPTED': { ...all, communicatesWithPartner: true },
    'PARTNER-DOWN': {
      clientService: 'all',
      allocateFrom: 'own-pool-then-all-after-mclt',
      sendsUpdates: true,
      communicatesWithPartner: true,
    },
    'POTENTIAL-CONFLICT': { ...none, communicatesWithPartner: true },
    RECOVER: { ...none, communicatesWithPartner: true },
    'RECOVER-WAIT': { ...none, communicatesWithPartner: true },
    'RECOVER-DONE': {
      clientService: 'renew-only',
      allocateFrom: 'none',
      sendsUpdates: true,
      communicatesWithPartner: true,
    },
    'RESOLUTION-INTERRUPTED': { ...all, communicatesWithPartner: true },
    'CONFLICT-DONE': { ...all, communicatesWithPartner: true },
    PAUSED: { ...none, communicatesWithPartner: false },
    SHUTDOWN: { ...none, communicatesWithPartner: false },
  };
})();

function reachableStates(input: EndpointInput): Set<string> {
  const paths = getShortestPaths(endpointMachine, { input, events });

  return new Set(paths.map((path) => path.state.value));
}

function describeEvent(event: EndpointEvent): string {
  if (event.type !== 'PARTNER_STATE') {
    return event.type;
  }

  const flags = `${event.startup ? ' S=1' : ''}${event.partnerHasHistory ? ' history' : ''}`;

  return `STATE(${event.state}${flags})`;
}

const everyState = [...stateNames].sort();

describe('endpoint machine graph', () => {
  it('reaches all twelve states as a primary from a first start', () => {
    expect([...reachableStates(freshInput('primary'))].sort()).toEqual(everyState);
  });

  it('reaches every state but CONFLICT-DONE as a secondary from a first start (FO-9.12.1-a)', () => {
    const reached = reachableStates(freshInput('secondary'));

    expect([...reached].sort()).toEqual(everyState.filter((state) => state !== 'CONFLICT-DONE'));
  });

  it('never enters CONFLICT-DONE as a secondary from any recorded state (FO-9.12.1-a)', () => {
    for (const previousState of stateNames.filter((state) => state !== 'CONFLICT-DONE')) {
      const reached = reachableStates(freshInput('secondary', { previousState }));

      expect(reached.has('CONFLICT-DONE'), `previous state ${previousState}`).toBe(false);
    }
  });
});

const roles: Role[] = ['primary', 'secondary'];

describe.each(roles)('endpoint model paths as %s', (role) => {
  const input = freshInput(role);
  const model = createTestModel(endpointMachine, { input, events });
  // Full snapshots (value and context) separate states that differ only in context, such as
  // RECOVER with and without a partner history. The shortest path per state value is tested.
  const paths = model
    .getShortestPaths({ allowDuplicatePaths: true })
    .sort((a, b) => a.steps.length - b.steps.length)
    .filter(
      (path, index, all) => all.findIndex((p) => p.state.value === path.state.value) === index,
    );

  for (const path of paths) {
    const route = path.steps.slice(1).map((step) => describeEvent(step.event));
    const title = `reaches ${path.state.value} by ${route.join(' → ') || 'starting'}`;

    it(title, async () => {
      const actor = createActor(endpointMachine, { input }).start();
      const send = ({ event }: { event: EndpointEvent }) => void actor.send(event);

      await path.test({
        states: {
          '*': (expected) => {
            const actual = actor.getSnapshot();
            expect(actual.value).toBe(expected.value);
            expect(permissionsOf(actual.value)).toEqual(expectedPermissions[actual.value]);
            expect(serverStateToSend(actual).startup).toBe(actual.value === 'STARTUP');
          },
        },
        events: Object.fromEntries(events.map((event) => [event.type, send])),
      });
    });
  }

  it('generates one path per reachable state', () => {
    expect(paths).toHaveLength(role === 'primary' ? 12 : 11);
  });
});

function allStateNodes(): AnyStateNode[] {
  return Object.values(endpointMachine.root.states);
}

function allTransitions() {
  return allStateNodes().flatMap((node) =>
    [...node.transitions.values()].flat().map((transition) => ({ node, transition })),
  );
}

function configKeys(value: unknown, keys: Set<string> = new Set()): Set<string> {
  if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      keys.add(key);
      configKeys(child, keys);
    }
  }

  return keys;
}

describe('endpoint machine structure', () => {
  it('has the twelve spec states as flat top-level states', () => {
    expect(Object.keys(endpointMachine.root.states).sort()).toEqual(everyState);
    for (const node of allStateNodes()) {
      expect(node.type, node.key).toBe('atomic');
    }
  });

  it('contains no delayed transition and no invoked actor', () => {
    const keys = configKeys(endpointMachine.config);

    expect(keys.has('after')).toBe(false);
    expect(keys.has('invoke')).toBe(false);
    expect(keys.has('always')).toBe(false);
    for (const node of allStateNodes()) {
      expect(node.after, node.key).toEqual([]);
      expect(node.invoke, node.key).toEqual([]);
    }
  });

  it('gives every state a doc block and permissions in its meta', () => {
    for (const node of allStateNodes()) {
      const meta = node.meta as { doc?: unknown } | undefined;
      expect(typeof meta?.doc, node.key).toBe('string');
      expect(permissionsOf(node.key as FailoverStateName)).toEqual(
        expectedPermissions[node.key as FailoverStateName],
      );
    }
  });

  it('cites at least one rule ID on every transition', () => {
    for (const { node, transition } of allTransitions()) {
      const rules = (transition.meta as { rules?: unknown } | undefined)?.rules;
      expect(
        Array.isArray(rules) && rules.length > 0,
        `${node.key} on ${transition.eventType}`,
      ).toBe(true);
    }
  });

  it.skipIf(!sharedAvailable)('cites only rule IDs listed in the spec rule table', () => {
    const known = knownRuleIds();
    const cited = new Set(
      allTransitions().flatMap(({ transition }) => (transition.meta as { rules: string[] }).rules),
    );

    expect([...cited].filter((id) => !known.has(id))).toEqual([]);
    expect(cited.size).toBeGreaterThan(40);
  });

  it.skipIf(!sharedAvailable)('cites only listed rule IDs in the state doc blocks', () => {
    const known = knownRuleIds();
    const cited = allStateNodes().flatMap(
      (node) =>
        (node.meta as { doc: string }).doc.match(/\b(?:FO|E|ISC|MSF|AMB|OBS)-[\w.-]*\w/g) ?? [],
    );

    expect(cited.filter((id) => !known.has(id))).toEqual([]);
  });
});
