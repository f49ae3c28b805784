// Helpers for the endpoint machine tests: actors placed in a chosen state, STATE events, a record
// of emitted effects, and a pair of endpoints wired to each other the way the runtime would.

import { readFileSync } from 'node:fs';
import { createActor, type Actor } from 'xstate';
import { endpointMachine, type EndpointContext } from '../../model/endpoint.js';
import type {
  EndpointEmitted,
  EndpointInput,
  PartnerStateEvent,
  Role,
} from '../../model/endpoint-types.js';
import type { FailoverStateName } from '../../src/wire/codes.js';
import { sharedPath } from '../helpers/shared-dir.js';

export type EndpointActor = Actor<typeof endpointMachine>;

export function freshInput(role: Role, overrides: Partial<EndpointInput> = {}): EndpointInput {
  return {
    role,
    previousState: undefined,
    lastOperatingTime: 1_000,
    hasSyncedBefore: false,
    storageLost: false,
    ...overrides,
  };
}

export function partnerState(
  state: FailoverStateName,
  overrides: Partial<Omit<PartnerStateEvent, 'type' | 'state'>> = {},
): PartnerStateEvent {
  return {
    type: 'PARTNER_STATE',
    state,
    startup: false,
    startTimeOfState: 2_000,
    partnerHasHistory: true,
    ...overrides,
  };
}

/** An actor that records what it emits, in order. */
export interface RecordingActor {
  actor: EndpointActor;
  emitted: EndpointEmitted[];
  /** Types of the effects emitted since the last call. */
  takeEmitted(): string[];
}

function record(actor: EndpointActor): RecordingActor {
  const emitted: EndpointEmitted[] = [];
  let taken = 0;
  actor.on('*', (effect) => emitted.push(effect));
  actor.start();

  return {
    actor,
    emitted,
    takeEmitted() {
      const fresh = emitted.slice(taken).map((effect) => effect.type);
      taken = emitted.length;

      return fresh;
    },
  };
}

export function startEndpoint(input: EndpointInput): RecordingActor {
  return record(createActor(endpointMachine, { input }));
}

/**
 * Starts an actor already in `state`, with communications ok and a partner that has a history.
 * It counts as connected unless `context` sets `communicationsOk` or `connected` to false.
 * Restoring a snapshot runs no entry actions, so `emitted` starts empty.
 */
export function endpointIn(
  state: FailoverStateName,
  role: Role,
  context: Partial<EndpointContext> = {},
): RecordingActor {
  const input = freshInput(role);
  const snapshot = endpointMachine.resolveState({
    value: state,
    context: {
      role,
      previousState: 'NORMAL',
      noStateRecorded: false,
      partner: { state: 'NORMAL', startup: false, startTimeOfState: 1_500, hasHistory: true },
      connected: context.communicationsOk ?? true,
      communicationsOk: true,
      hasSyncedBefore: false,
      storageLost: false,
      lastOperatingTime: 1_000,
      updateRequested: false,
      partnerDownSince: undefined,
      startupExpiry: 'previous-state',
      ...context,
    },
  });

  return record(createActor(endpointMachine, { input, snapshot }));
}

export function stateOf(endpoint: RecordingActor): FailoverStateName {
  return endpoint.actor.getSnapshot().value;
}

/**
 * Two endpoints joined as the runtime joins them: each STATE goes to the other side as
 * PARTNER_STATE, and each UPDREQ or UPDREQALL gets an UPDDONE back. Messages wait in a queue
 * until `deliver` runs, like bytes on a TCP connection.
 */
export class EndpointPair {
  private readonly queue: { to: RecordingActor; event: PartnerStateEvent | { type: 'UPDDONE' } }[] =
    [];

  constructor(
    readonly primary: RecordingActor,
    readonly secondary: RecordingActor,
  ) {
    this.wire(primary, secondary);
    this.wire(secondary, primary);
  }

  private wire(from: RecordingActor, to: RecordingActor): void {
    from.actor.on('SEND_STATE', (effect) => {
      this.queue.push({ to, event: this.stateEvent(from, effect.state, effect.startup) });
    });
    const answer = () => this.queue.push({ to: from, event: { type: 'UPDDONE' } });
    from.actor.on('SEND_UPDREQ', answer);
    from.actor.on('SEND_UPDREQALL', answer);
  }

  private stateEvent(from: RecordingActor, state: FailoverStateName, startup: boolean) {
    const context = from.actor.getSnapshot().context;

    return partnerState(state, { startup, partnerHasHistory: context.hasSyncedBefore });
  }

  /** Completes CONNECT and CONNECTACK, after which both sides send STATE (FO-7.10-a). */
  connect(): void {
    this.primary.actor.send({ type: 'CONNECTED' });
    this.secondary.actor.send({ type: 'CONNECTED' });
  }

  /** Delivers queued messages, and the ones they cause, until the queue is empty. */
  deliver(): void {
    for (let step = 0; step < 100 && this.queue.length > 0; step += 1) {
      const message = this.queue.shift();
      message?.to.actor.send(message.event);
    }
  }
}

/** Rule IDs listed in the spec's rule table. */
export function knownRuleIds(): Set<string> {
  const lines = readFileSync(sharedPath('spec', 'rules.tsv'), 'utf8').split('\n').slice(1);

  return new Set(lines.map((line) => line.split('\t')[0] ?? '').filter((id) => id !== ''));
}
