// Steps of the failover endpoints and their connection: partition and reconnection, noticing a
// failed connection, timers, operator commands, and restarts on the persisted state. Each step
// sends one event to an endpoint machine and carries out what the machine emits, as the runtime
// would: STATE, UPDREQ and UPDREQALL become messages in flight.

import type { FailoverStateName } from '../../src/wire/codes.js';
import { serverStateToSend } from '../endpoint.js';
import type { EndpointEmitted, EndpointEvent, EndpointInput, Role } from '../endpoint-types.js';
import type { CheckRuntime } from './model-options.js';
import {
  addressName,
  partnerOf,
  roles,
  send,
  withServer,
  type Message,
  type ServerWorld,
  type World,
} from './world.js';

export interface Step {
  label: string;
  world: World;
}

/** States in which a server serves no clients and has not yet resumed (FO-9.4-a). */
const notOperating: readonly FailoverStateName[] = ['STARTUP', 'PAUSED', 'SHUTDOWN'];

/**
 * Returns whether the operator may declare the partner of `role` down. The partner must not be
 * operating (FO-9.4-a). With the `unreachable` premise it must also be out of contact: there is no
 * connection, and it stopped before the current tick, so PARTNER-DOWN starts strictly after the
 * partner last operated (FO-9.3.2-f compares these times).
 */
function partnerDownAllowed(runtime: CheckRuntime, world: World, role: Role): boolean {
  const partner = world.servers[partnerOf(role)];
  if (!notOperating.includes(partner.endpoint.value)) {
    return false;
  }

  return (
    runtime.options.partnerDownPremise === 'not-operating' ||
    (!world.connected && world.clock > partner.stateSince)
  );
}

/** Builds the STATE message `role` sends now (FO-9.2-a, FO-9.3.1-b). */
export function stateMessage(world: World, role: Role): Message {
  const server = world.servers[role];
  const { state, startup } = serverStateToSend(server.endpoint);

  return {
    type: 'STATE',
    state,
    startup,
    startTimeOfState: server.stateSince,
    hasHistory: server.endpoint.context.hasSyncedBefore,
  };
}

function carryOut(world: World, role: Role, effect: EndpointEmitted): World {
  const partner = partnerOf(role);
  switch (effect.type) {
    case 'SEND_STATE':
      return send(world, partner, [stateMessage(world, role)]);
    case 'SEND_UPDREQ':
      return send(world, partner, [{ type: 'UPDREQ' }]);
    case 'SEND_UPDREQALL':
      return send(world, partner, [{ type: 'UPDREQALL' }]);
    default:
      // Timers are steps enabled by the state and the clock, and pending BNDUPDs go out as
      // steps of their own, so the other effects need no action here.
      return world;
  }
}

/** When PARTNER-DOWN began for the allocation waits (FO-9.4.2-c): the command's time or entry. */
function partnerDownSinceAfter(
  server: ServerWorld,
  entered: FailoverStateName,
  event: EndpointEvent,
  now: number,
): number | undefined {
  if (entered !== 'PARTNER-DOWN') {
    return undefined;
  }
  if (server.endpoint.value === 'PARTNER-DOWN') {
    return server.partnerDownSince;
  }

  return event.type === 'PARTNER_DOWN' && event.since !== undefined ? event.since : now;
}

/** Sends `event` to the endpoint of `role`; undefined when no transition was enabled. */
export function applyEndpointEvent(
  runtime: CheckRuntime,
  world: World,
  role: Role,
  event: EndpointEvent,
): World | undefined {
  const server = world.servers[role];
  const result = runtime.endpoints.step(server.endpoint, event);
  if (result === undefined) {
    return undefined;
  }

  const entered = result.view.value;
  const changed = entered !== server.endpoint.value;
  let next = withServer(world, role, {
    endpoint: result.view,
    stateSince: changed ? world.clock : server.stateSince,
    partnerDownSince: partnerDownSinceAfter(server, entered, event, world.clock),
  });
  for (const effect of result.emitted) {
    next = carryOut(next, role, effect);
  }

  return next;
}

function endpointStep(
  runtime: CheckRuntime,
  world: World,
  role: Role,
  event: EndpointEvent,
  label: string,
): Step[] {
  const next = applyEndpointEvent(runtime, world, role, event);

  return next === undefined ? [] : [{ label: `${role} ${label}`, world: next }];
}

/** Breaks the connection: every message in flight is lost, and so are UPDREQ replies under way. */
export function disconnect(world: World): World {
  const servers = {
    primary: { ...world.servers.primary, updateRequest: undefined },
    secondary: { ...world.servers.secondary, updateRequest: undefined },
  };

  return { ...world, connected: false, servers, inFlight: { primary: [], secondary: [] } };
}

/**
 * Opens a new connection: both endpoints get CONNECTED, and each sends the STATE it emits, as the
 * runtime does after CONNECT and CONNECTACK (FO-7.10-a). Both sides must have noticed the old
 * connection fail, and neither may be halted, because a halted server closes its connection
 * (FO-9.13-a, FO-9.14.1-b).
 */
function connectStep(runtime: CheckRuntime, world: World): Step[] {
  const { primary, secondary } = world.servers;
  const halted = [primary, secondary].some((server) =>
    ['PAUSED', 'SHUTDOWN'].includes(server.endpoint.value),
  );
  if (world.connected || halted) {
    return [];
  }
  if (primary.endpoint.context.connected || secondary.endpoint.context.connected) {
    return [];
  }

  let next: World = { ...world, connected: true };
  for (const role of roles) {
    next = applyEndpointEvent(runtime, next, role, { type: 'CONNECTED' }) ?? next;
  }

  return [{ label: 'connection established', world: next }];
}

export function connectionSteps(runtime: CheckRuntime, world: World): Step[] {
  const steps = connectStep(runtime, world);
  if (world.connected) {
    steps.push({ label: 'connection lost', world: disconnect(world) });
  }

  for (const role of ['primary', 'secondary'] as const) {
    if (!world.connected && world.servers[role].endpoint.context.connected) {
      steps.push(
        ...endpointStep(
          runtime,
          world,
          role,
          { type: 'COMMUNICATIONS_FAILED' },
          'COMMUNICATIONS_FAILED',
        ),
      );
    }
  }

  return steps;
}

/**
 * Returns the last time the server operated: now for a running state, when it halted for PAUSED or
 * SHUTDOWN (FO-9.14.1-a), and the time it recorded before for a restart during STARTUP. After a
 * loss of storage the operator configures the same time (FO-9.3.2-a).
 */
function lastOperatedAt(server: ServerWorld, now: number): number {
  switch (server.endpoint.value) {
    case 'STARTUP':
      return server.endpoint.context.lastOperatingTime;
    case 'PAUSED':
    case 'SHUTDOWN':
      return server.stateSince;
    default:
      return now;
  }
}

/** Returns the record a restart reads (FO-9.3.2-a, FO-9.13.2-a, FO-9.14.1-a). */
function persistedInput(
  runtime: CheckRuntime,
  server: ServerWorld,
  now: number,
  storageLost: boolean,
): EndpointInput {
  const { value, context } = server.endpoint;
  // A halted endpoint resumes the state it held before halting (FO-9.13.2-a, FO-9.14.1-a).
  const halted = value === 'STARTUP' || value === 'PAUSED' || value === 'SHUTDOWN';
  let previousState: FailoverStateName | undefined = halted ? context.previousState : value;
  if (storageLost) {
    previousState = undefined;
  }

  return {
    role: context.role,
    previousState,
    lastOperatingTime: lastOperatedAt(server, now),
    hasSyncedBefore: storageLost ? false : context.hasSyncedBefore,
    storageLost,
    startupExpiry: runtime.options.startupExpiry,
  };
}

/** Returns every binding as a first start finds it: FREE, available to the primary (FO-5.16-c). */
export function freshLeases(runtime: CheckRuntime, role: Role): ServerWorld['leases'] {
  return Array.from({ length: runtime.options.addresses }, (_, address) =>
    runtime.leases.start({ role, address: addressName(address), mclt: runtime.options.mclt }),
  );
}

/**
 * Stops the endpoint of `role` and starts it again in STARTUP. Its bindings survive in stable
 * storage unless `storageLost`. The connection breaks, and the partner notices that in a step of
 * its own.
 */
export function restart(
  runtime: CheckRuntime,
  world: World,
  role: Role,
  storageLost: boolean,
): World {
  const server = world.servers[role];
  const endpoint = runtime.endpoints.start(
    persistedInput(runtime, server, world.clock, storageLost),
  );
  const restarted = withServer(disconnect(world), role, {
    endpoint,
    stateSince: world.clock,
    startedAt: world.clock,
    partnerDownSince: undefined,
    leases: storageLost ? freshLeases(runtime, role) : server.leases,
  });

  return restarted;
}

function restartSteps(runtime: CheckRuntime, world: World, role: Role): Step[] {
  const steps = [{ label: `${role} restarts`, world: restart(runtime, world, role, false) }];
  if (runtime.options.storageLoss) {
    steps.push({
      label: `${role} restarts with its stable storage lost`,
      world: restart(runtime, world, role, true),
    });
  }

  return steps;
}

/**
 * Returns the timer and command steps of one endpoint. PARTNER_DOWN happens only when
 * `partnerDownAllowed` allows it, so the model does not check an operator who declares a running
 * partner down. SAFE_PERIOD_EXPIRED would take the same transition under the same premise, so it
 * is left out.
 */
function endpointTimerAndCommandSteps(runtime: CheckRuntime, world: World, role: Role): Step[] {
  const server = world.servers[role];
  const partner = world.servers[partnerOf(role)];
  const steps: Step[] = [];
  const add = (event: EndpointEvent, label: string = event.type) =>
    steps.push(...endpointStep(runtime, world, role, event, label));

  if (server.endpoint.value === 'STARTUP') {
    add({ type: 'STARTUP_EXPIRED' });
  }
  if (
    server.endpoint.value === 'RECOVER-WAIT' &&
    world.clock >= server.startedAt + runtime.options.mclt
  ) {
    add({ type: 'MCLT_EXPIRED' });
  }
  if (partnerDownAllowed(runtime, world, role)) {
    add(
      { type: 'PARTNER_DOWN', since: partner.stateSince },
      `PARTNER_DOWN since ${partner.stateSince}`,
    );
  }
  if (runtime.options.operatorHalts) {
    add({ type: 'PAUSE' });
    add({ type: 'SHUTDOWN' });
  }

  return steps;
}

export function endpointSteps(runtime: CheckRuntime, world: World, role: Role): Step[] {
  return [
    ...endpointTimerAndCommandSteps(runtime, world, role),
    ...restartSteps(runtime, world, role),
  ];
}
