// The text a model check run prints: the model and its bound, what was explored, and for each
// invariant whether it held. A violation comes with the shortest event sequence that reaches it.

import type { CheckResult } from './explore.js';
import { invariants } from './invariants.js';
import { addressName } from './world.js';

const stopReasons: Record<CheckResult['stoppedBy'], string> = {
  exhausted: 'every world within the clock bound was explored',
  depth: 'stopped at the depth bound',
  states: 'stopped at the state bound',
  violation: 'stopped at the first violation',
};

/** Returns `count` with the singular or plural noun. */
function counted(count: number, singular: string, plural: string = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : plural}`;
}

function modelLines(result: CheckResult): string[] {
  const { options, bounds } = result;
  const lent = Array.from({ length: options.lentAddresses }, (_, address) => addressName(address));
  const environment = [
    'connection loss and reconnection',
    'restarts on the persisted state',
    ...(options.storageLoss ? ['restarts with stable storage lost'] : []),
    ...(options.operatorHalts ? ['PAUSE and SHUTDOWN'] : []),
    options.partnerDownPremise === 'unreachable'
      ? 'PARTNER_DOWN while the partner is halted or restarting and unreachable'
      : 'PARTNER_DOWN while the partner is halted or restarting',
  ];

  const addresses = counted(options.addresses, 'address', 'addresses');

  return [
    `model: primary and secondary endpoint machines, ${addresses} ` +
      `(${lent.length === 0 ? 'none' : lent.join(', ')} lent to the secondary), ` +
      `${counted(options.clients, 'client')}, MCLT ${counted(options.mclt, 'tick')}, ` +
      `desired lease ${counted(options.desiredLease, 'tick')}, ` +
      `STARTUP timer policy ${options.startupExpiry}`,
    `environment: ${environment.join(', ')}`,
    `bound: depth ${bounds.maxDepth}, ${bounds.maxStates} states, ` +
      `clock up to tick ${bounds.maxTime}`,
    `initial world: ${result.initialPath.length} steps from both endpoints restarting in NORMAL`,
  ];
}

function violationLines(result: CheckResult): string[] {
  const { violation } = result;
  if (violation === undefined) {
    return [];
  }

  const steps = violation.path.map((label, index) => `  ${index + 1}. ${label}`);

  return [
    `counterexample (${violation.path.length} steps from the initial world, shortest):`,
    ...steps,
  ];
}

/**
 * Returns the report lines of `result`. `elapsedMs`, measured by the caller, is printed when
 * given; the model itself reads no clock.
 */
export function formatCheckReport(result: CheckResult, elapsedMs?: number): string[] {
  const time = elapsedMs === undefined ? '' : ` in ${(elapsedMs / 1000).toFixed(1)} s`;
  const explored =
    `explored ${result.statesExplored} states and ${result.transitionsTaken} transitions to ` +
    `depth ${result.depthReached}${time} (${stopReasons[result.stoppedBy]})`;
  const verdicts = invariants.map((invariant) => {
    let verdict = 'holds in every explored state';
    if (result.violation?.invariant === invariant) {
      verdict = `VIOLATED: ${result.violation.message}`;
    } else if (result.violation !== undefined) {
      verdict = 'holds in every state explored before the violation';
    }

    return `invariant ${invariant.name}: ${verdict} (${invariant.statement})`;
  });

  return [...modelLines(result), explored, ...verdicts, ...violationLines(result)];
}
