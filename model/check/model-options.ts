// Parameters of the model check: the size of the abstract lease pool, the timing in ticks, which
// failures and operator commands the environment may cause, and the exploration bound.

import type { MachineImplementationsFrom } from 'xstate';
import type { StartupExpiryPolicy } from '../endpoint-types.js';
import type { bindingStatusMachine } from '../lease/binding-status-machine.js';
import type { EndpointStepper, LeaseStepper } from './machine-stepper.js';
import type { CanonicalCache } from './world-key.js';

/** Guard implementations that replace those of the binding-status machine. */
export type LeaseGuardOverrides = NonNullable<
  MachineImplementationsFrom<typeof bindingStatusMachine>['guards']
>;

export interface ModelOptions {
  /** Addresses in the pool, numbered from 10.0.0.1. */
  addresses: number;
  /** DHCP clients that may ask either server for a lease. */
  clients: number;
  /** How many addresses, from the first, the primary lends to the secondary before the check. */
  lentAddresses: number;
  /** MCLT in ticks. */
  mclt: number;
  /** The lease a server gives when MCLT does not cut it, in ticks. */
  desiredLease: number;
  /**
   * Policy of a restarted endpoint whose STARTUP timer expires before it reaches the partner.
   * `keep-waiting` is the FO-9.3.2-g choice for networks where a partition is likely.
   */
  startupExpiry: StartupExpiryPolicy;
  /**
   * When the operator may declare the partner down. `unreachable`: the partner is halted or
   * restarting, there is no connection, and it stopped at an earlier tick. `not-operating`: the
   * partner is halted or restarting, connected or not, which lets a restarting partner act on a
   * STATE that was sent before PARTNER-DOWN began.
   */
  partnerDownPremise: 'unreachable' | 'not-operating';
  /** The operator may PAUSE and SHUTDOWN either endpoint. */
  operatorHalts: boolean;
  /** An endpoint may restart with its stable storage lost, knowing it (FO-9.3.2-a). */
  storageLoss: boolean;
  /** Replaces guards of the binding-status machine; the checker's own tests break a rule so. */
  leaseGuards?: LeaseGuardOverrides;
}

export interface CheckBounds {
  /** Maximum length of an explored event sequence, counted from the initial world. */
  maxDepth: number;
  /** Exploration stops once this many distinct worlds have been seen. */
  maxStates: number;
  /** The clock does not advance past this tick. */
  maxTime: number;
}

export const defaultModelOptions: ModelOptions = {
  addresses: 2,
  clients: 2,
  lentAddresses: 1,
  mclt: 2,
  desiredLease: 4,
  startupExpiry: 'keep-waiting',
  partnerDownPremise: 'unreachable',
  operatorHalts: true,
  // The safety argument assumes stable storage (FO-9.2-e, FO-5.2.1-f); losing it is opt-in.
  storageLoss: false,
};

export const defaultBounds: CheckBounds = { maxDepth: 7, maxStates: 1_000_000, maxTime: 6 };

/** Options and machine caches shared by every step of one check run. */
export interface CheckRuntime {
  options: ModelOptions;
  bounds: CheckBounds;
  texts: CanonicalCache;
  endpoints: EndpointStepper;
  leases: LeaseStepper;
}
