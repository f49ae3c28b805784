// The binding-status machine of draft-12 section 5.11 (Figure 5.11-1 and its table T1 to T14)
// for one address as one server stores it. It is pure: timers (LEASE_EXPIRED, MCLT_EXPIRED) and
// messages (BNDUPD_SENT, BNDACK_RECEIVED, BNDUPD_RECEIVED) arrive as events, and each event
// carries the holding server's failover endpoint state and the time. Guards decide which server
// may make a change in which state; an event no guard allows leaves the binding as it is. Use it as
// `createActor(bindingStatusMachine, { input })` or with `transition` from xstate.

import { assertEvent, assign, setup, type SnapshotFrom } from 'xstate';
import type { BindingStatusName } from '../../src/wire/codes.js';
import { partnerDownReuseTime } from '../lease-time.js';
import {
  answersLastSent,
  decideReceivedUpdate,
  hasUpdateToSend,
  holdsReservation,
  isAccepting,
  leaseTimeReached,
  mayAllocate,
  mayLend,
  mayReclaim,
  mayRelease,
  mayRenew,
  mayReturnToSameClient,
  partnerDownMcltPassed,
  servesClients,
  statusToReport,
  type AddressPool,
} from './lease-guards.js';
import { bindingStatusNames, transitionsOf } from './lease-transitions.js';
import type {
  BindingStatusMeta,
  LeaseContext,
  LeaseEvent,
  LeaseInput,
  LeaseTransitionMeta,
} from './lease-types.js';

/** Meaning of each binding-status for the two servers, used as the states' `meta`. */
export const bindingStatusMeta: Record<BindingStatusName, BindingStatusMeta> = {
  FREE: {
    doc:
      'Available to the primary; the secondary allocates it only in PARTNER-DOWN after MCLT ' +
      '(FO-5.11-f). Left by ALLOCATE (T1), LEND_TO_SECONDARY (T3), DECLINE, OPERATOR_RESET and ' +
      'an accepted BNDUPD.',
  },
  ACTIVE: {
    doc:
      'Leased to a client; available to neither server. RENEW keeps it (T5); LEASE_EXPIRED (T6), ' +
      'RELEASE (T7), DECLINE (T10) and OPERATOR_RESET (T12) leave it.',
  },
  EXPIRED: {
    doc:
      'Transient: the lease ran out. Becomes FREE on the BNDACK for its BNDUPD, or in ' +
      'PARTNER-DOWN once MCLT has passed (T8, FO-5.11-e, FO-5.11-f); the same client may take it ' +
      'back while no BNDUPD was sent (T9, FO-5.2.2-c).',
  },
  RELEASED: {
    doc: 'Transient: the client sent DHCPRELEASE. Leaves as EXPIRED does (T8, T9, FO-9.8.3-c).',
  },
  ABANDONED: {
    doc:
      'Unusable: a DHCPDECLINE arrived or a ping was answered (FO-5.11-b). Only OPERATOR_RESET ' +
      'leaves it (T11); the acceptance matrix rejects every other update (FO-7.1.2-a).',
  },
  RESET: {
    doc:
      'Transient: the operator made the address available. Becomes FREE as EXPIRED does (T8, ' +
      'FO-5.11-e).',
  },
  BACKUP: {
    doc:
      'Available to the secondary; the primary no longer allocates it (FO-5.4-a) except in ' +
      'PARTNER-DOWN after MCLT (FO-5.11-f). Left by ALLOCATE (T2), by the BNDACK for a RECLAIM ' +
      '(T4) and by CANCEL_RESERVATION (T14).',
  },
};

function initialContext(input: LeaseInput): LeaseContext {
  return {
    role: input.role,
    address: input.address,
    mclt: input.mclt,
    dynamicBootpPool: input.dynamicBootpPool ?? false,
    reservedFor: input.reservedFor,
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
  };
}

type StatusParams = { status: BindingStatusName };

/** Every local change waits for the partner's acknowledgement (FO-5.16-a, FO-7.1.1-a). */
const pendingChange = {
  pendingUpdate: true,
  lastSent: undefined,
  statusReported: false,
  reportAs: undefined,
} as const;

const leaseSetup = setup({
  // XState reads only the types of these placeholder values.
  types: {
    context: {} as LeaseContext,
    events: {} as LeaseEvent,
    input: {} as LeaseInput,
    meta: {} as BindingStatusMeta,
    transitionMeta: {} as LeaseTransitionMeta,
  },
  guards: {
    mayAllocate: ({ context, event }, params: StatusParams & { pool: AddressPool }) =>
      mayAllocate(context, params.status, event, params.pool),
    mayReturnToSameClient: ({ context, event }) => mayReturnToSameClient(context, event),
    mayRenew: ({ context, event }) => mayRenew(context, event),
    mayRelease: ({ context, event }) => mayRelease(context, event),
    servesClients: ({ event }) => servesClients(event),
    leaseTimeReached: ({ context, event }) => leaseTimeReached(context, event),
    mayLend: ({ context, event }, params: { reserved: boolean }) =>
      mayLend(context, event, params.reserved),
    mayReclaim: ({ context, event }) => mayReclaim(context, event),
    holdsReservation: ({ context }, params: StatusParams) =>
      holdsReservation(context, params.status),
    partnerDownMcltPassed: ({ context, event }) =>
      event.partnerDownSince !== undefined && partnerDownMcltPassed(context, event),
    hasUpdateToSend: ({ context, event }, params: StatusParams) =>
      hasUpdateToSend(context, params.status, event),
    acksLastSent: ({ context, event }, params: { carrying?: BindingStatusName }) =>
      isAccepting(event) &&
      answersLastSent(context, event) &&
      (params.carrying === undefined || context.lastSent?.bindingStatus === params.carrying),
    rejectsLastSent: ({ context, event }) => !isAccepting(event) && answersLastSent(context, event),
    acceptsUpdate: ({ context, event }, params: StatusParams & { stores: BindingStatusName }) => {
      if (event.type !== 'BNDUPD_RECEIVED') {
        return false;
      }

      const decision = decideReceivedUpdate(context, params.status, event.now, event.update);

      return decision.accepted && decision.bindingStatus === params.stores;
    },
    rejectsUpdate: ({ context, event }, params: StatusParams) =>
      event.type === 'BNDUPD_RECEIVED' &&
      !decideReceivedUpdate(context, params.status, event.now, event.update).accepted,
  },
  actions: {
    recordNewLease: assign(({ event }) => {
      assertEvent(event, 'ALLOCATE');

      return {
        client: event.client,
        leaseExpirationTime: event.leaseExpirationTime,
        clientLastTransactionTime: event.now,
        startTimeOfState: event.now,
        reuseNotBefore: undefined,
        ...pendingChange,
      };
    }),
    recordRenewal: assign(({ event }) => {
      assertEvent(event, 'RENEW');

      return {
        leaseExpirationTime: event.leaseExpirationTime,
        clientLastTransactionTime: event.now,
        ...pendingChange,
      };
    }),
    recordLocalChange: assign(({ event }) => ({ startTimeOfState: event.now, ...pendingChange })),
    recordClientContact: assign(({ event }) => ({ clientLastTransactionTime: event.now })),
    // The binding goes out again, and no BNDACK for an earlier update may cancel that.
    markPendingUpdate: assign({ pendingUpdate: true, lastSent: undefined }),
    reportAs: assign((_, params: { status: 'FREE' | 'BACKUP' }) => ({ reportAs: params.status })),
    recordSentUpdate: assign(({ context, event }, params: StatusParams) => {
      assertEvent(event, 'BNDUPD_SENT');
      const pet = event.potentialExpirationTime;

      return {
        lastSent: {
          bindingStatus: statusToReport(context, params.status),
          potentialExpirationTime: pet,
        },
        sentPet: pet ?? context.sentPet,
        statusReported: true,
      };
    }),
    // FO-7.2.2-a: the PET of the acknowledged BNDUPD becomes the acknowledged PET.
    recordAcceptedAck: assign(({ context, event }) => {
      assertEvent(event, 'BNDACK_RECEIVED');

      return {
        ackedPet: event.potentialExpirationTime ?? context.ackedPet,
        pendingUpdate: false,
        lastSent: undefined,
        reportAs: undefined,
      };
    }),
    // FO-7.2.2-b: a rejected update is not sent again at once; the partner sends what it stores.
    recordRejectedAck: assign({ pendingUpdate: false, lastSent: undefined, reportAs: undefined }),
    // An address available again starts without lease times, so a new client gets at most MCLT.
    forgetLeaseTimes: assign(({ event }) => ({
      leaseExpirationTime: undefined,
      sentPet: undefined,
      ackedPet: undefined,
      receivedPet: undefined,
      startTimeOfState: event.now,
      reuseNotBefore: undefined,
    })),
    storeReceivedUpdate: assign(({ context, event }) => {
      assertEvent(event, 'BNDUPD_RECEIVED');
      const { update } = event;
      const binds = update.bindingStatus === 'ACTIVE';

      return {
        client: update.client ?? context.client,
        leaseExpirationTime: binds ? update.leaseExpirationTime : undefined,
        clientLastTransactionTime:
          update.clientLastTransactionTime ?? context.clientLastTransactionTime,
        startTimeOfState: update.startTimeOfState ?? event.now,
        receivedPet: binds ? update.potentialExpirationTime : undefined,
        sentPet: binds ? context.sentPet : undefined,
        ackedPet: binds ? context.ackedPet : undefined,
        reuseNotBefore: undefined,
        // FO-7.1.1-b: storing a received update is no change to report. A local change the
        // partner has not acknowledged stays pending (FO-5.16-a), so the partner hears the
        // binding as stored now: its update may be older than what it stores itself.
        pendingUpdate: context.pendingUpdate,
        lastSent: undefined,
        statusReported: false,
        reportAs: undefined,
      };
    }),
    // FO-9.4.2-d, E-15: the address waits for MCLT past every time the partner may have used.
    recordPartnerDownFree: assign(({ context, event }) => ({
      reuseNotBefore: partnerDownReuseTime({
        partnerDownSince: event.partnerDownSince ?? event.now,
        mclt: context.mclt,
        leaseExpirationTime: context.leaseExpirationTime,
        sentPet: context.sentPet,
        ackedPet: context.ackedPet,
        receivedPet: context.receivedPet,
      }),
      leaseExpirationTime: undefined,
      sentPet: undefined,
      ackedPet: undefined,
      receivedPet: undefined,
      startTimeOfState: event.now,
      ...pendingChange,
    })),
    clearReservation: assign({ reservedFor: undefined }),
  },
});

function statusNode(status: BindingStatusName) {
  return { meta: bindingStatusMeta[status], on: transitionsOf(status) };
}

export const bindingStatusMachine = leaseSetup.createMachine({
  id: 'lease',
  // Every address starts available to the primary (draft-12 section 5.4, FO-5.16-c).
  initial: 'FREE',
  context: ({ input }) => initialContext(input),
  states: Object.fromEntries(
    bindingStatusNames.map((status) => [status, statusNode(status)]),
  ) as Record<BindingStatusName, ReturnType<typeof statusNode>>,
});

export type LeaseSnapshot = SnapshotFrom<typeof bindingStatusMachine>;
