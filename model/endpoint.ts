// The failover endpoint state machine of draft-12 section 9 for one relationship, both roles.
// It is pure: timers arrive as events (STARTUP_EXPIRED, MCLT_EXPIRED, SAFE_PERIOD_EXPIRED) and
// every effect leaves as an emitted event (SEND_STATE, SEND_UPDREQ, ...), which the runtime
// carries out. Use it as `createActor(endpointMachine, { input })`.

import { assertEvent, assign, emit, enqueueActions, setup, type SnapshotFrom } from 'xstate';
import type { FailoverStateName } from '../src/wire/codes.js';
import type {
  EndpointEmitted,
  EndpointEvent,
  EndpointInput,
  Role,
  StartupExpiryPolicy,
} from './endpoint-types.js';
import {
  communicationsFailedTransition,
  connectedTransition,
  haltTransitions,
  partnerDownCommandTransition,
  partnerStateTransitions,
  startupExpiredTransitions,
  startupPartnerStateTransitions,
  type EndpointTransition,
  type PartnerMatch,
  type TransitionMeta,
} from './endpoint-transitions.js';
import { resumedStateOf } from './partner-reactions.js';
import { stateMeta, type EndpointStateMeta } from './state-permissions.js';

export { permissionsOf, stateNames } from './state-permissions.js';
export type { EndpointStateMeta } from './state-permissions.js';
export type { TransitionMeta } from './endpoint-transitions.js';

/** The partner's last STATE as the machine saw it. */
export interface PartnerRecord {
  state: FailoverStateName;
  startup: boolean;
  startTimeOfState: number;
  hasHistory: boolean;
}

export interface EndpointContext {
  role: Role;
  /**
   * The state recorded before this start, which STATE carries with S=1 while in STARTUP
   * (FO-9.3.1-b); RECOVER when none was recorded (FO-9.3.2-a). PAUSE and SHUTDOWN replace it with
   * the state they leave, and SHUTDOWN with RECOVER once the partner is in PARTNER-DOWN, so it is
   * what the runtime stores for the next restart (FO-9.13.1-a, FO-9.14.1-a, FO-9.14.2-b).
   */
  previousState: FailoverStateName;
  /** No failover state was recorded before this start (FO-9.3.2-a, AMB-26). */
  noStateRecorded: boolean;
  partner: PartnerRecord | undefined;
  /**
   * A connection exists: CONNECT and CONNECTACK were exchanged and it has not failed since. Every
   * state change is announced with STATE while it is true (FO-7.10-b).
   */
  connected: boolean;
  /** A STATE arrived on the current connection and it has not failed since (FO-8.3-a). */
  communicationsOk: boolean;
  hasSyncedBefore: boolean;
  storageLost: boolean;
  lastOperatingTime: number;
  /** RECOVER sent UPDREQ or UPDREQALL on the current connection (FO-9.5.2-d). */
  updateRequested: boolean;
  /**
   * While in PARTNER-DOWN: when the partner went down, seconds since 1970. It is the `since` of
   * the PARTNER_DOWN command (FO-9.8.4-a), else the `at` of the event that entered PARTNER-DOWN,
   * and undefined outside PARTNER-DOWN or when neither was given (FO-9.4.2-c).
   */
  partnerDownSince: number | undefined;
  startupExpiry: StartupExpiryPolicy;
}

const haltedStates: readonly FailoverStateName[] = ['STARTUP', 'PAUSED', 'SHUTDOWN'];

function initialContext(input: EndpointInput): EndpointContext {
  // The runtime passes the state held before PAUSED or SHUTDOWN (FO-9.13.2-a). A halted state
  // here has lost that information, so it counts as no record and resumes RECOVER (FO-9.3.2-a).
  const recorded = input.previousState;
  const unusable = recorded === undefined || haltedStates.includes(recorded);

  return {
    role: input.role,
    previousState: unusable ? 'RECOVER' : recorded,
    noStateRecorded: recorded === undefined,
    partner: undefined,
    connected: false,
    communicationsOk: false,
    hasSyncedBefore: input.hasSyncedBefore,
    storageLost: input.storageLost,
    lastOperatingTime: input.lastOperatingTime,
    updateRequested: false,
    partnerDownSince: undefined,
    startupExpiry: input.startupExpiry ?? 'previous-state',
  };
}

function matchesPartner(context: EndpointContext, event: EndpointEvent, match: PartnerMatch) {
  if (event.type !== 'PARTNER_STATE' || !match.states.includes(event.state)) {
    return false;
  }
  if (match.role !== undefined && match.role !== context.role) {
    return false;
  }
  if (match.startup !== undefined && match.startup !== event.startup) {
    return false;
  }

  return (
    match.resumeState === undefined || resumedStateOf(context.previousState) === match.resumeState
  );
}

const endpointSetup = setup({
  // XState reads only the types of these placeholder values.
  types: {
    context: {} as EndpointContext,
    events: {} as EndpointEvent,
    input: {} as EndpointInput,
    emitted: {} as EndpointEmitted,
    meta: {} as EndpointStateMeta,
    transitionMeta: {} as TransitionMeta,
  },
  guards: {
    partnerMatches: ({ context, event }, match: PartnerMatch) =>
      matchesPartner(context, event, match),
    resumesIn: ({ context }, params: { state: FailoverStateName }) =>
      resumedStateOf(context.previousState) === params.state,
    startupExpiryIs: ({ context }, params: { policy: StartupExpiryPolicy }) =>
      context.startupExpiry === params.policy,
    isRole: ({ context }, params: { role: Role }) => context.role === params.role,
    // FO-9.3.2-f: the partner entered PARTNER-DOWN after this server last operated.
    partnerDownStartedAfterLastOperation: ({ context, event }) =>
      event.type === 'PARTNER_STATE' &&
      event.state === 'PARTNER-DOWN' &&
      event.startTimeOfState > context.lastOperatingTime,
    // FO-9.6.2-b: neither this endpoint's storage nor the partner shows an earlier sync.
    neitherSideHasHistory: ({ context }) =>
      !context.hasSyncedBefore && context.partner?.hasHistory === false,
    servesWithoutHistory: ({ context }) =>
      context.startupExpiry === 'serve-without-history' && context.noStateRecorded,
  },
  actions: {
    recordPartnerState: assign(({ event }) => {
      assertEvent(event, 'PARTNER_STATE');

      return {
        partner: {
          state: event.state,
          startup: event.startup,
          startTimeOfState: event.startTimeOfState,
          hasHistory: event.partnerHasHistory,
        },
        // A STATE arrives only over a connection.
        connected: true,
        communicationsOk: true,
      };
    }),
    recordConnected: assign({ connected: true }),
    recordCommunicationsFailed: assign({
      connected: false,
      communicationsOk: false,
      updateRequested: false,
    }),
    // FO-9.4.2-c: the MCLT wait of PARTNER-DOWN counts from this stay's start, never an earlier one.
    recordPartnerDownStart: assign(({ event }) => ({
      partnerDownSince:
        event.type === 'PARTNER_DOWN' && event.since !== undefined ? event.since : event.at,
    })),
    forgetPartnerDownStart: assign({ partnerDownSince: undefined }),
    markSynced: assign({ hasSyncedBefore: true, storageLost: false }),
    rememberStateForRestart: assign((_, params: { state: FailoverStateName }) => ({
      previousState: params.state,
    })),
    rememberRecoverForRestart: assign({ previousState: 'RECOVER' }),
    forgetUpdateRequest: assign({ updateRequested: false }),
    // FO-9.2-a, FO-7.10-b: STATE goes out on every transition while a connection exists, even
    // before the partner's first STATE arrived, so a partner still in STARTUP hears of it.
    announceState: enqueueActions(({ context, enqueue }, params: { state: FailoverStateName }) => {
      if (context.connected) {
        enqueue.emit({ type: 'SEND_STATE', state: params.state, startup: false });
      }
    }),
    // FO-7.10-a: STATE follows CONNECT and CONNECTACK, with S=1 and the previous state in STARTUP.
    announceConnection: emit(({ context }, params: { state: FailoverStateName }) => ({
      type: 'SEND_STATE' as const,
      ...serverStateToSend({ value: params.state, context }),
    })),
    // FO-9.5.2-b: UPDREQALL when storage is lost or there was never a sync, else UPDREQ; once per
    // connection, reissued after a reconnect (FO-9.5.2-d).
    requestBindings: enqueueActions(({ context, enqueue }) => {
      if (!context.communicationsOk || context.updateRequested) {
        return;
      }

      const requestAll = context.storageLost || !context.hasSyncedBefore;
      enqueue.emit({ type: requestAll ? 'SEND_UPDREQALL' : 'SEND_UPDREQ' });
      enqueue.assign({ updateRequested: true });
    }),
    requestConflictUpdates: emit({ type: 'SEND_UPDREQ' }),
    // FO-9.10.1-a: the primary sends UPDREQ on entry, and the secondary waits for the primary's.
    requestConflictUpdatesAsPrimary: enqueueActions(({ context, enqueue }) => {
      if (context.role === 'primary' && context.communicationsOk) {
        enqueue.emit({ type: 'SEND_UPDREQ' });
      }
    }),
    startRecoverWaitTimer: emit({
      type: 'START_RECOVER_WAIT_TIMER',
      expiresAt: 'failure-time-plus-mclt',
    }),
    startSafePeriodTimer: emit({ type: 'START_SAFE_PERIOD_TIMER' }),
    sendPendingUpdates: emit({ type: 'SEND_PENDING_UPDATES' }),
    raiseAlarm: emit((_, params: { state: FailoverStateName; rule: string }) => ({
      type: 'RAISE_ALARM' as const,
      state: params.state,
      rule: params.rule,
    })),
  },
});

type EntryAction =
  | { type: 'announceState'; params: { state: FailoverStateName } }
  | 'requestBindings'
  | 'requestConflictUpdatesAsPrimary'
  | 'startRecoverWaitTimer'
  | 'startSafePeriodTimer'
  | 'sendPendingUpdates'
  | 'markSynced'
  | 'recordPartnerDownStart'
  | { type: 'raiseAlarm'; params: { state: FailoverStateName; rule: string } };

type ExtraTransitions = Partial<
  Record<EndpointEvent['type'], EndpointTransition | EndpointTransition[]>
>;

/**
 * States entered only on a STATE or UPDDONE over a connection and left when it fails
 * (FO-9.8.4-c, FO-9.10.3-a), and never resumed by a restart (FO-9.3.2-c). A connection is
 * established in them already, so CONNECTED never arrives there.
 */
const connectedOnlyStates: readonly FailoverStateName[] = ['NORMAL', 'POTENTIAL-CONFLICT'];

/** Builds an operating state: its matrix row, communications failure, PAUSE, SHUTDOWN and `extra`. */
function operatingState(state: FailoverStateName, entry: EntryAction[], extra: ExtraTransitions) {
  const connected = connectedOnlyStates.includes(state)
    ? {}
    : { CONNECTED: connectedTransition(state) };

  return {
    meta: stateMeta[state],
    entry: [{ type: 'announceState', params: { state } } as const, ...entry],
    on: {
      PARTNER_STATE: partnerStateTransitions(state),
      ...connected,
      COMMUNICATIONS_FAILED: communicationsFailedTransition(state),
      ...haltTransitions(state),
      ...extra,
    },
  };
}

const updateDoneInRecover: EndpointTransition[] = [
  {
    guard: 'neitherSideHasHistory',
    target: 'RECOVER-DONE',
    actions: ['markSynced'],
    meta: { rules: ['FO-9.5.2-c', 'FO-9.6.2-b'] },
  },
  { target: 'RECOVER-WAIT', actions: ['markSynced'], meta: { rules: ['FO-9.5.2-c'] } },
];

const updateDoneInPotentialConflict: EndpointTransition[] = [
  {
    guard: { type: 'isRole', params: { role: 'primary' } },
    target: 'CONFLICT-DONE',
    actions: ['markSynced'],
    meta: { rules: ['FO-9.10.3-b'] },
  },
  { target: 'NORMAL', actions: ['markSynced'], meta: { rules: ['FO-9.10.3-b'] } },
];

export const endpointMachine = endpointSetup.createMachine({
  id: 'endpoint',
  initial: 'STARTUP',
  context: ({ input }) => initialContext(input),
  states: {
    STARTUP: {
      meta: stateMeta.STARTUP,
      on: {
        PARTNER_STATE: startupPartnerStateTransitions(),
        STARTUP_EXPIRED: startupExpiredTransitions(),
        CONNECTED: connectedTransition('STARTUP'),
        COMMUNICATIONS_FAILED: communicationsFailedTransition('STARTUP'),
        ...haltTransitions('STARTUP'),
      },
    },
    NORMAL: operatingState('NORMAL', ['sendPendingUpdates', 'markSynced'], {
      PARTNER_DOWN: partnerDownCommandTransition('FO-9.8.4-a'),
    }),
    'COMMUNICATIONS-INTERRUPTED': operatingState(
      'COMMUNICATIONS-INTERRUPTED',
      ['startSafePeriodTimer'],
      {
        PARTNER_DOWN: partnerDownCommandTransition('FO-9.9.3-a'),
        SAFE_PERIOD_EXPIRED: {
          target: 'PARTNER-DOWN',
          actions: [],
          meta: { rules: ['FO-9.9.3-a', 'FO-10-a'] },
        },
      },
    ),
    'PARTNER-DOWN': {
      ...operatingState('PARTNER-DOWN', ['recordPartnerDownStart'], {}),
      exit: ['forgetPartnerDownStart'],
    },
    'POTENTIAL-CONFLICT': operatingState(
      'POTENTIAL-CONFLICT',
      ['requestConflictUpdatesAsPrimary'],
      { UPDDONE: updateDoneInPotentialConflict },
    ),
    RECOVER: {
      ...operatingState('RECOVER', ['requestBindings'], { UPDDONE: updateDoneInRecover }),
      exit: ['forgetUpdateRequest'],
    },
    'RECOVER-WAIT': operatingState('RECOVER-WAIT', ['startRecoverWaitTimer'], {
      MCLT_EXPIRED: {
        target: 'RECOVER-DONE',
        actions: [],
        meta: { rules: ['FO-9.6.2-a', 'FO-9.6.2-c'] },
      },
    }),
    'RECOVER-DONE': operatingState('RECOVER-DONE', [], {}),
    'RESOLUTION-INTERRUPTED': operatingState(
      'RESOLUTION-INTERRUPTED',
      [
        {
          type: 'raiseAlarm',
          params: { state: 'RESOLUTION-INTERRUPTED', rule: 'FO-9.11.1-a' },
        },
      ],
      { PARTNER_DOWN: partnerDownCommandTransition('FO-9.11.3-a') },
    ),
    'CONFLICT-DONE': operatingState('CONFLICT-DONE', [], {}),
    PAUSED: {
      meta: stateMeta.PAUSED,
      entry: [{ type: 'announceState', params: { state: 'PAUSED' } }],
      on: {
        PARTNER_STATE: partnerStateTransitions('PAUSED'),
        CONNECTED: connectedTransition('PAUSED'),
        COMMUNICATIONS_FAILED: communicationsFailedTransition('PAUSED'),
        // The state held before PAUSED stays the one to resume (FO-9.13.2-a).
        SHUTDOWN: {
          target: 'SHUTDOWN',
          actions: [],
          meta: { rules: ['FO-9.14.1-b', 'FO-9.13.2-a'] },
        },
      },
    },
    SHUTDOWN: {
      meta: stateMeta.SHUTDOWN,
      entry: [{ type: 'announceState', params: { state: 'SHUTDOWN' } }],
      on: {
        PARTNER_STATE: partnerStateTransitions('SHUTDOWN'),
        CONNECTED: connectedTransition('SHUTDOWN'),
        COMMUNICATIONS_FAILED: communicationsFailedTransition('SHUTDOWN'),
      },
    },
  },
});

export type EndpointSnapshot = SnapshotFrom<typeof endpointMachine>;

/**
 * Returns the server-state and S bit a STATE message carries now: the previous state with S=1 in
 * STARTUP (FO-9.3.1-b, FO-12.23-a), else the current state with S=0.
 */
export function serverStateToSend(snapshot: {
  value: FailoverStateName;
  context: Pick<EndpointContext, 'previousState'>;
}): { state: FailoverStateName; startup: boolean } {
  if (snapshot.value === 'STARTUP') {
    return { state: snapshot.context.previousState, startup: true };
  }

  return { state: snapshot.value, startup: false };
}
