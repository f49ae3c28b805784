// The connection of one failover relationship, both roles (draft-12 sections 7.8-7.12 and 8):
// connecting or listening, the CONNECT and CONNECTACK exchange, the wait for the first STATE, the
// tSend and tReceive timers, DISCONNECT and the wait before the primary tries again. It is pure:
// timers arrive as events, the CONNECT and CONNECTACK checks arrive as their result, and every
// effect leaves as an emitted event. Use it as `createActor(connectionMachine, { input })`.

import { assertEvent, assign, emit, enqueueActions, setup, type SnapshotFrom } from 'xstate';
import { RejectReason } from '../src/wire/codes.js';
import type {
  ConnectionEmitted,
  ConnectionEvent,
  ConnectionInput,
  ConnectionStateMeta,
  ConnectionTimerName,
  ConnectionTransitionMeta,
  RetryDelay,
  Role,
} from './connection-types.js';

export interface ConnectionContext {
  role: Role;
  /** CONNECT and CONNECTACK completed on the current connection (FO-7.12-a). */
  established: boolean;
  /** The current connection ended with a reject or DISCONNECT: wait longer (FO-7.9-a, FO-7.12-b). */
  backOff: boolean;
  /** The reject-reason of the last rejected CONNECT or CONNECTACK, or of the DISCONNECT sent. */
  lastRejectReason: number | undefined;
}

const connectionSetup = setup({
  // XState reads only the types of these placeholder values.
  types: {
    context: {} as ConnectionContext,
    events: {} as ConnectionEvent,
    input: {} as ConnectionInput,
    emitted: {} as ConnectionEmitted,
    meta: {} as ConnectionStateMeta,
    transitionMeta: {} as ConnectionTransitionMeta,
  },
  guards: {
    isRole: ({ context }, params: { role: Role }) => context.role === params.role,
    accepted: ({ event }) =>
      (event.type === 'CONNECT_RECEIVED' || event.type === 'CONNECTACK_RECEIVED') &&
      event.rejectReason === undefined,
    rejectedByUs: ({ event }) => event.type === 'CONNECTACK_RECEIVED' && event.rejectedBy === 'us',
    backingOff: ({ context }) => context.backOff,
    wasEstablished: ({ context }) => context.established,
  },
  actions: {
    openSocket: emit({ type: 'OPEN_SOCKET' }),
    sendCONNECT: emit({ type: 'SEND_CONNECT' }),
    acceptCONNECT: emit({ type: 'SEND_CONNECTACK' }),
    rejectCONNECT: emit(({ event }) => {
      assertEvent(event, 'CONNECT_RECEIVED');

      return { type: 'SEND_CONNECTACK' as const, rejectReason: event.rejectReason };
    }),
    sendSTATE: emit({ type: 'SEND_STATE' }),
    sendCONTACT: emit({ type: 'SEND_CONTACT' }),
    disconnectWith: emit((_, params: { rejectReason: number }) => ({
      type: 'SEND_DISCONNECT' as const,
      rejectReason: params.rejectReason,
    })),
    disconnectAsRequested: emit(({ event }) => {
      assertEvent(event, 'CLOSE');

      return { type: 'SEND_DISCONNECT' as const, rejectReason: event.rejectReason };
    }),
    disconnectOverCONNECTACK: emit(({ event }) => {
      assertEvent(event, 'CONNECTACK_RECEIVED');

      return {
        type: 'SEND_DISCONNECT' as const,
        rejectReason: event.rejectReason ?? RejectReason.UNKNOWN,
      };
    }),
    // FO-8.6-c: only an established connection gets a DISCONNECT before it closes.
    disconnectIfEstablished: enqueueActions(({ context, enqueue }) => {
      if (context.established) {
        enqueue.emit({ type: 'SEND_DISCONNECT', rejectReason: RejectReason.UNKNOWN });
      }
    }),
    closeSocket: emit({ type: 'CLOSE_SOCKET' }),
    startTimer: emit((_, params: { name: ConnectionTimerName; delay?: RetryDelay }) => ({
      type: 'START_TIMER' as const,
      ...params,
    })),
    reportCommunicationsOk: emit({ type: 'COMMUNICATIONS_OK' }),
    reportFailureIfEstablished: enqueueActions(({ context, enqueue }) => {
      if (context.established) {
        enqueue.emit({ type: 'COMMUNICATIONS_FAILED' });
      }
    }),
    markEstablished: assign({ established: true }),
    markBackOff: assign(({ event }) => ({
      backOff: true,
      lastRejectReason:
        event.type === 'CONNECT_RECEIVED' || event.type === 'CONNECTACK_RECEIVED'
          ? event.rejectReason
          : undefined,
    })),
    recordReject: assign(({ event }) => {
      assertEvent(event, 'CONNECT_RECEIVED');

      return { lastRejectReason: event.rejectReason };
    }),
    forgetConnection: assign({ established: false, backOff: false }),
  },
});

type StateKey = keyof typeof stateDocs;

/** The doc block of each state: what the connection does there and the events that leave it. */
const stateDocs = {
  idle: 'Not started. Leaves on START for connecting (primary) or listening (secondary).',
  connecting:
    'Primary: opening a TCP connection to the partner (FO-8.2-a). Leaves on SOCKET_CONNECTED, ' +
    'which sends CONNECT, or SOCKET_FAILED, which waits connect-retry seconds (FO-8.2-b).',
  listening:
    'Secondary: no connection; it waits for the partner and never reconnects on its own ' +
    '(FO-8.2-j). Leaves on SOCKET_ACCEPTED.',
  'awaiting-CONNECT':
    'Secondary: a connection from the partner is open and nothing is sent before CONNECT ' +
    '(FO-7.8.2-a). Leaves on CONNECT_RECEIVED, a message of another type, or CONNECT_WAIT_EXPIRED.',
  'awaiting-CONNECTACK':
    'Primary: CONNECT went out (FO-7.8-a). Leaves on CONNECTACK_RECEIVED, a message of another ' +
    'type, or CONNECT_WAIT_EXPIRED (FO-7.9.2-a).',
  'awaiting-STATE':
    'Established: STATE went out, tSend and tReceive run (FO-7.10-a, FO-7.9.1-g), and ' +
    'communications are not ok until the partner sends STATE (FO-8.3-a). Leaves on STATE_RECEIVED, ' +
    'TRECEIVE_EXPIRED, DISCONNECT_RECEIVED, CLOSE or SOCKET_CLOSED.',
  'communications-ok':
    'Established and a STATE arrived: communications are ok (FO-8.3-a). Leaves on ' +
    'TRECEIVE_EXPIRED (FO-8.3-c), DISCONNECT_RECEIVED, CLOSE or SOCKET_CLOSED (FO-8.3-b).',
  closing:
    'The socket is being closed, after a DISCONNECT when one was due (FO-7.12-a). The runtime ' +
    'raises SOCKET_CLOSED in the same step, so it is left only on SOCKET_CLOSED: for listening ' +
    '(secondary), backing-off after a reject or DISCONNECT, or retry-wait (primary).',
  'retry-wait':
    'Primary: waits before the next attempt, at once after losing an established connection ' +
    '(FO-8.6-a), else connect-retry seconds (FO-8.2-b). Leaves on RETRY_EXPIRED.',
  'backing-off':
    'Primary: a CONNECTACK rejected the connection or a DISCONNECT ended it, so it waits a minute ' +
    'or more before trying again (FO-7.9-a, FO-7.12-b). Leaves on RETRY_EXPIRED.',
  stopped: 'The server stopped; the relationship makes no more connections. Final.',
} as const;

function doc(state: StateKey): ConnectionStateMeta {
  return { doc: stateDocs[state] };
}

function timer(name: ConnectionTimerName, delay?: RetryDelay) {
  return {
    type: 'startTimer' as const,
    params: delay === undefined ? { name } : { name, delay },
  };
}

/** The next state after closing, by role and by how the connection ended. */
const afterSocketClosed = [
  {
    guard: { type: 'isRole' as const, params: { role: 'secondary' as const } },
    target: 'listening' as const,
    actions: ['reportFailureIfEstablished' as const, 'forgetConnection' as const],
    meta: { rules: ['FO-8.2-j', 'FO-8.3-b'] },
  },
  {
    guard: 'backingOff' as const,
    target: 'backing-off' as const,
    actions: [
      'reportFailureIfEstablished' as const,
      'forgetConnection' as const,
      timer('RETRY', 'after-reject'),
    ],
    meta: { rules: ['FO-7.9-a', 'FO-7.12-b', 'FO-8.2-b'] },
  },
  {
    guard: 'wasEstablished' as const,
    target: 'retry-wait' as const,
    actions: [
      'reportFailureIfEstablished' as const,
      'forgetConnection' as const,
      timer('RETRY', 'now'),
    ],
    meta: { rules: ['FO-8.6-a', 'FO-8.3-b'] },
  },
  {
    target: 'retry-wait' as const,
    actions: ['forgetConnection' as const, timer('RETRY', 'connect-retry')],
    meta: { rules: ['FO-8.2-b'] },
  },
];

/**
 * The socket of an established connection closed without this server closing it, by the partner or
 * by an error. No back-off applies, because a DISCONNECT received leaves for closing first, so the
 * secondary listens again and the primary connects again at once (FO-8.2-j, FO-8.6-a).
 */
const establishedSocketClosed = [
  {
    guard: { type: 'isRole' as const, params: { role: 'secondary' as const } },
    target: 'listening' as const,
    actions: ['reportFailureIfEstablished' as const, 'forgetConnection' as const],
    meta: { rules: ['FO-8.2-j', 'FO-8.3-b'] },
  },
  {
    target: 'retry-wait' as const,
    actions: [
      'reportFailureIfEstablished' as const,
      'forgetConnection' as const,
      timer('RETRY', 'now'),
    ],
    meta: { rules: ['FO-8.6-a', 'FO-8.3-b'] },
  },
];

/** Stopping ends an established connection too, so the failure is reported (FO-8.3-b). */
const stop = {
  target: 'stopped' as const,
  actions: [
    'disconnectIfEstablished' as const,
    'closeSocket' as const,
    'reportFailureIfEstablished' as const,
  ],
  meta: { rules: ['FO-8.6-c', 'FO-7.12-a', 'FO-8.3-b'] },
};

/** A handshake that did not finish in time or saw another message first: close (FO-7.8.2-a). */
function abandonHandshake(rule: string) {
  return {
    CONNECT_WAIT_EXPIRED: {
      target: 'closing' as const,
      actions: ['closeSocket' as const],
      meta: { rules: [rule] },
    },
    UNEXPECTED_MESSAGE: {
      target: 'closing' as const,
      actions: ['closeSocket' as const],
      meta: { rules: [rule, 'FO-7.8-a'] },
    },
    STOP: stop,
  };
}

/** What an established connection does with its timers, DISCONNECT, CLOSE and loss. */
const establishedTransitions = {
  TSEND_EXPIRED: { actions: ['sendCONTACT' as const], meta: { rules: ['FO-7.9.1-h'] } },
  TRECEIVE_EXPIRED: {
    target: 'closing' as const,
    actions: [
      { type: 'disconnectWith' as const, params: { rejectReason: RejectReason.NO_TRAFFIC } },
      'closeSocket' as const,
    ],
    meta: { rules: ['FO-8.3-c', 'FO-7.9.1-h'] },
  },
  DISCONNECT_RECEIVED: {
    target: 'closing' as const,
    actions: ['markBackOff' as const, 'closeSocket' as const],
    meta: { rules: ['FO-7.12-b', 'FO-7.12.2-a'] },
  },
  CLOSE: {
    target: 'closing' as const,
    actions: ['disconnectAsRequested' as const, 'closeSocket' as const],
    meta: { rules: ['FO-8.6-c', 'FO-7.12-a'] },
  },
  SOCKET_CLOSED: establishedSocketClosed,
  STOP: stop,
};

/** Entry into the established connection: STATE and the tSend and tReceive timers. */
const establishActions = [
  'markEstablished' as const,
  'sendSTATE' as const,
  timer('TSEND'),
  timer('TRECEIVE'),
];

export const connectionMachine = connectionSetup.createMachine({
  id: 'connection',
  initial: 'idle',
  context: ({ input }) => ({
    role: input.role,
    established: false,
    backOff: false,
    lastRejectReason: undefined,
  }),
  states: {
    idle: {
      meta: doc('idle'),
      on: {
        START: [
          {
            guard: { type: 'isRole', params: { role: 'primary' } },
            target: 'connecting',
            actions: ['openSocket'],
            meta: { rules: ['FO-8.2-a', 'FO-8.2-f'] },
          },
          { target: 'listening', meta: { rules: ['FO-8.2-a', 'FO-8.2-f'] } },
        ],
        STOP: stop,
      },
    },
    connecting: {
      meta: doc('connecting'),
      on: {
        SOCKET_CONNECTED: {
          target: 'awaiting-CONNECTACK',
          actions: ['sendCONNECT', timer('CONNECT_WAIT')],
          meta: { rules: ['FO-8.2-c', 'FO-7.8-a', 'FO-7.9.2-a'] },
        },
        SOCKET_FAILED: {
          target: 'retry-wait',
          actions: [timer('RETRY', 'connect-retry')],
          meta: { rules: ['FO-8.2-b'] },
        },
        STOP: stop,
      },
    },
    listening: {
      meta: doc('listening'),
      on: {
        SOCKET_ACCEPTED: {
          target: 'awaiting-CONNECT',
          actions: [timer('CONNECT_WAIT')],
          meta: { rules: ['FO-8.2-d', 'FO-7.8.2-a'] },
        },
        STOP: stop,
      },
    },
    'awaiting-CONNECT': {
      meta: doc('awaiting-CONNECT'),
      on: {
        CONNECT_RECEIVED: [
          {
            guard: 'accepted',
            target: 'awaiting-STATE',
            actions: ['acceptCONNECT', ...establishActions],
            meta: { rules: ['FO-7.9.1-a', 'FO-7.9.1-e', 'FO-7.9.1-f', 'FO-7.9.1-g'] },
          },
          {
            target: 'closing',
            actions: ['recordReject', 'rejectCONNECT', 'closeSocket'],
            meta: { rules: ['FO-7.9.1-b', 'FO-7.8.2-c', 'FO-7.8.2-g', 'ISC-8'] },
          },
        ],
        // A newer connection from the partner replaces one still without CONNECT.
        SOCKET_ACCEPTED: {
          target: 'awaiting-CONNECT',
          reenter: true,
          actions: [timer('CONNECT_WAIT')],
          meta: { rules: ['FO-7.8.2-a', 'FO-8.1-a'] },
        },
        // Only a secondary waits for CONNECT, and it listens again (FO-8.2-j).
        SOCKET_CLOSED: {
          target: 'listening',
          actions: ['forgetConnection'],
          meta: { rules: ['FO-8.2-j'] },
        },
        ...abandonHandshake('FO-7.8.2-a'),
      },
    },
    'awaiting-CONNECTACK': {
      meta: doc('awaiting-CONNECTACK'),
      on: {
        CONNECTACK_RECEIVED: [
          {
            guard: 'accepted',
            target: 'awaiting-STATE',
            actions: establishActions,
            meta: { rules: ['FO-7.9.2-h', 'FO-7.10-a'] },
          },
          {
            guard: 'rejectedByUs',
            target: 'closing',
            actions: ['markBackOff', 'disconnectOverCONNECTACK', 'closeSocket'],
            meta: { rules: ['FO-7.9.2-f', 'FO-7.9.2-e', 'FO-7.9-a'] },
          },
          {
            target: 'closing',
            actions: ['markBackOff', 'closeSocket'],
            meta: { rules: ['FO-7.9.2-c', 'FO-7.9-a'] },
          },
        ],
        // Only a primary waits for CONNECTACK, and it tries again after connect-retry (FO-8.2-b).
        SOCKET_CLOSED: {
          target: 'retry-wait',
          actions: ['forgetConnection', timer('RETRY', 'connect-retry')],
          meta: { rules: ['FO-8.2-b'] },
        },
        ...abandonHandshake('FO-7.9.2-a'),
      },
    },
    'awaiting-STATE': {
      meta: doc('awaiting-STATE'),
      on: {
        STATE_RECEIVED: {
          target: 'communications-ok',
          actions: ['reportCommunicationsOk'],
          meta: { rules: ['FO-8.3-a', 'FO-8.2-h'] },
        },
        ...establishedTransitions,
      },
    },
    'communications-ok': {
      meta: doc('communications-ok'),
      on: { ...establishedTransitions },
    },
    closing: {
      meta: doc('closing'),
      on: {
        SOCKET_CLOSED: afterSocketClosed,
      },
    },
    'retry-wait': {
      meta: doc('retry-wait'),
      on: {
        RETRY_EXPIRED: {
          target: 'connecting',
          actions: ['openSocket'],
          meta: { rules: ['FO-8.6-a', 'FO-8.2-b'] },
        },
        STOP: stop,
      },
    },
    'backing-off': {
      meta: doc('backing-off'),
      on: {
        RETRY_EXPIRED: {
          target: 'connecting',
          actions: ['openSocket'],
          meta: { rules: ['FO-7.9-a', 'FO-7.12-b'] },
        },
        STOP: stop,
      },
    },
    stopped: { meta: doc('stopped'), type: 'final' },
  },
});

export type ConnectionSnapshot = SnapshotFrom<typeof connectionMachine>;
export type ConnectionStateName = StateKey;
