// The reaction matrix as the endpoint machine uses it: every row set covers each partner state a
// STATE can carry, since no state has a catch-all transition behind its rows, and a server-state
// STARTUP, which is never sent, moves nothing.

import { describe, expect, it } from 'vitest';
import { stateNames } from '../../model/endpoint.js';
import type { Role } from '../../model/endpoint-types.js';
import {
  partnerReactions,
  partnerStateNames,
  resumableStates,
  resumedStateOf,
} from '../../model/partner-reactions.js';
import type { FailoverStateName } from '../../src/wire/codes.js';
import { endpointIn, partnerState, stateOf } from './endpoint-harness.js';

const roles: Role[] = ['primary', 'secondary'];
const startupFlags = [false, true];

/** States whose PARTNER_STATE transitions are the matrix rows alone. */
const rowStates = stateNames.filter((state) => state !== 'STARTUP');

function rowMatches(
  state: FailoverStateName,
  partner: FailoverStateName,
  role: Role,
  startup: boolean,
): boolean {
  return partnerReactions[state].some(
    (reaction) =>
      reaction.partnerStates.includes(partner) &&
      (reaction.role === undefined || reaction.role === role) &&
      (reaction.startup === undefined || reaction.startup === startup),
  );
}

describe('partnerReactions', () => {
  it.each(rowStates)('covers every partner state, role and S bit in %s (FO-9.2-d)', (state) => {
    const uncovered = partnerStateNames.flatMap((partner) =>
      roles.flatMap((role) =>
        startupFlags
          .filter((startup) => !rowMatches(state, partner, role, startup))
          .map((startup) => `${partner} ${role} S=${startup ? 1 : 0}`),
      ),
    );

    expect(uncovered).toEqual([]);
  });

  it('resumes only states whose rows the first test covers (FO-9.3.2-c)', () => {
    for (const state of resumableStates) {
      expect(rowStates).toContain(state);
      expect(resumedStateOf(state)).toBe(state);
    }
  });
});

describe('server-state STARTUP in a PARTNER_STATE', () => {
  it.each(stateNames)('moves and records nothing in %s (FO-12.24-a)', (state) => {
    const endpoint = endpointIn(state, 'primary');
    const before = endpoint.actor.getSnapshot().context.partner;

    endpoint.actor.send(partnerState('STARTUP'));

    expect(stateOf(endpoint)).toBe(state);
    expect(endpoint.actor.getSnapshot().context.partner).toEqual(before);
    expect(endpoint.takeEmitted()).toEqual([]);
  });
});
