// The reaction matrix (my state × partner state) for both roles, transcribed here from the spec
// independently of the model's own table. STARTUP is checked against the same table, because it
// resumes the previous state and then applies that state's row in one step.

import { describe, expect, it } from 'vitest';
import type { Role } from '../../model/endpoint-types.js';
import type { FailoverStateName } from '../../src/wire/codes.js';
import {
  endpointIn,
  freshInput,
  partnerState,
  startEndpoint,
  stateOf,
} from './endpoint-harness.js';

/** `request` = stay and send UPDREQ or UPDREQALL; `secondary-request` = a secondary sends UPDREQ. */
type Outcome = FailoverStateName | 'stay' | 'request' | 'secondary-request';

const columns = [
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
] as const satisfies readonly FailoverStateName[];

const CI = 'COMMUNICATIONS-INTERRUPTED';
const PC = 'POTENTIAL-CONFLICT';
const PD = 'PARTNER-DOWN';
const stay = 'stay';
const request = 'request';

const matrix: Record<string, Outcome[]> = {
  NORMAL: [stay, 'NORMAL', PC, PC, PC, PC, CI, CI, 'NORMAL', CI, PD],
  [CI]: ['NORMAL', 'NORMAL', PC, PC, PC, PC, stay, stay, 'NORMAL', stay, PD],
  [PD]: [PC, PC, PC, PC, PC, PC, stay, stay, 'NORMAL', stay, stay],
  RECOVER: [request, request, request, PC, PC, PC, request, request, request, request, request],
  'RECOVER-WAIT': Array<Outcome>(11).fill(stay),
  'RECOVER-DONE': ['NORMAL', stay, stay, stay, stay, stay, stay, stay, 'NORMAL', stay, stay],
  [PC]: [stay, stay, stay, stay, stay, 'secondary-request', stay, stay, stay, stay, stay],
  'RESOLUTION-INTERRUPTED': Array<Outcome>(11).fill(PC),
  'CONFLICT-DONE': ['NORMAL', stay, stay, stay, stay, stay, stay, stay, stay, stay, stay],
  PAUSED: Array<Outcome>(11).fill(stay),
  SHUTDOWN: Array<Outcome>(11).fill(stay),
};

function outcomeOf(mine: string, partner: FailoverStateName): Outcome {
  const outcome = matrix[mine]?.[columns.indexOf(partner as (typeof columns)[number])];
  if (outcome === undefined) {
    throw new Error(`no matrix cell for ${mine} and partner ${partner}`);
  }

  return outcome;
}

const roles: Role[] = ['primary', 'secondary'];

const cells = roles.flatMap((role) =>
  Object.keys(matrix).flatMap((mine) =>
    columns.map((partner) => ({ role, mine, partner, outcome: outcomeOf(mine, partner) })),
  ),
);

describe('endpoint reaction matrix', () => {
  it.each(cells)(
    '$role in $mine, partner $partner: $outcome',
    ({ role, mine, partner, outcome }) => {
      const endpoint = endpointIn(mine as FailoverStateName, role);

      endpoint.actor.send(partnerState(partner));
      const emitted = endpoint.emitted;

      switch (outcome) {
        case 'stay':
          expect(stateOf(endpoint)).toBe(mine);
          expect(emitted).toEqual([]);
          break;
        case 'request':
          expect(stateOf(endpoint)).toBe(mine);
          expect(emitted).toEqual([{ type: 'SEND_UPDREQALL' }]);
          break;
        case 'secondary-request':
          expect(stateOf(endpoint)).toBe(mine);
          expect(emitted).toEqual(role === 'secondary' ? [{ type: 'SEND_UPDREQ' }] : []);
          break;
        default:
          expect(stateOf(endpoint)).toBe(outcome);
          expect(emitted).toContainEqual({ type: 'SEND_STATE', state: outcome, startup: false });
      }
    },
  );

  it('ignores a STATE with the STARTUP flag while in PARTNER-DOWN (FO-9.4.3-a)', () => {
    for (const partner of columns) {
      const endpoint = endpointIn('PARTNER-DOWN', 'primary');

      endpoint.actor.send(partnerState(partner, { startup: true }));

      expect(stateOf(endpoint)).toBe('PARTNER-DOWN');
      expect(endpoint.emitted).toEqual([]);
    }
  });

  it('records the partner state and start time from every STATE (FO-9.2-d)', () => {
    const endpoint = endpointIn('RECOVER-WAIT', 'secondary');

    endpoint.actor.send(partnerState('PARTNER-DOWN', { startTimeOfState: 4_242, startup: true }));

    expect(endpoint.actor.getSnapshot().context.partner).toEqual({
      state: 'PARTNER-DOWN',
      startup: true,
      startTimeOfState: 4_242,
      hasHistory: true,
    });
  });

  it('sends STATE again when NORMAL passes through COMMUNICATIONS-INTERRUPTED (FO-9.2-d)', () => {
    const endpoint = endpointIn('NORMAL', 'primary');

    endpoint.actor.send(partnerState('COMMUNICATIONS-INTERRUPTED'));

    expect(endpoint.takeEmitted()).toEqual(['SEND_STATE', 'SEND_PENDING_UPDATES']);
  });
});

/** FO-9.3.2-a and FO-9.3.2-c: the state a restart resumes. */
function resumedState(previous: FailoverStateName | undefined): FailoverStateName {
  if (previous === undefined) {
    return 'RECOVER';
  }
  if (previous === 'NORMAL') {
    return CI;
  }

  return previous === PC ? 'RESOLUTION-INTERRUPTED' : previous;
}

const previousStates: (FailoverStateName | undefined)[] = [
  undefined,
  'NORMAL',
  CI,
  PD,
  PC,
  'RECOVER',
  'RECOVER-WAIT',
  'RECOVER-DONE',
  'RESOLUTION-INTERRUPTED',
  'CONFLICT-DONE',
];

/** Partner STOS 2000 is later than our last operating time 1000: PARTNER-DOWN means RECOVER. */
function startupOutcome(previous: FailoverStateName | undefined, partner: FailoverStateName) {
  if (partner === PD) {
    return { state: 'RECOVER', request: true };
  }

  const resumed = resumedState(previous);
  const outcome = outcomeOf(resumed, partner);
  if (outcome === 'stay' || outcome === 'request') {
    return { state: resumed, request: resumed === 'RECOVER' };
  }

  return { state: outcome, request: false };
}

const startupCells = previousStates.flatMap((previous) =>
  columns.map((partner) => ({
    previous: previous ?? 'none',
    previousState: previous,
    partner,
    expected: startupOutcome(previous, partner),
  })),
);

describe('endpoint STARTUP on the first STATE', () => {
  it.each(startupCells)(
    'previous $previous, partner $partner: $expected.state (FO-9.3.2-f)',
    ({ previousState, partner, expected }) => {
      const endpoint = startEndpoint(freshInput('primary', { previousState }));

      endpoint.actor.send(partnerState(partner));
      const emitted = endpoint.takeEmitted();

      expect(stateOf(endpoint)).toBe(expected.state);
      expect(emitted[0]).toBe('SEND_STATE');
      expect(emitted.filter((type) => type === 'SEND_STATE')).toHaveLength(1);
      expect(emitted.includes('SEND_UPDREQALL')).toBe(expected.request);
    },
  );

  it('enters POTENTIAL-CONFLICT for an older PARTNER-DOWN (FO-9.3.2-f)', () => {
    const endpoint = startEndpoint(freshInput('primary', { previousState: 'NORMAL' }));

    endpoint.actor.send(partnerState('PARTNER-DOWN', { startTimeOfState: 999 }));

    expect(stateOf(endpoint)).toBe('POTENTIAL-CONFLICT');
    expect(endpoint.takeEmitted()).toEqual(['SEND_STATE', 'SEND_UPDREQ']);
  });
});
