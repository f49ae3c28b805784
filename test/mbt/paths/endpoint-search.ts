// Generates the endpoint paths by a breadth-first search over the endpoint machine that keeps only
// the events the runtime can raise at each point. The search starts from every stored record a
// restart can find and from a first start with each STARTUP expiry policy. Each path ends with the
// first transition it is the shortest way to; paths whose target an earlier, longer path already
// passes are dropped.

import { initialTransition, transition } from 'xstate';
import { endpointMachine, type EndpointSnapshot } from '../../../model/endpoint.js';
import type { EndpointEvent, Role, StartupExpiryPolicy } from '../../../model/endpoint-types.js';
import { partnerStateNames } from '../../../model/partner-reactions.js';
import type { FailoverStateName } from '../../../src/wire/codes.js';
import { parameterlessEndpointEvents } from '../coverage/model-reachability.js';
import { transitionIdOf, type TransitionDefinitionLike } from '../coverage/transition-list.js';
import { SEEDED_MCLT, STARTUP_SECONDS, SAFE_PERIOD_SECONDS } from '../harness/timing.js';

/** The stored record a path starts from, and the configured STARTUP expiry policy. */
export interface PathStart {
  role: Role;
  /** The state the last run left; undefined for a first start, with no record. */
  recordedState: FailoverStateName | undefined;
  hasSyncedBefore: boolean;
  startupExpiry: StartupExpiryPolicy;
}

/** One step: the model event, the transition the model takes for it, the state after it. */
export interface PathStep {
  event: EndpointEvent;
  transitionId: string;
  state: FailoverStateName;
  /** The runtime sends UPDREQ or UPDREQALL in this step. */
  requests: ('UPDREQ' | 'UPDREQALL')[];
  /** A connection exists after the step, so a state change goes out as STATE (FO-7.10-b). */
  connected: boolean;
  /**
   * The transition of the COMMUNICATIONS_FAILED the runtime raises itself right after this step's
   * transition: entering PAUSED closes the connection (FO-9.13-a).
   */
  followedBy?: string;
}

export interface EndpointPath {
  /** The id of the transition the path ends with; DHCPF_MBT_PATH selects by it. */
  id: string;
  start: PathStart;
  steps: PathStep[];
}

/** What the runtime can do next, beyond the machine's own context. */
interface RuntimeFacts {
  /** An UPDREQ or UPDREQALL went out on the current connection without UPDDONE yet. */
  requestOutstanding: boolean;
  /** Seconds the manual clock moved since the start. */
  elapsed: number;
}

interface SearchNode {
  snapshot: EndpointSnapshot;
  facts: RuntimeFacts;
  start: PathStart;
  steps: PathStep[];
}

const MAX_DEPTH = 6;

const recordedStates: FailoverStateName[] = [
  'NORMAL',
  'COMMUNICATIONS-INTERRUPTED',
  'PARTNER-DOWN',
  'POTENTIAL-CONFLICT',
  'RECOVER',
  'RECOVER-WAIT',
  'RECOVER-DONE',
  'RESOLUTION-INTERRUPTED',
  'CONFLICT-DONE',
];

/** The partner's start-time-of-state, before or after the seeded last operating time (FO-9.3.2-f). */
export const PARTNER_STARTED_BEFORE = -100;
export const PARTNER_STARTED_AFTER = 100;

function candidateEvents(): EndpointEvent[] {
  // Only STARTUP compares the partner's start-time-of-state, and only for PARTNER-DOWN (FO-9.3.2-f).
  const partnerStates = partnerStateNames.flatMap((state) =>
    [false, true].flatMap((startup) =>
      (state === 'PARTNER-DOWN'
        ? [PARTNER_STARTED_BEFORE, PARTNER_STARTED_AFTER]
        : [PARTNER_STARTED_BEFORE]
      ).map((startTimeOfState): EndpointEvent => ({
        type: 'PARTNER_STATE',
        state,
        startup,
        startTimeOfState,
        partnerHasHistory: state !== 'RECOVER',
      })),
    ),
  );
  return [...parameterlessEndpointEvents, ...partnerStates];
}

/** Seconds the harness moves the clock for a timer event. */
export function advanceFor(event: EndpointEvent, elapsed: number): number {
  switch (event.type) {
    case 'STARTUP_EXPIRED':
      return STARTUP_SECONDS;
    case 'SAFE_PERIOD_EXPIRED':
      return SAFE_PERIOD_SECONDS;
    case 'MCLT_EXPIRED':
      return Math.max(0, SEEDED_MCLT - elapsed) + 1;
    default:
      return 0;
  }
}

/** Returns whether the runtime can raise `event` now; the executor maps each event to its stimulus. */
function feasible(node: SearchNode, event: EndpointEvent): boolean {
  const context = node.snapshot.context;
  const state = node.snapshot.value;
  switch (event.type) {
    case 'CONNECTED':
      return !context.connected;
    case 'COMMUNICATIONS_FAILED':
    case 'PARTNER_STATE':
      return context.connected;
    case 'UPDDONE':
      return node.facts.requestOutstanding;
    case 'STARTUP_EXPIRED':
      return state === 'STARTUP';
    case 'SAFE_PERIOD_EXPIRED':
      return state === 'COMMUNICATIONS-INTERRUPTED';
    case 'MCLT_EXPIRED':
      return state === 'RECOVER-WAIT';
    default:
      return true;
  }
}

function requestsOf(actions: readonly unknown[]): PathStep['requests'] {
  const requests: PathStep['requests'] = [];
  for (const action of actions) {
    const emitted = (action as { params?: { event?: { type?: string } } }).params?.event?.type;
    if (emitted === 'SEND_UPDREQ') {
      requests.push('UPDREQ');
    } else if (emitted === 'SEND_UPDREQALL') {
      requests.push('UPDREQALL');
    }
  }

  return requests;
}

function transitionIdFor(snapshot: EndpointSnapshot, event: EndpointEvent): string | undefined {
  const [definition] = endpointMachine.getTransitionData(snapshot, event);
  // XState's definitions have the fields TransitionDefinitionLike names.
  return definition === undefined
    ? undefined
    : (transitionIdOf(definition as unknown as TransitionDefinitionLike) ?? '');
}

/**
 * Applies the COMMUNICATIONS_FAILED that follows PAUSE while connected, because the runtime closes
 * the connection after STATE(PAUSED) (FO-9.13-a).
 */
function closedAfterPause(
  snapshot: EndpointSnapshot,
  event: EndpointEvent,
): { snapshot: EndpointSnapshot; followedBy: string } | undefined {
  if (event.type !== 'PAUSE' || snapshot.value !== 'PAUSED' || !snapshot.context.connected) {
    return undefined;
  }

  const failed: EndpointEvent = { type: 'COMMUNICATIONS_FAILED' };
  const followedBy = transitionIdFor(snapshot, failed);
  return followedBy === undefined
    ? undefined
    : { snapshot: transition(endpointMachine, snapshot, failed)[0], followedBy };
}

/** Takes one step, or returns undefined when the machine ignores the event or the runtime cannot follow. */
function step(node: SearchNode, event: EndpointEvent): SearchNode | undefined {
  const transitionId = transitionIdFor(node.snapshot, event);
  if (transitionId === undefined) {
    return undefined;
  }

  const [taken, actions] = transition(endpointMachine, node.snapshot, event);
  const closed = closedAfterPause(taken, event);
  const next = closed?.snapshot ?? taken;
  const elapsed = node.facts.elapsed + advanceFor(event, node.facts.elapsed);
  const state = next.value;
  // RECOVER-WAIT ends MCLT after the seeded failure time; once that is past, entering it ends it
  // at once, which no path is built to expect.
  if (state === 'RECOVER-WAIT' && elapsed >= SEEDED_MCLT) {
    return undefined;
  }

  const connected = next.context.connected;
  const requests = connected ? requestsOf(actions) : [];
  const requestOutstanding =
    event.type === 'COMMUNICATIONS_FAILED' || event.type === 'UPDDONE'
      ? false
      : node.facts.requestOutstanding || requests.length > 0;
  const pathStep: PathStep = { event, transitionId, state, requests, connected };
  if (closed !== undefined) {
    pathStep.followedBy = closed.followedBy;
  }

  return {
    snapshot: next,
    facts: { requestOutstanding: requestOutstanding && connected, elapsed },
    start: node.start,
    steps: [...node.steps, pathStep],
  };
}

function keyOf(node: SearchNode): string {
  const context = node.snapshot.context;
  const inStartup = node.snapshot.value === 'STARTUP';
  // Guards read only the partner's history, so the rest of the partner record is left out, and
  // only STARTUP reads the expiry policy and whether a state was recorded.
  const reduced = {
    ...context,
    partner: context.partner?.hasHistory,
    startupExpiry: inStartup ? context.startupExpiry : undefined,
    noStateRecorded: inStartup ? context.noStateRecorded : undefined,
  };
  return JSON.stringify([node.snapshot.value, reduced, node.facts]);
}

/** Starts that only the expiry policies other than `previous-state` need: a first start. */
const policyStarts: readonly PathStart[] = (
  ['keep-waiting', 'partner-down', 'serve-without-history'] as const
).map((startupExpiry) => ({
  role: 'primary',
  recordedState: undefined,
  hasSyncedBefore: false,
  startupExpiry,
}));

function nodeOf(start: PathStart): SearchNode {
  const [snapshot] = initialTransition(endpointMachine, {
    role: start.role,
    previousState: start.recordedState,
    lastOperatingTime: 0,
    hasSyncedBefore: start.hasSyncedBefore,
    storageLost: false,
    startupExpiry: start.startupExpiry,
  });
  return { snapshot, facts: { requestOutstanding: false, elapsed: 0 }, start, steps: [] };
}

function startsOf(): SearchNode[] {
  const restarts = (['secondary', 'primary'] as const).flatMap((role) =>
    [true, false].flatMap((hasSyncedBefore) =>
      recordedStates.map((recordedState): PathStart => ({
        role,
        recordedState,
        hasSyncedBefore,
        startupExpiry: 'previous-state',
      })),
    ),
  );
  return [...restarts, ...policyStarts].map(nodeOf);
}

/** Finds the shortest feasible path to each transition the search reaches. */
function shortestPaths(): Map<string, SearchNode> {
  const events = candidateEvents();
  const firstPath = new Map<string, SearchNode>();
  const seen = new Set<string>();
  let frontier = startsOf();
  for (let depth = 0; depth < MAX_DEPTH && frontier.length > 0; depth++) {
    const next: SearchNode[] = [];
    for (const node of frontier) {
      for (const event of events) {
        const child = feasible(node, event) ? step(node, event) : undefined;
        const last = child?.steps.at(-1);
        if (child === undefined || last === undefined) {
          continue;
        }

        if (!firstPath.has(last.transitionId)) {
          firstPath.set(last.transitionId, child);
        }

        const key = keyOf(child);
        if (!seen.has(key)) {
          seen.add(key);
          next.push(child);
        }
      }
    }

    frontier = next;
  }

  return firstPath;
}

/** Generates the endpoint paths, longest first, dropping those an earlier path passes through. */
export function endpointPaths(): EndpointPath[] {
  const candidates = [...shortestPaths()].sort(([, a], [, b]) => b.steps.length - a.steps.length);
  const covered = new Set<string>();
  const paths: EndpointPath[] = [];
  for (const [id, node] of candidates) {
    if (covered.has(id)) {
      continue;
    }

    node.steps.forEach((item) => covered.add(item.transitionId));
    paths.push({ id, start: node.start, steps: node.steps });
  }

  return paths.sort((a, b) => a.id.localeCompare(b.id));
}
