// The world the check starts from: both endpoints restarted from NORMAL with a shared history,
// connected until both are NORMAL again, and the first addresses lent to the secondary. The start
// is reached by running the machines themselves, so it is a state the protocol can be in.

import assert from 'node:assert';
import type { Role } from '../endpoint-types.js';
import { deliverySteps } from './delivery.js';
import { connectionSteps, freshLeases, type Step } from './endpoint-steps.js';
import { applyLeaseEvent, sendUpdate } from './lease-steps.js';
import type { CheckRuntime } from './model-options.js';
import { addressName, type ServerWorld, type World } from './world.js';

function startingServer(runtime: CheckRuntime, role: Role): ServerWorld {
  const endpoint = runtime.endpoints.start({
    role,
    previousState: 'NORMAL',
    lastOperatingTime: 0,
    hasSyncedBefore: true,
    storageLost: false,
    startupExpiry: runtime.options.startupExpiry,
  });

  return {
    endpoint,
    stateSince: 0,
    startedAt: 0,
    partnerDownSince: undefined,
    leases: freshLeases(runtime, role),
    updateRequest: undefined,
  };
}

/** Takes the first step whose label starts with `prefix`; the script below expects one. */
function take(steps: Step[], prefix: string, path: string[]): World {
  const step = steps.find((candidate) => candidate.label.startsWith(prefix));
  assert(step !== undefined, `initial scenario has no step "${prefix}"`);
  path.push(step.label);

  return step.world;
}

function deliverAll(runtime: CheckRuntime, world: World, path: string[]): World {
  let current = world;
  for (let steps = deliverySteps(runtime, current); steps.length > 0;) {
    current = take(steps, 'deliver', path);
    steps = deliverySteps(runtime, current);
  }

  return current;
}

function lend(runtime: CheckRuntime, world: World, address: number, path: string[]): World {
  const lent = applyLeaseEvent(runtime, world, 'primary', address, { type: 'LEND_TO_SECONDARY' });
  assert(lent !== undefined, `initial scenario cannot lend ${addressName(address)}`);
  const sent = sendUpdate(runtime, lent, 'primary', address);
  assert(sent !== undefined, `initial scenario cannot send BNDUPD for ${addressName(address)}`);
  path.push(`primary LEND_TO_SECONDARY ${addressName(address)}`, 'primary sends BNDUPD');

  return deliverAll(runtime, sent, path);
}

export interface InitialWorld {
  world: World;
  /** The steps that led from the two restarted endpoints to `world`. */
  path: string[];
}

export function initialWorld(runtime: CheckRuntime): InitialWorld {
  const path: string[] = [];
  let world: World = {
    clock: 0,
    connected: false,
    servers: {
      primary: startingServer(runtime, 'primary'),
      secondary: startingServer(runtime, 'secondary'),
    },
    inFlight: { primary: [], secondary: [] },
    clientLeases: [],
  };
  world = take(connectionSteps(runtime, world), 'connection established', path);
  world = deliverAll(runtime, world, path);
  for (let address = 0; address < runtime.options.lentAddresses; address += 1) {
    world = lend(runtime, world, address, path);
  }

  const { primary, secondary } = world.servers;
  assert(
    primary.endpoint.value === 'NORMAL' && secondary.endpoint.value === 'NORMAL',
    `initial scenario ends in ${primary.endpoint.value} and ${secondary.endpoint.value}`,
  );

  return { world, path };
}
