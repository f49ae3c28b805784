// The states and transitions of the three machines the peer runs, read from their definitions, so
// coverage counts against the machines as they are, not against a list kept by hand.

import type { AnyStateMachine } from 'xstate';
import { connectionMachine } from '../../../model/connection.js';
import { endpointMachine } from '../../../model/endpoint.js';
import { updateFlowMachine } from '../../../model/update-flow.js';

export type MachineName = 'endpoint' | 'connection' | 'update-flow';

export const machines: Readonly<Record<MachineName, AnyStateMachine>> = {
  endpoint: endpointMachine,
  connection: connectionMachine,
  'update-flow': updateFlowMachine,
};

export const machineNames = Object.keys(machines) as MachineName[];

/** One transition of a machine definition; `index` is its place in its event's list. */
export interface TransitionInfo {
  /** `machine:source.EVENT[index]`, stable while the machine's transition order stays. */
  id: string;
  machine: MachineName;
  source: string;
  eventType: string;
  index: number;
  /** Target state key; the source itself for a transition without a target. */
  target: string;
  /** The transition leaves and enters its target again even when it is the source. */
  reenter: boolean;
  rules: string[];
}

/** The parts of an XState transition definition this module reads. */
export interface TransitionDefinitionLike {
  source: { key: string; machine: { id: string }; transitions: Map<string, unknown[]> };
  eventType: string;
  target?: readonly { key: string }[] | undefined;
  meta?: unknown;
}

export function machineNameOf(id: string): MachineName | undefined {
  return machineNames.find((name) => machines[name].id === id);
}

/** Returns the id of a transition definition taken by a running actor, or undefined if foreign. */
export function transitionIdOf(definition: TransitionDefinitionLike): string | undefined {
  const machine = machineNameOf(definition.source.machine.id);
  const list = definition.source.transitions.get(definition.eventType);
  const index = list?.indexOf(definition) ?? -1;
  if (machine === undefined || index < 0) {
    return undefined;
  }

  return `${machine}:${definition.source.key}.${definition.eventType}[${index}]`;
}

export function rulesOf(meta: unknown): string[] {
  if (typeof meta !== 'object' || meta === null || !('rules' in meta)) {
    return [];
  }

  const rules: unknown = meta.rules;
  return Array.isArray(rules) ? rules.filter((rule) => typeof rule === 'string') : [];
}

export function stateKeysOf(machine: MachineName): string[] {
  return Object.keys(machines[machine].root.states);
}

export function transitionsOf(machine: MachineName): TransitionInfo[] {
  const result: TransitionInfo[] = [];
  for (const [source, node] of Object.entries(machines[machine].root.states)) {
    for (const [eventType, list] of node.transitions) {
      list.forEach((definition, index) => {
        result.push({
          id: `${machine}:${source}.${eventType}[${index}]`,
          machine,
          source,
          eventType,
          index,
          target: definition.target?.[0]?.key ?? source,
          reenter: definition.reenter,
          rules: rulesOf(definition.meta),
        });
      });
    }
  }

  return result;
}

/** Collects every rule ID named in the `meta` of a transition of `machine`. */
export function rulesOfMachine(machine: MachineName): Set<string> {
  return new Set(transitionsOf(machine).flatMap((transition) => transition.rules));
}
