// The safety properties the model check proves for every world it reaches. Each returns a
// description of the violation, or undefined when the world satisfies it.

import { maxClientExpiry } from '../lease-time.js';
import type { CheckRuntime } from './model-options.js';
import { addressName, roles, type World } from './world.js';

export interface Invariant {
  name: string;
  /** The property, in one sentence, with the rule it comes from. */
  statement: string;
  check(world: World, runtime: CheckRuntime): string | undefined;
}

/**
 * Draft-12 goal 5: an address is never bound to a client while it is validly bound to another.
 * The clients' own leases are the truth here, whichever server gave them.
 */
const singleClientPerAddress: Invariant = {
  name: 'single-client-per-address',
  statement: 'no address is validly leased to two different clients at once (draft-12 goal 5)',
  check(world) {
    for (const lease of world.clientLeases) {
      const other = world.clientLeases.find(
        (held) => held.address === lease.address && held.client !== lease.client,
      );
      if (other !== undefined) {
        return (
          `${addressName(lease.address)} is leased to ${lease.client} until ${lease.expiry} ` +
          `and to ${other.client} until ${other.expiry} at tick ${world.clock}`
        );
      }
    }

    return undefined;
  },
};

/**
 * FO-5.2.1-c: a lease a server stores as ACTIVE ends no later than MCLT past the time it was given
 * or past the PETs acknowledged by or received from the partner (`maxClientExpiry`).
 */
const leaseWithinMclt: Invariant = {
  name: 'lease-within-mclt',
  statement:
    'no lease a server stores ends more than MCLT past the later of the time it was given and ' +
    'the PETs the partner acknowledged or sent (FO-5.2.1-c)',
  check(world, runtime) {
    for (const role of roles) {
      for (const [address, lease] of world.servers[role].leases.entries()) {
        const { leaseExpirationTime, clientLastTransactionTime, ackedPet, receivedPet } =
          lease.context;
        if (lease.value !== 'ACTIVE' || leaseExpirationTime === undefined) {
          continue;
        }

        const given = clientLastTransactionTime ?? world.clock;
        const bound = maxClientExpiry({
          now: given,
          ackedPet,
          receivedPet,
          mclt: runtime.options.mclt,
        });
        if (leaseExpirationTime > bound) {
          return (
            `${role} stores ${addressName(address)} ACTIVE until ${leaseExpirationTime}, beyond ` +
            `the bound ${bound} (given at ${given}, acked-PET ${ackedPet ?? 'none'}, ` +
            `received-PET ${receivedPet ?? 'none'}, MCLT ${runtime.options.mclt})`
          );
        }
      }
    }

    return undefined;
  },
};

/** Both endpoints are NORMAL, nothing is in flight and neither has a change left to report. */
function settledInNormal(world: World): boolean {
  const { primary, secondary } = world.servers;
  if (primary.endpoint.value !== 'NORMAL' || secondary.endpoint.value !== 'NORMAL') {
    return false;
  }
  if (world.inFlight.primary.length > 0 || world.inFlight.secondary.length > 0) {
    return false;
  }

  return roles.every((role) =>
    world.servers[role].leases.every((lease) => !lease.context.pendingUpdate),
  );
}

/**
 * Once both servers are NORMAL and every update is delivered and acknowledged, both store the same
 * binding-status for every address, and the same client for an ACTIVE one (FO-9.8.1-a, FO-7.1.3-f).
 */
const normalBindingsAgree: Invariant = {
  name: 'normal-bindings-agree',
  statement:
    'when both endpoints are NORMAL with nothing in flight or pending, their bindings agree ' +
    '(FO-9.8.1-a, FO-7.1.3-f)',
  check(world) {
    if (!settledInNormal(world)) {
      return undefined;
    }

    const { primary, secondary } = world.servers;
    for (const [address, mine] of primary.leases.entries()) {
      const theirs = secondary.leases[address];
      const sameClient = mine.value !== 'ACTIVE' || mine.context.client === theirs?.context.client;
      if (theirs === undefined || mine.value !== theirs.value || !sameClient) {
        const theirClient = theirs?.context.client ?? 'no client';

        return (
          `${addressName(address)} is ${mine.value} (${mine.context.client ?? 'no client'}) on ` +
          `the primary but ${theirs?.value ?? 'missing'} (${theirClient}) on the secondary`
        );
      }
    }

    return undefined;
  },
};

export const invariants: readonly Invariant[] = [
  singleClientPerAddress,
  leaseWithinMclt,
  normalBindingsAgree,
];
