// Steps of the abstract lease pool. Clients ask either server for a lease, renew, release and let
// leases run out. The primary lends and reclaims addresses, and each server sends a BNDUPD for
// every change it has not yet reported. Each step sends one event to the server's binding-status
// machine for the address, whose guards decide whether the server may act in its failover state.

import { permissionsOf } from '../endpoint.js';
import type { Role } from '../endpoint-types.js';
import { leaseToOffer, potentialExpirationToSend } from '../lease-time.js';
import { statusToReport } from '../lease/lease-guards.js';
import type {
  ClientId,
  LeaseEvent,
  ReceivedUpdate,
  ServerSituation,
} from '../lease/lease-types.js';
import type { Step } from './endpoint-steps.js';
import type { LeaseView } from './machine-stepper.js';
import type { CheckRuntime } from './model-options.js';
import {
  addressName,
  clientName,
  partnerOf,
  send,
  withLease,
  type ClientLease,
  type World,
} from './world.js';

/** A binding-status machine event without the situation, which the world supplies. */
export type LeaseEventBody = LeaseEvent extends infer E
  ? E extends LeaseEvent
    ? Omit<E, keyof ServerSituation>
    : never
  : never;

function situation(world: World, role: Role): ServerSituation {
  const server = world.servers[role];

  return {
    state: server.endpoint.value,
    now: world.clock,
    partnerDownSince: server.partnerDownSince,
  };
}

/** Sends `body` to the machine of `address` on `role`; undefined when no transition was enabled. */
export function applyLeaseEvent(
  runtime: CheckRuntime,
  world: World,
  role: Role,
  address: number,
  body: LeaseEventBody,
): World | undefined {
  const lease = world.servers[role].leases[address];
  if (lease === undefined) {
    return undefined;
  }

  const event: LeaseEvent = { ...situation(world, role), ...body };
  const next = runtime.leases.step(lease, event);

  return next === undefined ? undefined : withLease(world, role, address, next);
}

export function clientLeaseOf(
  world: World,
  address: number,
  client: ClientId,
): ClientLease | undefined {
  return world.clientLeases.find((lease) => lease.address === address && lease.client === client);
}

function compareClientLeases(a: ClientLease, b: ClientLease): number {
  if (a.address !== b.address) {
    return a.address - b.address;
  }

  return a.client.localeCompare(b.client);
}

function setClientLease(world: World, lease: ClientLease): World {
  const others = world.clientLeases.filter(
    (heldLease) => heldLease.address !== lease.address || heldLease.client !== lease.client,
  );

  return { ...world, clientLeases: [...others, lease].sort(compareClientLeases) };
}

function removeClientLease(world: World, address: number, client: ClientId): World {
  const clientLeases = world.clientLeases.filter(
    (heldLease) => heldLease.address !== address || heldLease.client !== client,
  );

  return { ...world, clientLeases };
}

/** Returns the expiry a server offers now: the desired lease cut to the MCLT bound (FO-5.2.1-c). */
function offeredExpiry(runtime: CheckRuntime, world: World, lease: LeaseView): number {
  const { ackedPet, receivedPet } = lease.context;
  const { desiredLease, mclt } = runtime.options;

  return (
    world.clock + leaseToOffer({ now: world.clock, desiredLease, ackedPet, receivedPet, mclt })
  );
}

/**
 * Returns whether `client` may talk to a server about `address` now. The model lets a client act
 * at most once per tick, after the last client-last-transaction-time either server stores for it,
 * because with equal times both servers would reject each other's updates: FO-7.1.3-d accepts
 * only a later CLTT.
 */
function clientMayAct(world: World, address: number, client: ClientId): boolean {
  return Object.values(world.servers).every((server) => {
    const binding = server.leases[address]?.context;
    const lastContact = binding?.client === client ? binding.clientLastTransactionTime : undefined;

    return lastContact === undefined || world.clock > lastContact;
  });
}

function allocateSteps(runtime: CheckRuntime, world: World, role: Role, address: number): Step[] {
  const lease = world.servers[role].leases[address];
  if (lease === undefined) {
    return [];
  }

  const expiry = offeredExpiry(runtime, world, lease);
  const steps: Step[] = [];
  for (let index = 0; index < runtime.options.clients; index += 1) {
    const client = clientName(index);
    // A client with a valid lease renews it instead. One lease per client keeps the model small,
    // and it leaves out only the "one client, two addresses" case of FO-7.1.2-b.
    if (world.clientLeases.some((heldLease) => heldLease.client === client)) {
      continue;
    }
    if (!clientMayAct(world, address, client)) {
      continue;
    }

    const next = applyLeaseEvent(runtime, world, role, address, {
      type: 'ALLOCATE',
      client,
      leaseExpirationTime: expiry,
    });
    if (next !== undefined) {
      const label = `${role} ALLOCATE ${addressName(address)} to ${client} until ${expiry}`;
      steps.push({ label, world: setClientLease(next, { address, client, expiry }) });
    }
  }

  return steps;
}

/** RENEW and RELEASE by the client that holds the lease, at a server that stores its binding. */
function clientSteps(runtime: CheckRuntime, world: World, role: Role, address: number): Step[] {
  const lease = world.servers[role].leases[address];
  const client = lease?.context.client;
  if (lease?.value !== 'ACTIVE' || client === undefined || !clientMayAct(world, address, client)) {
    return [];
  }

  const heldLease = clientLeaseOf(world, address, client);
  if (heldLease === undefined) {
    return [];
  }

  const steps: Step[] = [];
  const expiry = offeredExpiry(runtime, world, lease);
  // A renewal that does not extend the lease changes nothing the invariants read.
  if (expiry > heldLease.expiry) {
    const renewed = applyLeaseEvent(runtime, world, role, address, {
      type: 'RENEW',
      client,
      leaseExpirationTime: expiry,
    });
    if (renewed !== undefined) {
      const label = `${role} RENEW ${addressName(address)} for ${client} until ${expiry}`;
      steps.push({ label, world: setClientLease(renewed, { address, client, expiry }) });
    }
  }

  const released = applyLeaseEvent(runtime, world, role, address, { type: 'RELEASE', client });
  if (released !== undefined) {
    const label = `${role} RELEASE ${addressName(address)} from ${client}`;
    steps.push({ label, world: removeClientLease(released, address, client) });
  }

  return steps;
}

/** Lease expiry, the PARTNER-DOWN wait for transient statuses, lending and reclaiming. */
function poolSteps(runtime: CheckRuntime, world: World, role: Role, address: number): Step[] {
  const bodies: LeaseEventBody[] = [{ type: 'LEASE_EXPIRED' }, { type: 'MCLT_EXPIRED' }];
  if (role === 'primary') {
    bodies.push({ type: 'LEND_TO_SECONDARY' }, { type: 'RECLAIM' });
  }

  return bodies.flatMap((body) => {
    const next = applyLeaseEvent(runtime, world, role, address, body);

    return next === undefined
      ? []
      : [{ label: `${role} ${body.type} ${addressName(address)}`, world: next }];
  });
}

/** Returns whether a BNDUPD for `address` from `role`, or its BNDACK, is on the wire. */
export function updateInFlight(world: World, role: Role, address: number): boolean {
  const outgoing = world.inFlight[partnerOf(role)].some(
    (message) => message.type === 'BNDUPD' && message.address === address,
  );
  const answer = world.inFlight[role].some(
    (message) => message.type === 'BNDACK' && message.address === address,
  );

  return outgoing || answer;
}

/** Builds the binding update transaction a server sends for its copy of an address (FO-7.1.1-f). */
function updateContent(runtime: CheckRuntime, world: World, lease: LeaseView): ReceivedUpdate {
  const { context } = lease;
  const bindingStatus = statusToReport(context, lease.value);
  const update: ReceivedUpdate = {
    bindingStatus,
    client: context.client,
    clientLastTransactionTime: context.clientLastTransactionTime,
    startTimeOfState: context.startTimeOfState,
  };
  const leaseGivenAt = context.clientLastTransactionTime ?? world.clock;
  if (bindingStatus === 'ACTIVE' && context.leaseExpirationTime !== undefined) {
    update.leaseExpirationTime = context.leaseExpirationTime;
    update.potentialExpirationTime = potentialExpirationToSend({
      now: leaseGivenAt,
      desiredLease: runtime.options.desiredLease,
      actualLease: context.leaseExpirationTime - leaseGivenAt,
      policy: { kind: 'isc' },
    });
  }

  return update;
}

/** Sends a BNDUPD for `address` when its copy has a change to report; undefined otherwise. */
export function sendUpdate(
  runtime: CheckRuntime,
  world: World,
  role: Role,
  address: number,
): World | undefined {
  const lease = world.servers[role].leases[address];
  if (lease === undefined || !lease.context.pendingUpdate || updateInFlight(world, role, address)) {
    return undefined;
  }

  const update = updateContent(runtime, world, lease);
  const next = applyLeaseEvent(runtime, world, role, address, {
    type: 'BNDUPD_SENT',
    potentialExpirationTime: update.potentialExpirationTime,
  });

  return next === undefined
    ? undefined
    : send(next, partnerOf(role), [{ type: 'BNDUPD', address, update }]);
}

/**
 * Lazy updates: a server sends its pending changes while communications are ok in a state that
 * sends updates (FO-7.1.1-m, FO-9.8.1-a), each as a step of its own.
 */
function updateSteps(runtime: CheckRuntime, world: World, role: Role, address: number): Step[] {
  const endpoint = world.servers[role].endpoint;
  if (!world.connected || !endpoint.context.communicationsOk) {
    return [];
  }
  if (!permissionsOf(endpoint.value).sendsUpdates) {
    return [];
  }

  const next = sendUpdate(runtime, world, role, address);

  return next === undefined
    ? []
    : [{ label: `${role} sends BNDUPD for ${addressName(address)}`, world: next }];
}

export function leaseSteps(runtime: CheckRuntime, world: World, role: Role): Step[] {
  return world.servers[role].leases.flatMap((_, address) => [
    ...allocateSteps(runtime, world, role, address),
    ...clientSteps(runtime, world, role, address),
    ...poolSteps(runtime, world, role, address),
    ...updateSteps(runtime, world, role, address),
  ]);
}
