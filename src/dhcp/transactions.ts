// The decision of the DHCPv4 front end for one client message: the reply, if any, and the binding
// to commit first. It reads the lease store and updates the offer holds but writes no binding, so
// the server can commit the binding before it sends the reply.

import type { Role } from '../../model/endpoint-types.js';
import { answersClient } from '../loadbal/client-service.js';
import { loadBalanceKeyOf } from '../loadbal/hash-bucket.js';
import { permissionsOf } from '../../model/state-permissions.js';
import type { StoredBinding } from '../store/types.js';
import {
  activeBinding,
  bindingBelongsTo,
  changedBinding,
  chooseAddress,
  findClientBinding,
  inPools,
  leaseTimeFor,
  mayAssign,
  type AllocationContext,
  type DHCPClient,
} from './allocation.js';
import { BOOTREPLY, DHCPMessageType, type DHCPPacket } from './packet.js';
import type { OfferHolds } from './offer-holds.js';
import { bypassesLoadBalancing, type LoadBalanceBypass } from './load-balance-bypass.js';
import { describeExhaustion, type PoolExhaustion } from './pool-exhaustion.js';

/** Options of every reply besides the lease. */
export interface ReplySettings {
  serverIdentifier: string;
  subnetMask?: string | undefined;
  routers?: string[] | undefined;
}

export interface TransactionContext extends AllocationContext {
  hashBucketAssignment: Uint8Array | undefined;
  role: Role;
  reply: ReplySettings;
  offers: OfferHolds;
  /** The secs bypass of load balancing in NORMAL; none when absent. */
  loadBalance?: LoadBalanceBypass | undefined;
}

/** The outcome of one client message. */
export type DHCPDecision =
  | { kind: 'reply'; reply: DHCPPacket; commit?: StoredBinding }
  | { kind: 'record'; commit: StoredBinding }
  | { kind: 'ignore'; reason: string; rule?: string; exhaustion?: PoolExhaustion };

const NO_ADDRESS = '0.0.0.0';

export function clientOf(request: DHCPPacket): DHCPClient {
  return {
    clientIdentifier: request.options.clientIdentifier,
    htype: request.htype,
    chaddr: request.chaddr,
  };
}

function clientKey(request: DHCPPacket): string {
  return Buffer.from(loadBalanceKeyOf(clientOf(request))).toString('hex');
}

/**
 * Returns whether this server replies to the request: by state and hash bucket (FO-9.8.2-a), and in
 * NORMAL also when the client has waited past loadBalanceMaxSecs (ISC-6). The secs bypass is
 * read only in NORMAL, because the other states that serve clients answer all of them anyway.
 */
function answers(context: TransactionContext, request: DHCPPacket, renewal: boolean): boolean {
  const answered = answersClient({
    role: context.role,
    state: context.state,
    hashBucketAssignment: context.hashBucketAssignment,
    key: loadBalanceKeyOf(clientOf(request)),
    renewal,
  });
  if (answered || permissionsOf(context.state).clientService !== 'balanced') {
    return answered;
  }

  return bypassesLoadBalancing(context.loadBalance ?? {}, request.secs);
}

function notServed(context: TransactionContext, renewal: boolean): DHCPDecision {
  if (context.state === 'NORMAL' && !renewal) {
    return {
      kind: 'ignore',
      reason: 'client hash bucket belongs to the partner',
      rule: 'FO-9.8.2-a',
    };
  }

  return { kind: 'ignore', reason: `${context.state} does not serve this request` };
}

/** Builds a reply that echoes the request's transaction fields (RFC 2131 table 3). */
export function buildReply(
  request: DHCPPacket,
  context: TransactionContext,
  messageType: number,
  yiaddr: string,
  leaseTime?: number,
): DHCPPacket {
  const nak = messageType === DHCPMessageType.DHCPNAK;
  const lease =
    leaseTime === undefined
      ? {}
      : {
          leaseTime,
          renewalTime: Math.floor(leaseTime / 2),
          rebindingTime: Math.floor((leaseTime * 7) / 8),
        };
  return {
    op: BOOTREPLY,
    htype: request.htype,
    hlen: request.hlen,
    hops: 0,
    xid: request.xid,
    secs: 0,
    flags: request.flags,
    ciaddr: messageType === DHCPMessageType.DHCPACK ? request.ciaddr : NO_ADDRESS,
    yiaddr,
    siaddr: NO_ADDRESS,
    giaddr: request.giaddr,
    chaddr: request.chaddr,
    sname: new Uint8Array(64),
    file: new Uint8Array(128),
    options: {
      messageType,
      serverIdentifier: context.reply.serverIdentifier,
      ...(nak ? {} : lease),
      ...(nak || context.reply.subnetMask === undefined
        ? {}
        : { subnetMask: context.reply.subnetMask }),
      ...(nak || context.reply.routers === undefined ? {} : { routers: context.reply.routers }),
      other: [],
    },
  };
}

/** DHCPDISCOVER: offers an address only from this server's own pool, within MCLT. */
function onDISCOVER(context: TransactionContext, request: DHCPPacket): DHCPDecision {
  if (!answers(context, request, false)) {
    return notServed(context, false);
  }

  const key = clientKey(request);
  const client = clientOf(request);
  const held = context.offers.heldForOthers(key, context.now);
  const address = chooseAddress(context, client, request.options.requestedAddress, held);
  if (address === undefined) {
    const exhaustion = describeExhaustion(context);
    return {
      kind: 'ignore',
      reason: 'no address available in this server own pool',
      rule: exhaustion.rule,
      exhaustion,
    };
  }

  context.offers.hold(address, key, context.now);
  const leaseTime = leaseTimeFor(context, address);
  return {
    kind: 'reply',
    reply: buildReply(request, context, DHCPMessageType.DHCPOFFER, address, leaseTime),
  };
}

function acknowledge(
  context: TransactionContext,
  request: DHCPPacket,
  address: string,
): DHCPDecision {
  const leaseTime = leaseTimeFor(context, address);
  // The hold stays until the server has committed the binding, so that no other client is
  // offered the address while the commit waits for the rest of its group.
  const commit = activeBinding(context, clientOf(request), address, leaseTime);
  return {
    kind: 'reply',
    reply: buildReply(request, context, DHCPMessageType.DHCPACK, address, leaseTime),
    commit,
  };
}

function nak(context: TransactionContext, request: DHCPPacket): DHCPDecision {
  return {
    kind: 'reply',
    reply: buildReply(request, context, DHCPMessageType.DHCPNAK, NO_ADDRESS),
  };
}

/** DHCPREQUEST in SELECTING: the client chose the server named in option 54. */
function onSelecting(context: TransactionContext, request: DHCPPacket): DHCPDecision {
  const requested = request.options.requestedAddress;
  if (request.options.serverIdentifier !== context.reply.serverIdentifier) {
    context.offers.releaseClient(clientKey(request));
    return { kind: 'ignore', reason: 'client selected another server' };
  }

  if (!answers(context, request, false)) {
    return notServed(context, false);
  }

  if (requested === undefined) {
    return { kind: 'ignore', reason: 'DHCPREQUEST in SELECTING without requested IP address' };
  }

  const held = context.offers.heldForOthers(clientKey(request), context.now);
  return !held.has(requested) && mayAssign(context, clientOf(request), requested)
    ? acknowledge(context, request, requested)
    : nak(context, request);
}

/** DHCPREQUEST in INIT-REBOOT: confirms an address the client remembers (RFC 2131 4.3.2). */
function onInitReboot(
  context: TransactionContext,
  request: DHCPPacket,
  requested: string,
): DHCPDecision {
  if (!answers(context, request, false)) {
    return notServed(context, false);
  }

  if (!inPools(context.pools, requested)) {
    return nak(context, request);
  }

  const binding = context.store.getBinding(requested);
  if (binding?.bindingStatus !== 'ACTIVE') {
    return { kind: 'ignore', reason: `no record of ${requested} for this client` };
  }

  return bindingBelongsTo(binding, clientOf(request))
    ? acknowledge(context, request, requested)
    : nak(context, request);
}

/**
 * DHCPREQUEST in RENEWING or REBINDING: never load balanced (FO-9.8.2-a), and in every state that
 * serves clients a lease this server stores is renewed whichever server granted it (FO-9.9.2-a,
 * FO-9.4.2-a). Only an address bound to another client is NAKed. Without a binding the server
 * stays silent, because the partner may have granted a lease whose BNDUPD never arrived, and a
 * NAK would take a valid lease from the client.
 */
function onRenewal(context: TransactionContext, request: DHCPPacket): DHCPDecision {
  if (!answers(context, request, true)) {
    return notServed(context, true);
  }

  if (!inPools(context.pools, request.ciaddr)) {
    return { kind: 'ignore', reason: `renewal of ${request.ciaddr} outside every pool` };
  }

  const binding = context.store.getBinding(request.ciaddr);
  if (binding?.bindingStatus !== 'ACTIVE') {
    return { kind: 'ignore', reason: `no ACTIVE binding of ${request.ciaddr} to renew` };
  }

  return bindingBelongsTo(binding, clientOf(request))
    ? acknowledge(context, request, request.ciaddr)
    : nak(context, request);
}

function onREQUEST(context: TransactionContext, request: DHCPPacket): DHCPDecision {
  if (request.options.serverIdentifier !== undefined) {
    return onSelecting(context, request);
  }

  const requested = request.options.requestedAddress;
  if (requested !== undefined && request.ciaddr === NO_ADDRESS) {
    return onInitReboot(context, request, requested);
  }

  if (request.ciaddr !== NO_ADDRESS) {
    return onRenewal(context, request);
  }

  return {
    kind: 'ignore',
    reason: 'DHCPREQUEST without ciaddr, requested IP address or server identifier',
  };
}

/**
 * DHCPRELEASE: the client's ACTIVE binding becomes RELEASED, in every state that serves clients
 * (FO-9.8.3-c). States that serve none keep nothing from it (FO-9.2-c).
 */
function onRELEASE(context: TransactionContext, request: DHCPPacket): DHCPDecision {
  if (permissionsOf(context.state).clientService === 'none') {
    return { kind: 'ignore', reason: `${context.state} serves no clients`, rule: 'FO-9.2-c' };
  }

  const binding = context.store.getBinding(request.ciaddr);
  if (binding?.bindingStatus !== 'ACTIVE' || !bindingBelongsTo(binding, clientOf(request))) {
    return { kind: 'ignore', reason: `DHCPRELEASE of ${request.ciaddr} not bound to this client` };
  }

  return {
    kind: 'record',
    commit: changedBinding(context, request.ciaddr, { bindingStatus: 'RELEASED' }),
  };
}

/** DHCPDECLINE: the address is in use elsewhere, so it becomes ABANDONED (FO-5.11-b). */
function onDECLINE(context: TransactionContext, request: DHCPPacket): DHCPDecision {
  const address = request.options.requestedAddress;
  if (permissionsOf(context.state).clientService === 'none' || address === undefined) {
    return { kind: 'ignore', reason: 'DHCPDECLINE not accepted in this state or without address' };
  }

  const binding = findClientBinding(context, clientOf(request));
  if (binding?.address !== address) {
    return { kind: 'ignore', reason: `DHCPDECLINE of ${address} not offered to this client` };
  }

  return {
    kind: 'record',
    commit: changedBinding(context, address, { bindingStatus: 'ABANDONED' }),
  };
}

/** DHCPINFORM: configuration only, no lease and no binding (RFC 2131 4.3.5). */
function onINFORM(context: TransactionContext, request: DHCPPacket): DHCPDecision {
  if (!answers(context, request, false)) {
    return notServed(context, false);
  }

  return {
    kind: 'reply',
    reply: buildReply(request, context, DHCPMessageType.DHCPACK, NO_ADDRESS),
  };
}

/** Decides what to do with one decoded client message. */
export function decideTransaction(context: TransactionContext, request: DHCPPacket): DHCPDecision {
  if (request.op !== 1) {
    return { kind: 'ignore', reason: 'BOOTREPLY received' };
  }

  switch (request.options.messageType) {
    case DHCPMessageType.DHCPDISCOVER:
      return onDISCOVER(context, request);
    case DHCPMessageType.DHCPREQUEST:
      return onREQUEST(context, request);
    case DHCPMessageType.DHCPRELEASE:
      return onRELEASE(context, request);
    case DHCPMessageType.DHCPDECLINE:
      return onDECLINE(context, request);
    case DHCPMessageType.DHCPINFORM:
      return onINFORM(context, request);
    default:
      return {
        kind: 'ignore',
        reason: `message type ${request.options.messageType ?? 'missing'} not handled`,
      };
  }
}
