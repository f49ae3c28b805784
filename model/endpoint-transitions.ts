// Builds the transitions of the failover endpoint machine as plain data: a target, a named guard
// with parameters, named actions, and `meta.rules` naming the rules each transition implements.
// The guards and actions themselves are defined in endpoint.ts.

import type { FailoverStateName } from '../src/wire/codes.js';
import type { Role, StartupExpiryPolicy } from './endpoint-types.js';
import {
  partnerReactions,
  resumableStates,
  type PartnerReaction,
  type StayEffect,
} from './partner-reactions.js';

/** Parameters of the `partnerMatches` guard on a PARTNER_STATE event. */
export interface PartnerMatch {
  states: readonly FailoverStateName[];
  role?: Role;
  /** The S bit the STATE must carry; either when absent. */
  startup?: boolean;
  /** In STARTUP: the state the restart resumes must be this one (FO-9.3.2-c). */
  resumeState?: FailoverStateName;
}

export type EndpointGuard =
  | { type: 'partnerMatches'; params: PartnerMatch }
  | { type: 'resumesIn'; params: { state: FailoverStateName } }
  | { type: 'startupExpiryIs'; params: { policy: StartupExpiryPolicy } }
  | { type: 'isRole'; params: { role: Role } }
  | 'partnerDownStartedAfterLastOperation'
  | 'neitherSideHasHistory'
  | 'servesWithoutHistory';

export type EndpointAction =
  | StayEffect
  | 'recordPartnerState'
  | 'recordConnected'
  | 'recordCommunicationsFailed'
  | { type: 'announceConnection'; params: { state: FailoverStateName } }
  | 'markSynced'
  | { type: 'rememberStateForRestart'; params: { state: FailoverStateName } }
  | { type: 'raiseAlarm'; params: { state: FailoverStateName; rule: string } };

/** Transition `meta`: the rule IDs (FO-, E-, ISC-, MSF-, AMB-) the transition implements. */
export interface TransitionMeta {
  rules: string[];
}

export interface EndpointTransition {
  target?: FailoverStateName;
  reenter?: boolean;
  guard?: EndpointGuard;
  actions: EndpointAction[];
  meta: TransitionMeta;
}

/** Returns the alarm FO-9.9.1-b requests when NORMAL gives way to COMMUNICATIONS-INTERRUPTED. */
function alarmActions(
  from: FailoverStateName,
  to: FailoverStateName | undefined,
): EndpointAction[] {
  if (from !== 'NORMAL' || to !== 'COMMUNICATIONS-INTERRUPTED') {
    return [];
  }

  return [{ type: 'raiseAlarm', params: { state: to, rule: 'FO-9.9.1-b' } }];
}

function matchOf(reaction: PartnerReaction, resumeState?: FailoverStateName): PartnerMatch {
  const match: PartnerMatch = { states: reaction.partnerStates };
  if (reaction.role !== undefined) {
    match.role = reaction.role;
  }
  if (reaction.startup !== undefined) {
    match.startup = reaction.startup;
  }
  if (resumeState !== undefined) {
    match.resumeState = resumeState;
  }

  return match;
}

function reactionTransition(
  from: FailoverStateName,
  reaction: PartnerReaction,
): EndpointTransition {
  const effects: EndpointAction[] = reaction.effect === undefined ? [] : [reaction.effect];
  const transition: EndpointTransition = {
    guard: { type: 'partnerMatches', params: matchOf(reaction) },
    actions: ['recordPartnerState', ...alarmActions(from, reaction.target), ...effects],
    meta: { rules: [...reaction.rules] },
  };
  if (reaction.target !== undefined) {
    transition.target = reaction.target;
  }
  if (reaction.reenter === true) {
    transition.reenter = true;
  }

  return transition;
}

/**
 * Builds the PARTNER_STATE transitions of an operating state: its matrix row in order. The rows
 * of every state cover each partner state that STATE can carry. A STATE with server-state STARTUP,
 * which is never sent, does not reach the machine, because the runtime rejects it (FO-12.24-a).
 */
export function partnerStateTransitions(state: FailoverStateName): EndpointTransition[] {
  return partnerReactions[state].map((reaction) => reactionTransition(state, reaction));
}

/**
 * Builds STARTUP's PARTNER_STATE transitions (FO-9.3.2-f). With a partner in PARTNER-DOWN, the
 * partner's start-time-of-state decides between RECOVER and POTENTIAL-CONFLICT. Otherwise the
 * endpoint resumes its previous state and applies that state's matrix row in the same step, so
 * only the final state is entered and announced. A row that stays in the resumed state needs no
 * effect of its own, because that state's entry actions send the same (RECOVER's UPDREQALL).
 */
export function startupPartnerStateTransitions(): EndpointTransition[] {
  const partnerDown: EndpointTransition[] = [
    {
      guard: 'partnerDownStartedAfterLastOperation',
      target: 'RECOVER',
      actions: ['recordPartnerState'],
      meta: { rules: ['FO-9.3.2-f'] },
    },
    {
      guard: { type: 'partnerMatches', params: { states: ['PARTNER-DOWN'] } },
      target: 'POTENTIAL-CONFLICT',
      actions: ['recordPartnerState'],
      meta: { rules: ['FO-9.3.2-f'] },
    },
  ];
  const resumed = resumableStates.flatMap((resumeState) => resumeTransitions(resumeState));

  return [...partnerDown, ...resumed];
}

/** The resumed state's matrix row, which covers every partner state STATE can carry. */
function resumeTransitions(resumeState: FailoverStateName): EndpointTransition[] {
  return partnerReactions[resumeState].map((reaction): EndpointTransition => ({
    guard: { type: 'partnerMatches', params: matchOf(reaction, resumeState) },
    target: reaction.target ?? resumeState,
    actions: ['recordPartnerState'],
    meta: { rules: ['FO-9.3.2-c', 'FO-9.3.2-f', ...reaction.rules] },
  }));
}

/** Builds STARTUP_EXPIRED by policy (FO-9.3.2-b, FO-9.3.2-g, MSF-3.1.6.3-b, AMB-26). */
export function startupExpiredTransitions(): EndpointTransition[] {
  const byPolicy: EndpointTransition[] = [
    {
      guard: { type: 'startupExpiryIs', params: { policy: 'keep-waiting' } },
      actions: [],
      meta: { rules: ['FO-9.3.2-g'] },
    },
    {
      guard: { type: 'startupExpiryIs', params: { policy: 'partner-down' } },
      target: 'PARTNER-DOWN',
      actions: [],
      meta: { rules: ['FO-9.3.2-b'] },
    },
    {
      guard: 'servesWithoutHistory',
      target: 'COMMUNICATIONS-INTERRUPTED',
      actions: [],
      meta: { rules: ['MSF-3.1.6.3-b', 'AMB-26'] },
    },
  ];
  const resumed = resumableStates.map((state): EndpointTransition => ({
    guard: { type: 'resumesIn', params: { state } },
    target: state,
    actions: [],
    meta: { rules: ['FO-9.3.2-g', 'FO-9.3.2-c'] },
  }));

  return [...byPolicy, ...resumed];
}

/**
 * Builds CONNECTED, taken in every state a new connection can find: the endpoint notes the
 * connection and sends STATE, so later state changes go out too (FO-7.10-a, FO-7.10-b).
 */
export function connectedTransition(state: FailoverStateName): EndpointTransition {
  return {
    actions: ['recordConnected', { type: 'announceConnection', params: { state } }],
    meta: { rules: ['FO-7.10-a'] },
  };
}

const communicationsFailedRules: Readonly<Record<FailoverStateName, readonly string[]>> = {
  STARTUP: ['FO-9.3.2-e'],
  NORMAL: ['FO-9.8.4-c'],
  'COMMUNICATIONS-INTERRUPTED': ['FO-9.9.2-b'],
  'PARTNER-DOWN': ['FO-9.4.2-f'],
  'POTENTIAL-CONFLICT': ['FO-9.10.3-a'],
  RECOVER: ['FO-9.5.2-d'],
  PAUSED: ['FO-9.2-f'],
  SHUTDOWN: ['FO-9.2-f'],
  'RECOVER-DONE': ['FO-9.7.2-a'],
  'RESOLUTION-INTERRUPTED': ['FO-9.11.3-a'],
  'CONFLICT-DONE': ['FO-9.12.2-a'],
  'RECOVER-WAIT': ['FO-9.6.2-c'],
};

const communicationsFailedTargets: Partial<Record<FailoverStateName, FailoverStateName>> = {
  NORMAL: 'COMMUNICATIONS-INTERRUPTED',
  'POTENTIAL-CONFLICT': 'RESOLUTION-INTERRUPTED',
};

/** Builds COMMUNICATIONS_FAILED: NORMAL and POTENTIAL-CONFLICT move, every other state stays. */
export function communicationsFailedTransition(state: FailoverStateName): EndpointTransition {
  const target = communicationsFailedTargets[state];
  const transition: EndpointTransition = {
    actions: ['recordCommunicationsFailed', ...alarmActions(state, target)],
    meta: { rules: [...communicationsFailedRules[state]] },
  };
  if (target !== undefined) {
    transition.target = target;
  }

  return transition;
}

/**
 * Builds PARTNER_DOWN, the operator's command. Only NORMAL (FO-9.8.4-a), COMMUNICATIONS-INTERRUPTED
 * (FO-9.9.3-a) and RESOLUTION-INTERRUPTED (FO-9.11.3-a) take it.
 */
export function partnerDownCommandTransition(rule: string): EndpointTransition {
  return {
    target: 'PARTNER-DOWN',
    actions: [],
    meta: { rules: [rule] },
  };
}

/** Builds PAUSE and SHUTDOWN, which keep the state they leave for the restart. */
export function haltTransitions(state: FailoverStateName): {
  PAUSE: EndpointTransition;
  SHUTDOWN: EndpointTransition;
} {
  const remember: EndpointAction[] =
    state === 'STARTUP' ? [] : [{ type: 'rememberStateForRestart', params: { state } }];

  return {
    PAUSE: { target: 'PAUSED', actions: remember, meta: { rules: ['FO-9.13-a', 'FO-9.13.1-a'] } },
    SHUTDOWN: {
      target: 'SHUTDOWN',
      actions: remember,
      meta: { rules: ['FO-9.14.1-a', 'FO-9.14.1-b'] },
    },
  };
}
