// Steps the endpoint and binding-status machines on plain views ({ value, context }) with xstate's
// pure `transition`, and remembers every result. The model check meets the same machine state
// and event many times, so the cache turns most steps into one map lookup.

import { initialTransition, transition } from 'xstate';
import { endpointMachine } from '../endpoint.js';
import type { EndpointEmitted, EndpointEvent, EndpointInput } from '../endpoint-types.js';
import type { bindingStatusMachine } from '../lease/binding-status-machine.js';
import type { LeaseEvent, LeaseInput } from '../lease/lease-types.js';
import type { CanonicalCache } from './world-key.js';

type EndpointSnapshot = ReturnType<typeof endpointMachine.resolveState>;
type LeaseMachine = typeof bindingStatusMachine;
type LeaseSnapshot = ReturnType<LeaseMachine['resolveState']>;

export type EndpointView = Pick<EndpointSnapshot, 'value' | 'context'>;
export type LeaseView = Pick<LeaseSnapshot, 'value' | 'context'>;

export interface EndpointStep {
  view: EndpointView;
  emitted: EndpointEmitted[];
}

const emittedTypes: ReadonlySet<string> = new Set<EndpointEmitted['type']>([
  'SEND_STATE',
  'SEND_UPDREQ',
  'SEND_UPDREQALL',
  'START_RECOVER_WAIT_TIMER',
  'SEND_PENDING_UPDATES',
  'START_SAFE_PERIOD_TIMER',
  'RAISE_ALARM',
]);

function isEndpointEmitted(value: unknown): value is EndpointEmitted {
  return (
    typeof value === 'object' &&
    value !== null &&
    'type' in value &&
    typeof value.type === 'string' &&
    emittedTypes.has(value.type)
  );
}

/** Picks the events an `emit` action sends out of the actions `transition` returns. */
function emittedEvents(actions: readonly { type: string; params?: unknown }[]): EndpointEmitted[] {
  return actions.flatMap((action) => {
    const params = action.params;
    if (action.type !== 'xstate.emit' || typeof params !== 'object' || params === null) {
      return [];
    }

    const event = 'event' in params ? params.event : undefined;

    return isEndpointEmitted(event) ? [event] : [];
  });
}

function viewOf<TValue, TContext>(snapshot: { value: TValue; context: TContext }) {
  return { value: snapshot.value, context: snapshot.context };
}

/** Steps endpoint machines; `undefined` means no transition was enabled. */
export class EndpointStepper {
  private readonly results = new Map<string, EndpointStep | null>();
  private readonly starts = new Map<string, EndpointView>();

  constructor(private readonly texts: CanonicalCache) {}

  /** Returns the view of a machine started with `input`, in STARTUP. */
  start(input: EndpointInput): EndpointView {
    const key = JSON.stringify(input);
    const known = this.starts.get(key);
    if (known !== undefined) {
      return known;
    }

    const [snapshot] = initialTransition(endpointMachine, input);
    const view = viewOf(snapshot);
    this.starts.set(key, view);

    return view;
  }

  step(view: EndpointView, event: EndpointEvent): EndpointStep | undefined {
    // The event object is built the same way at each call site, so its JSON text is stable.
    const key = `${this.texts.idOf(view)}|${JSON.stringify(event)}`;
    const cached = this.results.get(key);
    if (cached !== undefined) {
      return cached ?? undefined;
    }

    const snapshot = endpointMachine.resolveState(view);
    const [next, actions] = transition(endpointMachine, snapshot, event);
    const result =
      next === snapshot ? null : { view: viewOf(next), emitted: emittedEvents(actions) };
    this.results.set(key, result);

    return result ?? undefined;
  }
}

/** Steps binding-status machines, optionally with replaced guards; `undefined` means no change. */
export class LeaseStepper {
  private readonly results = new Map<string, LeaseView | null>();
  private readonly starts = new Map<string, LeaseView>();

  constructor(
    private readonly machine: LeaseMachine,
    private readonly texts: CanonicalCache,
  ) {}

  /** Returns the view of a machine started with `input`, in FREE. */
  start(input: LeaseInput): LeaseView {
    const key = JSON.stringify(input);
    const known = this.starts.get(key);
    if (known !== undefined) {
      return known;
    }

    const [snapshot] = initialTransition(this.machine, input);
    const view = viewOf(snapshot);
    this.starts.set(key, view);

    return view;
  }

  step(view: LeaseView, event: LeaseEvent): LeaseView | undefined {
    const key = `${this.texts.idOf(view)}|${JSON.stringify(event)}`;
    const cached = this.results.get(key);
    if (cached !== undefined) {
      return cached ?? undefined;
    }

    const snapshot = this.machine.resolveState(view);
    const [next] = transition(this.machine, snapshot, event);
    const result = next === snapshot ? null : viewOf(next);
    this.results.set(key, result);

    return result ?? undefined;
  }
}
