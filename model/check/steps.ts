// Every step the environment and the two servers can take from a world, in a fixed order so that
// a breadth-first search finds the same shortest counterexample on every run.

import { deliverySteps } from './delivery.js';
import { connectionSteps, endpointSteps, type Step } from './endpoint-steps.js';
import { leaseSteps } from './lease-steps.js';
import type { CheckRuntime } from './model-options.js';
import { roles, type World } from './world.js';

/** The clock advances one tick; client leases that end by then stop being valid. */
function tickStep(runtime: CheckRuntime, world: World): Step[] {
  if (world.clock >= runtime.bounds.maxTime) {
    return [];
  }

  const clock = world.clock + 1;
  const clientLeases = world.clientLeases.filter((lease) => lease.expiry > clock);

  return [{ label: `tick ${clock}`, world: { ...world, clock, clientLeases } }];
}

export function enabledSteps(runtime: CheckRuntime, world: World): Step[] {
  return [
    ...tickStep(runtime, world),
    ...deliverySteps(runtime, world),
    ...connectionSteps(runtime, world),
    ...roles.flatMap((role) => [
      ...leaseSteps(runtime, world, role),
      ...endpointSteps(runtime, world, role),
    ]),
  ];
}
