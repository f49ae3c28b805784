// One global state of the model check: both failover endpoints with their copies of every
// binding, the connection with the messages in flight, the leases the clients hold, and the clock.
// Worlds are immutable; every step builds a new one.

import type { BindingStatusName, FailoverStateName } from '../../src/wire/codes.js';
import type { Role } from '../endpoint-types.js';
import type { ClientId, ReceivedUpdate } from '../lease/lease-types.js';
import type { EndpointView, LeaseView } from './machine-stepper.js';

/** A failover message in flight, as far as the model needs its content. */
export type Message =
  | {
      type: 'STATE';
      state: FailoverStateName;
      startup: boolean;
      startTimeOfState: number;
      hasHistory: boolean;
    }
  | { type: 'UPDREQ' }
  | { type: 'UPDREQALL' }
  | { type: 'UPDDONE' }
  | { type: 'BNDUPD'; address: number; update: ReceivedUpdate }
  | {
      type: 'BNDACK';
      address: number;
      bindingStatus: BindingStatusName;
      potentialExpirationTime: number | undefined;
      rejectReason: number | undefined;
    };

export interface ServerWorld {
  endpoint: EndpointView;
  /** When the endpoint entered its current state; STATE carries it as start-time-of-state. */
  stateSince: number;
  /** When this endpoint last started; its RECOVER-WAIT timer runs from here (FO-9.6.2-a). */
  startedAt: number;
  /**
   * While in PARTNER-DOWN: when the partner went down, from the operator's command, else when
   * PARTNER-DOWN was entered (FO-9.4.2-c).
   */
  partnerDownSince: number | undefined;
  /** This server's copy of each binding, by address index. */
  leases: LeaseView[];
  /**
   * Addresses whose BNDACK this server awaits before it answers the partner's UPDREQ or
   * UPDREQALL with UPDDONE (FO-7.3.2-b); undefined when no request is being answered.
   */
  updateRequest: number[] | undefined;
}

/** A lease as its client holds it: valid while the clock is before `expiry`. */
export interface ClientLease {
  address: number;
  client: ClientId;
  expiry: number;
}

export interface World {
  /** Discrete time in ticks; MCLT is a whole number of ticks. */
  clock: number;
  /** The TCP connection between the endpoints is up. */
  connected: boolean;
  servers: Record<Role, ServerWorld>;
  /** Messages in flight to each server, oldest first (TCP keeps their order). */
  inFlight: Record<Role, Message[]>;
  /** Unexpired client leases, ordered by address and client. */
  clientLeases: ClientLease[];
}

export const roles: readonly Role[] = ['primary', 'secondary'];

export function partnerOf(role: Role): Role {
  return role === 'primary' ? 'secondary' : 'primary';
}

export function withServer(world: World, role: Role, server: Partial<ServerWorld>): World {
  return { ...world, servers: { ...world.servers, [role]: { ...world.servers[role], ...server } } };
}

export function withLease(world: World, role: Role, address: number, lease: LeaseView): World {
  const leases = world.servers[role].leases.map((current, index) =>
    index === address ? lease : current,
  );

  return withServer(world, role, { leases });
}

/** Appends `messages` to those in flight to `to`; nothing is sent without a connection. */
export function send(world: World, to: Role, messages: readonly Message[]): World {
  if (!world.connected || messages.length === 0) {
    return world;
  }

  return { ...world, inFlight: { ...world.inFlight, [to]: [...world.inFlight[to], ...messages] } };
}

/** Returns the address as dotted quad; the model numbers its addresses from 10.0.0.1. */
export function addressName(address: number): string {
  return `10.0.0.${address + 1}`;
}

export function clientName(client: number): ClientId {
  return `client-${client + 1}`;
}
