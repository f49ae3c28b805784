// The outbound binding-update flow on one established connection (draft-12 sections 7.1-7.5):
// the window of max-unacked-bndupd outstanding BNDUPDs, BNDACKs matched by xid, and the answer to
// the partner's UPDREQ or UPDREQALL, which ends with UPDDONE once every binding counted for it is
// answered. It is pure: the runtime chooses and sends the bindings, reports each step as an event
// and carries out the effects the machine emits. Use it as `createActor(updateFlowMachine)`.

import { assertEvent, assign, emit, setup, type SnapshotFrom } from 'xstate';

export type UpdateRequestKind = 'UPDREQ' | 'UPDREQALL';

export interface UpdateFlowContext {
  /** The partner's max-unacked-bndupd from CONNECT or CONNECTACK (FO-8.4-b). */
  window: number;
  /** xids of the BNDUPDs sent on this connection and not yet answered by a BNDACK. */
  outstanding: number[];
  /** The partner's UPDREQ or UPDREQALL being answered, with the xid UPDDONE echoes (FO-7.5-a). */
  request: { xid: number; kind: UpdateRequestKind } | undefined;
  /** Bindings pending when the request arrived; only they count toward UPDDONE (FO-7.3.2-c). */
  counted: number;
  /** Counted bindings acknowledged or rejected so far (FO-7.5-b). */
  answered: number;
}

export type UpdateFlowEvent =
  /** A connection was established; `window` is the partner's max-unacked-bndupd. */
  | { type: 'CONNECTED'; window: number }
  /** The connection ended: xids and the request in progress are forgotten (FO-7.2-b, FO-8.6-b). */
  | { type: 'CONNECTION_LOST' }
  | { type: 'BNDUPD_SENT'; xid: number }
  /** A BNDACK arrived; the runtime sends it only when `xid` is outstanding (FO-7.2.1-a). */
  | { type: 'BNDACK'; xid: number }
  | { type: 'UPDREQ'; xid: number }
  | { type: 'UPDREQALL'; xid: number }
  /** The runtime counted the bindings pending for the request (answer to COUNT_PENDING). */
  | { type: 'COUNTED'; total: number }
  /** `count` more counted bindings were acknowledged, rejected or found not pending. */
  | { type: 'ANSWERED'; count: number }
  /** The runtime sent every BNDUPD the window allowed for now. */
  | { type: 'PUMP_FINISHED' };

export type UpdateFlowEmitted =
  /** Mark every binding pending for the partner before answering UPDREQALL (FO-5.17-b). */
  | { type: 'MARK_ALL_PENDING' }
  /**
   * Count the bindings pending now and send COUNTED before any other event, because counting
   * takes no other event (FO-7.3.2-c).
   */
  | { type: 'COUNT_PENDING'; kind: UpdateRequestKind; xid: number }
  /** Rejected updates may go out again for a new request (FO-7.2.2-b). */
  | { type: 'FORGET_REJECTIONS' }
  /** Send UPDDONE with the request's xid (FO-7.3.2-b, FO-7.5-a). */
  | { type: 'SEND_UPDDONE'; kind: UpdateRequestKind; xid: number; total: number };

/** Transition `meta`: the rule IDs the transition implements. */
export interface UpdateFlowTransitionMeta {
  rules: string[];
}

export interface UpdateFlowStateMeta {
  doc: string;
}

function emptyContext(window: number): UpdateFlowContext {
  return { window, outstanding: [], request: undefined, counted: 0, answered: 0 };
}

/** Returns how many more BNDUPDs may go out before the window is full (FO-7.3.2-d). */
export function openWindowSlots(context: UpdateFlowContext): number {
  return Math.max(0, context.window - context.outstanding.length);
}

const updateFlowSetup = setup({
  // XState reads only the types of these placeholder values.
  types: {
    context: {} as UpdateFlowContext,
    events: {} as UpdateFlowEvent,
    emitted: {} as UpdateFlowEmitted,
    meta: {} as UpdateFlowStateMeta,
    transitionMeta: {} as UpdateFlowTransitionMeta,
  },
  guards: {
    // FO-7.3.2-d, FO-8.4-a: never more than the partner's max-unacked-bndupd outstanding.
    windowOpen: ({ context, event }) =>
      event.type === 'BNDUPD_SENT' &&
      context.outstanding.length < context.window &&
      !context.outstanding.includes(event.xid),
    isOutstanding: ({ context, event }) =>
      event.type === 'BNDACK' && context.outstanding.includes(event.xid),
    everyCountedAnswered: ({ context }) => context.answered >= context.counted,
  },
  actions: {
    recordWindow: assign(({ event }) => {
      assertEvent(event, 'CONNECTED');

      return emptyContext(event.window);
    }),
    forgetConnection: assign(({ context }) => emptyContext(context.window)),
    recordBNDUPD: assign(({ context, event }) => {
      assertEvent(event, 'BNDUPD_SENT');

      return { outstanding: [...context.outstanding, event.xid] };
    }),
    recordBNDACK: assign(({ context, event }) => {
      assertEvent(event, 'BNDACK');

      return { outstanding: context.outstanding.filter((xid) => xid !== event.xid) };
    }),
    recordRequest: assign(({ event }) => {
      assertEvent(event, ['UPDREQ', 'UPDREQALL']);

      return { request: { xid: event.xid, kind: event.type }, counted: 0, answered: 0 };
    }),
    markAllPending: emit({ type: 'MARK_ALL_PENDING' }),
    forgetRejections: emit({ type: 'FORGET_REJECTIONS' }),
    countPending: emit(({ event }) => {
      assertEvent(event, ['UPDREQ', 'UPDREQALL']);

      return { type: 'COUNT_PENDING' as const, kind: event.type, xid: event.xid };
    }),
    recordCount: assign(({ event }) => {
      assertEvent(event, 'COUNTED');

      return { counted: event.total, answered: 0 };
    }),
    recordAnswered: assign(({ context, event }) => {
      assertEvent(event, 'ANSWERED');

      return { answered: Math.min(context.counted, context.answered + event.count) };
    }),
    sendUPDDONE: emit(({ context }) => ({
      type: 'SEND_UPDDONE' as const,
      kind: context.request?.kind ?? 'UPDREQ',
      xid: context.request?.xid ?? 0,
      total: context.counted,
    })),
    forgetRequest: assign({ request: undefined, counted: 0, answered: 0 }),
  },
});

/** Transitions of idle and answering: the window, requests and connection loss. */
const connectedTransitions = {
  CONNECTION_LOST: {
    target: 'disconnected' as const,
    actions: ['forgetConnection' as const],
    meta: { rules: ['FO-7.2-b', 'FO-8.6-b'] },
  },
  BNDUPD_SENT: {
    guard: 'windowOpen' as const,
    actions: ['recordBNDUPD' as const],
    meta: { rules: ['FO-7.3.2-d', 'FO-8.4-a', 'FO-6.1-f'] },
  },
  BNDACK: {
    guard: 'isOutstanding' as const,
    actions: ['recordBNDACK' as const],
    meta: { rules: ['FO-7.2.1-a'] },
  },
  // A newer request replaces one in progress, as ISC dhcpd does; UPDDONE then carries its xid.
  UPDREQ: {
    target: 'counting' as const,
    actions: ['recordRequest' as const, 'forgetRejections' as const, 'countPending' as const],
    meta: { rules: ['FO-7.3.2-a', 'FO-7.2.2-b'] },
  },
  UPDREQALL: {
    target: 'counting' as const,
    actions: [
      'recordRequest' as const,
      'markAllPending' as const,
      'forgetRejections' as const,
      'countPending' as const,
    ],
    meta: { rules: ['FO-5.17-b', 'FO-7.3.2-a', 'FO-7.2.2-b'] },
  },
};

export const updateFlowMachine = updateFlowSetup.createMachine({
  id: 'update-flow',
  initial: 'disconnected',
  context: emptyContext(1),
  states: {
    disconnected: {
      meta: {
        doc:
          'No established connection. Nothing is outstanding, and bindings that were in flight ' +
          'stay pending in the store for the next connection (FO-7.2-b). Leaves on CONNECTED.',
      },
      on: {
        CONNECTED: {
          target: 'idle',
          actions: ['recordWindow'],
          meta: { rules: ['FO-8.4-b', 'FO-7.9.1-e'] },
        },
      },
    },
    idle: {
      meta: {
        doc:
          'Connected with no UPDREQ or UPDREQALL to answer. BNDUPDs for new changes go out ' +
          'within the window (FO-7.3.2-d). Leaves on UPDREQ, UPDREQALL or CONNECTION_LOST.',
      },
      on: { ...connectedTransitions },
    },
    counting: {
      meta: {
        doc:
          'A request arrived and the runtime is counting the bindings pending now, the only ones ' +
          'UPDDONE waits for (FO-7.3.2-c). The runtime answers COUNT_PENDING with COUNTED before ' +
          'any other event, so it is left only on COUNTED.',
      },
      on: {
        COUNTED: {
          target: 'answering',
          actions: ['recordCount'],
          meta: { rules: ['FO-7.3.2-c'] },
        },
      },
    },
    answering: {
      meta: {
        doc:
          'Sending the counted bindings as ordinary BNDUPDs and collecting their BNDACKs; a ' +
          'rejection counts as an answer (FO-7.5-b). Leaves for idle with UPDDONE once every ' +
          'counted binding is answered (FO-7.3.2-b), or on CONNECTION_LOST.',
      },
      on: {
        ...connectedTransitions,
        ANSWERED: {
          actions: ['recordAnswered'],
          meta: { rules: ['FO-7.3.2-b', 'FO-7.5-b'] },
        },
        PUMP_FINISHED: {
          guard: 'everyCountedAnswered',
          target: 'idle',
          actions: ['sendUPDDONE', 'forgetRequest'],
          meta: { rules: ['FO-7.3.2-b', 'FO-7.5-a', 'FO-7.5.1-a'] },
        },
      },
    },
  },
});

export type UpdateFlowSnapshot = SnapshotFrom<typeof updateFlowMachine>;
