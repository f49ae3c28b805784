// Which transitions the machines themselves can ever take, so a transition the runtime never takes
// is distinguished from one no runtime could take. The connection and update-flow machines are
// explored breadth first from their initial snapshots. The endpoint machine has too many contexts
// for that, so each state is tried against every combination of the context fields its guards read
// and every event: a transition that no combination enables is shadowed by earlier ones or guarded
// out, and no run can take it.

import {
  initialTransition,
  transition,
  type AnyEventObject,
  type AnyMachineSnapshot,
  type AnyStateMachine,
} from 'xstate';
import type { ConnectionEvent } from '../../../model/connection-types.js';
import type { EndpointEvent } from '../../../model/endpoint-types.js';
import type { UpdateFlowEvent } from '../../../model/update-flow.js';
import { partnerStateNames } from '../../../model/partner-reactions.js';
import { stateNames } from '../../../model/state-permissions.js';
import type { FailoverStateName } from '../../../src/wire/codes.js';
import { machines, transitionIdOf, type TransitionDefinitionLike } from './transition-list.js';

const LAST_OPERATING_TIME = 1000;

/** Events with representative parameters; the machines' guards read nothing else. */
const connectionEvents: ConnectionEvent[] = [
  { type: 'START' },
  { type: 'STOP' },
  { type: 'SOCKET_CONNECTED' },
  { type: 'SOCKET_FAILED' },
  { type: 'SOCKET_ACCEPTED' },
  { type: 'SOCKET_CLOSED' },
  { type: 'CONNECT_RECEIVED' },
  { type: 'CONNECT_RECEIVED', rejectReason: 1 },
  { type: 'CONNECTACK_RECEIVED' },
  { type: 'CONNECTACK_RECEIVED', rejectReason: 1, rejectedBy: 'us' },
  { type: 'CONNECTACK_RECEIVED', rejectReason: 1, rejectedBy: 'partner' },
  { type: 'UNEXPECTED_MESSAGE' },
  { type: 'STATE_RECEIVED' },
  { type: 'DISCONNECT_RECEIVED' },
  { type: 'CLOSE', rejectReason: 0 },
  { type: 'CONNECT_WAIT_EXPIRED' },
  { type: 'RETRY_EXPIRED' },
  { type: 'TSEND_EXPIRED' },
  { type: 'TRECEIVE_EXPIRED' },
];

const updateFlowEvents: UpdateFlowEvent[] = [
  { type: 'CONNECTED', window: 2 },
  { type: 'CONNECTION_LOST' },
  ...[1, 2, 3].flatMap((xid) => [
    { type: 'BNDUPD_SENT' as const, xid },
    { type: 'BNDACK' as const, xid },
  ]),
  { type: 'UPDREQ', xid: 9 },
  { type: 'UPDREQALL', xid: 9 },
  { type: 'COUNTED', total: 0 },
  { type: 'COUNTED', total: 1 },
  { type: 'ANSWERED', count: 1 },
  { type: 'PUMP_FINISHED' },
];

/** The endpoint events that carry nothing but their type. */
export const parameterlessEndpointEvents: readonly EndpointEvent[] = [
  { type: 'CONNECTED' },
  { type: 'COMMUNICATIONS_FAILED' },
  { type: 'STARTUP_EXPIRED' },
  { type: 'UPDDONE' },
  { type: 'MCLT_EXPIRED' },
  { type: 'SAFE_PERIOD_EXPIRED' },
  { type: 'PARTNER_DOWN' },
  { type: 'PAUSE' },
  { type: 'SHUTDOWN' },
];

function endpointEvents(): EndpointEvent[] {
  const partnerStates = partnerStateNames.flatMap((state) =>
    [false, true].flatMap((startup) =>
      [LAST_OPERATING_TIME - 1, LAST_OPERATING_TIME + 1].map((startTimeOfState): EndpointEvent => ({
        type: 'PARTNER_STATE',
        state,
        startup,
        startTimeOfState,
        partnerHasHistory: state !== 'RECOVER',
      })),
    ),
  );
  return [...partnerStates, ...parameterlessEndpointEvents];
}

function addEnabled(
  machine: AnyStateMachine,
  snapshot: AnyMachineSnapshot,
  event: AnyEventObject,
  into: Set<string>,
): void {
  for (const definition of machine.getTransitionData(snapshot, event)) {
    // The definitions XState returns have the fields TransitionDefinitionLike names.
    const id = transitionIdOf(definition as unknown as TransitionDefinitionLike);
    if (id !== undefined) {
      into.add(id);
    }
  }
}

/** Explores every snapshot reachable from the initial ones with `events`. */
function explore(
  machine: AnyStateMachine,
  inputs: readonly unknown[],
  events: readonly AnyEventObject[],
): Set<string> {
  const enabled = new Set<string>();
  const seen = new Set<string>();
  const queue: AnyMachineSnapshot[] = inputs.map(
    (input) => initialTransition(machine, input)[0] as AnyMachineSnapshot,
  );
  for (let snapshot = queue.shift(); snapshot !== undefined; snapshot = queue.shift()) {
    const key = JSON.stringify([snapshot.value, snapshot.context]);
    if (seen.has(key) || snapshot.status !== 'active') {
      continue;
    }

    seen.add(key);
    for (const event of events) {
      addEnabled(machine, snapshot, event, enabled);
      queue.push(transition(machine, snapshot, event)[0] as AnyMachineSnapshot);
    }
  }

  return enabled;
}

function* endpointContexts(): Generator<Record<string, unknown>> {
  const previousStates: FailoverStateName[] = [...stateNames];
  for (const role of ['primary', 'secondary']) {
    for (const previousState of previousStates) {
      for (const startupExpiry of [
        'previous-state',
        'keep-waiting',
        'partner-down',
        'serve-without-history',
      ]) {
        for (const hasSyncedBefore of [false, true]) {
          for (const hasHistory of [undefined, false, true]) {
            for (const noStateRecorded of [false, true]) {
              yield {
                role,
                previousState,
                noStateRecorded,
                partner:
                  hasHistory === undefined
                    ? undefined
                    : { state: 'NORMAL', startup: false, startTimeOfState: 0, hasHistory },
                connected: true,
                communicationsOk: true,
                hasSyncedBefore,
                storageLost: false,
                lastOperatingTime: LAST_OPERATING_TIME,
                updateRequested: false,
                partnerDownSince: undefined,
                startupExpiry,
              };
            }
          }
        }
      }
    }
  }
}

/** Endpoint transitions some context and event enable, state by state. */
function endpointEnabled(): Set<string> {
  const machine = machines.endpoint;
  const enabled = new Set<string>();
  const events = endpointEvents();
  for (const value of stateNames) {
    for (const context of endpointContexts()) {
      const snapshot = machine.resolveState({ value, context });
      for (const event of events) {
        addEnabled(machine, snapshot, event, enabled);
      }
    }
  }

  return enabled;
}

/** Ids of the transitions the machines can take at all. */
export function modelReachableTransitions(): Set<string> {
  const roles = [{ role: 'primary' }, { role: 'secondary' }];
  return new Set([
    ...explore(machines.connection, roles, connectionEvents),
    ...explore(machines['update-flow'], [undefined], updateFlowEvents),
    ...endpointEnabled(),
  ]);
}
