// Structure of the binding-status machine: every binding-status reachable for both roles through
// generated paths, no timers or invoked actors inside, every row T1 to T14 present, and every
// transition tied to rules that exist in the spec's rule table.

import { describe, expect, it } from 'vitest';
import type { AnyStateNode } from 'xstate';
import { getShortestPaths } from 'xstate/graph';
import type { Role } from '../../../model/endpoint-types.js';
import { bindingStatusMachine } from '../../../model/lease/binding-status-machine.js';
import { bindingStatusNames } from '../../../model/lease/lease-transitions.js';
import type { LeaseEvent, LeaseInput } from '../../../model/lease/lease-types.js';
import { sharedAvailable } from '../../helpers/shared-dir.js';
import { knownRuleIds } from '../endpoint-harness.js';
import { MCLT, NOW, at } from './lease-harness.js';

/** Events a server meets over a lease's life, with fixed times so the graph stays finite. */
const events: LeaseEvent[] = [
  { type: 'ALLOCATE', client: 'client-a', leaseExpirationTime: NOW + MCLT, ...at('NORMAL') },
  { type: 'LEASE_EXPIRED', ...at('NORMAL', NOW + MCLT) },
  { type: 'RELEASE', client: 'client-a', ...at('NORMAL') },
  { type: 'DECLINE', ...at('NORMAL') },
  { type: 'OPERATOR_RESET', ...at('NORMAL') },
  { type: 'LEND_TO_SECONDARY', ...at('NORMAL') },
  { type: 'RECLAIM', ...at('NORMAL') },
  { type: 'BNDUPD_SENT', ...at('NORMAL') },
  { type: 'BNDACK_RECEIVED', bindingStatus: 'RELEASED', ...at('NORMAL') },
  { type: 'BNDUPD_RECEIVED', update: { bindingStatus: 'BACKUP' }, ...at('NORMAL') },
];

function reachedStatuses(input: LeaseInput): string[] {
  const paths = getShortestPaths(bindingStatusMachine, { input, events });

  return [...new Set(paths.map((path) => path.state.value))].sort();
}

const roles: Role[] = ['primary', 'secondary'];

describe('binding-status machine graph', () => {
  it.each(roles)('reaches all seven binding-statuses as a %s', (role) => {
    const reached = reachedStatuses({ role, address: '10.0.0.5', mclt: MCLT });

    expect(reached).toEqual([...bindingStatusNames].sort());
  });
});

function allStateNodes(): AnyStateNode[] {
  return Object.values(bindingStatusMachine.root.states);
}

function allTransitions() {
  return allStateNodes().flatMap((node) =>
    [...node.transitions.values()].flat().map((transition) => ({ node, transition })),
  );
}

function metaOf(meta: unknown): { rules: string[]; row?: string } {
  const value = meta as { rules?: unknown; row?: unknown } | undefined;
  const rules = Array.isArray(value?.rules) ? value.rules.map(String) : [];

  return typeof value?.row === 'string' ? { rules, row: value.row } : { rules };
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

describe('binding-status machine structure', () => {
  it('has the seven binding-statuses as flat states, starting in FREE (FO-5.16-c)', () => {
    expect(Object.keys(bindingStatusMachine.root.states)).toEqual([...bindingStatusNames]);
    expect(bindingStatusMachine.root.initial.target[0]?.key).toBe('FREE');
    for (const node of allStateNodes()) {
      expect(node.type, node.key).toBe('atomic');
      expect(typeof (node.meta as { doc?: unknown } | undefined)?.doc, node.key).toBe('string');
    }
  });

  it('contains no delayed transition, invoked actor or eventless transition', () => {
    const keys = configKeys(bindingStatusMachine.config);

    expect(keys.has('after')).toBe(false);
    expect(keys.has('invoke')).toBe(false);
    expect(keys.has('always')).toBe(false);
  });

  it('implements every row T1 to T14 of the binding-status transition table', () => {
    const rows = new Set(
      allTransitions().flatMap(({ transition }) => metaOf(transition.meta).row ?? []),
    );

    expect([...rows].sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)))).toEqual(
      Array.from({ length: 14 }, (_, index) => `T${index + 1}`),
    );
  });

  it('cites at least one rule ID on every transition', () => {
    for (const { node, transition } of allTransitions()) {
      expect(
        metaOf(transition.meta).rules.length,
        `${node.key} on ${transition.eventType}`,
      ).toBeGreaterThan(0);
    }
  });

  it.skipIf(!sharedAvailable)('cites only rule IDs listed in the spec rule table', () => {
    const known = knownRuleIds();
    const cited = new Set(
      allTransitions().flatMap(({ transition }) => metaOf(transition.meta).rules),
    );

    expect([...cited].filter((id) => !known.has(id))).toEqual([]);
    expect(cited.size).toBeGreaterThan(30);
  });

  it.skipIf(!sharedAvailable)('cites only listed rule IDs in the binding-status doc blocks', () => {
    const known = knownRuleIds();
    const cited = allStateNodes().flatMap(
      (node) =>
        (node.meta as { doc: string }).doc.match(/\b(?:FO|E|ISC|MSF|AMB|OBS)-[\w.-]*\w/g) ?? [],
    );

    expect(cited.filter((id) => !known.has(id))).toEqual([]);
  });
});
