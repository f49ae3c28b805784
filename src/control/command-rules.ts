// The failover states that take each operator command, read from the endpoint machine itself. A
// state takes a command when it has a transition for the command's event, and that transition's
// `meta.rules` names the rules. The control socket rejects the command in every other state.

import { endpointMachine } from '../../model/endpoint.js';
import { stateNames } from '../../model/state-permissions.js';
import type { FailoverStateName } from '../wire/codes.js';

/** Machine events that operator commands send. */
export type OperatorEvent = 'PARTNER_DOWN' | 'PAUSE' | 'SHUTDOWN';

/** Returns, for each state with a transition on `event`, the rules of that transition. */
export function statesAccepting(event: OperatorEvent): Map<FailoverStateName, string[]> {
  const accepting = new Map<FailoverStateName, string[]>();
  for (const state of stateNames) {
    const transitions = endpointMachine.root.states[state]?.transitions.get(event);
    if (transitions === undefined || transitions.length === 0) {
      continue;
    }

    accepting.set(
      state,
      transitions.flatMap((transition) => rulesOf(transition.meta)),
    );
  }

  return accepting;
}

function rulesOf(meta: unknown): string[] {
  if (typeof meta !== 'object' || meta === null || !('rules' in meta)) {
    return [];
  }

  const rules = meta.rules;
  return Array.isArray(rules)
    ? rules.filter((rule): rule is string => typeof rule === 'string')
    : [];
}

/** Rules saying how a halted state is left: only by a restart. */
export const RESTART_RULES: Partial<Record<FailoverStateName, string>> = {
  PAUSED: 'FO-9.13.2-a',
  SHUTDOWN: 'FO-9.14.3-a',
};
