// Delivery of the oldest message in flight to a server, and what the server does with it: STATE and
// UPDDONE go to its endpoint machine, BNDUPD and BNDACK to the binding-status machine of the
// address, and UPDREQ or UPDREQALL start an answer that ends with UPDDONE once every BNDUPD of the
// answer has its BNDACK (FO-7.3.2-a, FO-7.3.2-b, FO-7.4.2-a).

import type { Role } from '../endpoint-types.js';
import { decideReceivedUpdate } from '../lease/lease-guards.js';
import { applyEndpointEvent, type Step } from './endpoint-steps.js';
import { applyLeaseEvent, sendUpdate, updateInFlight } from './lease-steps.js';
import type { CheckRuntime } from './model-options.js';
import { addressName, partnerOf, send, withServer, type Message, type World } from './world.js';

/** Returns a message as a step label shows it. */
export function describeMessage(message: Message): string {
  switch (message.type) {
    case 'STATE':
      return `STATE(${message.state}${message.startup ? ', S=1' : ''})`;
    case 'BNDUPD': {
      const { update } = message;
      const client = update.client === undefined ? '' : ` ${update.client}`;
      const lease =
        update.leaseExpirationTime === undefined
          ? ''
          : ` until ${update.leaseExpirationTime} PET ${update.potentialExpirationTime ?? 'none'}`;

      return `BNDUPD(${addressName(message.address)} ${update.bindingStatus}${client}${lease})`;
    }
    case 'BNDACK': {
      const outcome =
        message.rejectReason === undefined ? 'accepted' : `reject-reason ${message.rejectReason}`;

      return `BNDACK(${addressName(message.address)} ${message.bindingStatus} ${outcome})`;
    }
    default:
      return message.type;
  }
}

/** Stores or rejects a partner's update and answers it with a BNDACK (FO-7.1.3-f, FO-7.2-a). */
function receiveUpdate(
  runtime: CheckRuntime,
  world: World,
  role: Role,
  message: Extract<Message, { type: 'BNDUPD' }>,
): World {
  const lease = world.servers[role].leases[message.address];
  if (lease === undefined) {
    return world;
  }

  const { update, address } = message;
  const decision = decideReceivedUpdate(lease.context, lease.value, world.clock, update);
  const next =
    applyLeaseEvent(runtime, world, role, address, { type: 'BNDUPD_RECEIVED', update }) ?? world;

  return send(next, partnerOf(role), [
    {
      type: 'BNDACK',
      address,
      bindingStatus: update.bindingStatus,
      potentialExpirationTime: update.potentialExpirationTime,
      rejectReason: decision.accepted ? undefined : decision.rejectReason,
    },
  ]);
}

/** Records a BNDACK, and sends UPDDONE when it was the last one an UPDREQ answer awaited. */
function receiveAck(
  runtime: CheckRuntime,
  world: World,
  role: Role,
  message: Extract<Message, { type: 'BNDACK' }>,
): World {
  const { address, bindingStatus, potentialExpirationTime, rejectReason } = message;
  const next =
    applyLeaseEvent(runtime, world, role, address, {
      type: 'BNDACK_RECEIVED',
      bindingStatus,
      potentialExpirationTime,
      rejectReason,
    }) ?? world;
  const awaited = next.servers[role].updateRequest;
  if (awaited === undefined || !awaited.includes(address)) {
    return next;
  }

  // FO-7.5-b: a rejection answers an update as much as an acceptance does.
  const remaining = awaited.filter((waiting) => waiting !== address);
  if (remaining.length > 0) {
    return withServer(next, role, { updateRequest: remaining });
  }

  return send(withServer(next, role, { updateRequest: undefined }), partnerOf(role), [
    { type: 'UPDDONE' },
  ]);
}

/**
 * Answers UPDREQ with every change the partner has not acknowledged, and UPDREQALL with every
 * binding (FO-7.3.2-a, FO-7.4.2-a). Updates already on the wire are awaited, not sent twice.
 */
function answerUpdateRequest(runtime: CheckRuntime, world: World, role: Role, all: boolean): World {
  let next = world;
  const addresses = world.servers[role].leases.map((_, address) => address);
  if (all) {
    for (const address of addresses) {
      next = applyLeaseEvent(runtime, next, role, address, { type: 'UPDREQALL_RECEIVED' }) ?? next;
    }
  }

  const awaited = new Set(next.servers[role].updateRequest ?? []);
  for (const address of addresses) {
    if (updateInFlight(next, role, address)) {
      awaited.add(address);
      continue;
    }

    const sent = sendUpdate(runtime, next, role, address);
    if (sent !== undefined) {
      next = sent;
      awaited.add(address);
    }
  }

  if (awaited.size === 0) {
    return send(next, partnerOf(role), [{ type: 'UPDDONE' }]);
  }

  return withServer(next, role, { updateRequest: [...awaited].sort((a, b) => a - b) });
}

function receive(runtime: CheckRuntime, world: World, role: Role, message: Message): World {
  switch (message.type) {
    case 'STATE': {
      const event = {
        type: 'PARTNER_STATE',
        state: message.state,
        startup: message.startup,
        startTimeOfState: message.startTimeOfState,
        partnerHasHistory: message.hasHistory,
      } as const;

      return applyEndpointEvent(runtime, world, role, event) ?? world;
    }
    case 'UPDDONE':
      return applyEndpointEvent(runtime, world, role, { type: 'UPDDONE' }) ?? world;
    case 'UPDREQ':
      return answerUpdateRequest(runtime, world, role, false);
    case 'UPDREQALL':
      return answerUpdateRequest(runtime, world, role, true);
    case 'BNDUPD':
      return receiveUpdate(runtime, world, role, message);
    case 'BNDACK':
      return receiveAck(runtime, world, role, message);
  }
}

/** Delivers the oldest message in flight to each server; TCP keeps them in order. */
export function deliverySteps(runtime: CheckRuntime, world: World): Step[] {
  return (['primary', 'secondary'] as const).flatMap((role) => {
    const [message, ...rest] = world.inFlight[role];
    if (message === undefined) {
      return [];
    }

    const taken: World = { ...world, inFlight: { ...world.inFlight, [role]: rest } };
    const label = `deliver ${describeMessage(message)} to ${role}`;

    return [{ label, world: receive(runtime, taken, role, message) }];
  });
}
