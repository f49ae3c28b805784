// Helpers for the binding-status machine tests: a binding placed in a chosen binding-status with
// chosen context, and one event applied with xstate's pure `transition`.

import { transition } from 'xstate';
import type { Role } from '../../../model/endpoint-types.js';
import { bindingStatusMachine } from '../../../model/lease/binding-status-machine.js';
import type { LeaseContext, LeaseEvent } from '../../../model/lease/lease-types.js';
import type { BindingStatusName, FailoverStateName } from '../../../src/wire/codes.js';

export const MCLT = 3_600;
export const NOW = 1_800_000_000;

export function leaseContext(role: Role, overrides: Partial<LeaseContext> = {}): LeaseContext {
  return {
    role,
    address: '10.0.0.5',
    mclt: MCLT,
    dynamicBootpPool: false,
    reservedFor: undefined,
    client: undefined,
    leaseExpirationTime: undefined,
    clientLastTransactionTime: undefined,
    startTimeOfState: undefined,
    sentPet: undefined,
    ackedPet: undefined,
    receivedPet: undefined,
    pendingUpdate: false,
    reportAs: undefined,
    lastSent: undefined,
    statusReported: false,
    reuseNotBefore: undefined,
    ...overrides,
  };
}

export interface LeaseOutcome {
  /** The binding-status after the event. */
  status: BindingStatusName;
  context: LeaseContext;
  /** Whether a transition was taken at all. */
  changed: boolean;
}

/** Applies `event` to a binding in `status` with `context`. */
export function applyEvent(
  status: BindingStatusName,
  context: LeaseContext,
  event: LeaseEvent,
): LeaseOutcome {
  const snapshot = bindingStatusMachine.resolveState({ value: status, context });
  const [next] = transition(bindingStatusMachine, snapshot, event);

  return { status: next.value, context: next.context, changed: next !== snapshot };
}

/** Returns the situation fields every event carries. */
export function at(
  state: FailoverStateName,
  now: number = NOW,
  partnerDownSince?: number,
): { state: FailoverStateName; now: number; partnerDownSince?: number } {
  return partnerDownSince === undefined ? { state, now } : { state, now, partnerDownSince };
}
