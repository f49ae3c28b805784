// Records what the peer's real actors do: every microstep of the endpoint, connection and
// update-flow actors, through the peer's `inspect` option. Each microstep is kept as machine,
// source state, event type and target state, with the transition's id and rule IDs.

import type { InspectionEvent } from 'xstate';
import {
  machineNameOf,
  rulesOf,
  transitionIdOf,
  type MachineName,
  type TransitionDefinitionLike,
} from './transition-list.js';

export interface RecordedStep {
  machine: MachineName;
  source: string;
  eventType: string;
  target: string;
  transitionId: string;
  rules: string[];
}

/** The parts of a machine snapshot the recorder reads. */
interface SnapshotLike {
  value: unknown;
  machine?: { id: string };
}

function snapshotOf(event: InspectionEvent): SnapshotLike | undefined {
  if (!('snapshot' in event)) {
    return undefined;
  }

  const snapshot: unknown = event.snapshot;
  return typeof snapshot === 'object' && snapshot !== null && 'value' in snapshot
    ? (snapshot as SnapshotLike)
    : undefined;
}

export class CoverageRecorder {
  readonly steps: RecordedStep[] = [];
  readonly states = new Map<MachineName, Set<string>>();
  private readonly lastState = new Map<unknown, string>();

  /** Pass as the peer's `inspect` option. */
  readonly inspect = (event: InspectionEvent): void => {
    const snapshot = snapshotOf(event);
    const machine = machineNameOf(snapshot?.machine?.id ?? '');
    if (snapshot === undefined || machine === undefined) {
      return;
    }

    const value = String(snapshot.value);
    this.noteState(machine, value);
    if (event.type === '@xstate.microstep') {
      const source = this.lastState.get(event.actorRef) ?? value;
      for (const definition of event._transitions) {
        this.noteTransition(machine, source, value, definition as TransitionDefinitionLike);
      }
    }

    this.lastState.set(event.actorRef, value);
  };

  get transitionIds(): Set<string> {
    return new Set(this.steps.map((step) => step.transitionId));
  }

  /** Number of steps recorded so far; pass to `stepsSince` to read the newer ones. */
  get mark(): number {
    return this.steps.length;
  }

  stepsSince(mark: number): RecordedStep[] {
    return this.steps.slice(mark);
  }

  private noteState(machine: MachineName, value: string): void {
    const set = this.states.get(machine) ?? new Set<string>();
    set.add(value);
    this.states.set(machine, set);
  }

  private noteTransition(
    machine: MachineName,
    source: string,
    target: string,
    definition: TransitionDefinitionLike,
  ): void {
    const transitionId = transitionIdOf(definition);
    if (transitionId === undefined) {
      return;
    }

    this.steps.push({
      machine,
      source: definition.source.key || source,
      eventType: definition.eventType,
      target,
      transitionId,
      rules: rulesOf(definition.meta),
    });
  }
}

/** The recorder of this test file's worker; every harness peer reports to it. */
export const recorder = new CoverageRecorder();
