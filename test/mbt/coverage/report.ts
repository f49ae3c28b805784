// The coverage line of the model-based tests: states, transitions and rule IDs the real peer went
// through, against everything the machine definitions contain, with each uncovered one named.

import {
  machineNames,
  stateKeysOf,
  transitionsOf,
  type MachineName,
  type TransitionInfo,
} from './transition-list.js';

export interface RecordedCoverage {
  transitions: ReadonlySet<string>;
  states: ReadonlyMap<MachineName, ReadonlySet<string>>;
}

export interface CoverageReport {
  /** `states covered X of Y, transitions covered X of Y, rule IDs exercised X of Y`. */
  line: string;
  /** One line per machine, then one per uncovered state, transition and rule ID. */
  details: string[];
  /**
   * Every transition no run took, with the reason: no path takes it, or no context and event of
   * the model enables it at all.
   */
  missing: string[];
  /** `machine:state` of every state no run entered. */
  uncoveredStates: string[];
}

function count(covered: number, total: number, what: string): string {
  return `${what} covered ${covered} of ${total}`;
}

function reasonOf(transition: TransitionInfo, modelReachable: ReadonlySet<string>): string {
  return modelReachable.has(transition.id) ? 'no path covers it' : 'unreachable in the model';
}

function describeTransition(transition: TransitionInfo): string {
  return `${transition.id} -> ${transition.target} (${transition.rules.join(', ')})`;
}

export function coverageReport(
  recorded: RecordedCoverage,
  modelReachable: ReadonlySet<string>,
): CoverageReport {
  const all = machineNames.flatMap((machine) => transitionsOf(machine));
  const covered = all.filter((transition) => recorded.transitions.has(transition.id));
  const uncovered = all.filter((transition) => !recorded.transitions.has(transition.id));
  const states = machineNames.flatMap((machine) =>
    stateKeysOf(machine).map((state) => ({ machine, state })),
  );
  const statesCovered = states.filter(({ machine, state }) =>
    recorded.states.get(machine)?.has(state),
  );
  const rules = new Set(all.flatMap((transition) => transition.rules));
  const rulesExercised = new Set(covered.flatMap((transition) => transition.rules));

  const reasons = uncovered.map((transition) => reasonOf(transition, modelReachable));
  const modelUnreachable = reasons.filter((reason) => reason.startsWith('unreachable')).length;
  const line = [
    count(statesCovered.length, states.length, 'states'),
    `${count(covered.length, all.length, 'transitions')} (uncovered: ${modelUnreachable} unreachable in the model, ${uncovered.length - modelUnreachable} without a path)`,
    `rule IDs exercised ${rulesExercised.size} of ${rules.size}`,
  ].join(', ');
  const details = [
    ...machineNames.map((machine) => machineLine(machine, recorded)),
    ...states
      .filter((entry) => !statesCovered.includes(entry))
      .map(({ machine, state }) => `uncovered state ${machine}:${state}`),
    ...uncovered.map(
      (transition) =>
        `uncovered transition ${describeTransition(transition)}: ${reasonOf(transition, modelReachable)}`,
    ),
    ...[...rules]
      .filter((rule) => !rulesExercised.has(rule))
      .sort()
      .map((rule) => `rule ID not exercised ${rule}`),
  ];
  return {
    line,
    details,
    missing: uncovered.map(
      (transition) => `${describeTransition(transition)}: ${reasonOf(transition, modelReachable)}`,
    ),
    uncoveredStates: states
      .filter((entry) => !statesCovered.includes(entry))
      .map(({ machine, state }) => `${machine}:${state}`),
  };
}

function machineLine(machine: MachineName, recorded: RecordedCoverage): string {
  const transitions = transitionsOf(machine);
  const states = stateKeysOf(machine);
  const coveredTransitions = transitions.filter((t) => recorded.transitions.has(t.id)).length;
  const coveredStates = states.filter((state) => recorded.states.get(machine)?.has(state)).length;
  return `${machine}: ${count(coveredStates, states.length, 'states')}, ${count(coveredTransitions, transitions.length, 'transitions')}`;
}
