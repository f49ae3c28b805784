// The contract between the connection machine and the runtime that drives it. Sockets, timers and
// the CONNECT and CONNECTACK checks live outside the machine: the runtime turns what happens into
// the events below, and carries out the effects the machine emits.

import type { Role } from './endpoint-types.js';

export type { Role } from './endpoint-types.js';

/** Timers the machine starts; each one's expiry comes back as the event of the same name. */
export type ConnectionTimerName = 'CONNECT_WAIT' | 'RETRY' | 'TSEND' | 'TRECEIVE';

/**
 * How long the primary waits before the next connection attempt: `now` after losing an
 * established connection (FO-8.6-a), `connect-retry` after a failed or unanswered attempt
 * (FO-8.2-b), `after-reject` a minute or more after a reject or DISCONNECT (FO-7.9-a, FO-7.12-b).
 */
export type RetryDelay = 'now' | 'connect-retry' | 'after-reject';

export interface ConnectionInput {
  role: Role;
}

export type ConnectionEvent =
  /** Start connecting (primary) or listening (secondary). */
  | { type: 'START' }
  /** The server stops: DISCONNECT on an established connection, no more attempts (FO-8.6-c). */
  | { type: 'STOP' }
  /** Primary: the TCP connection to the partner is open. */
  | { type: 'SOCKET_CONNECTED' }
  /** Primary: the TCP connection attempt failed. */
  | { type: 'SOCKET_FAILED' }
  /** Secondary: the configured partner opened a TCP connection. */
  | { type: 'SOCKET_ACCEPTED' }
  /** The TCP connection is gone, for any reason. */
  | { type: 'SOCKET_CLOSED' }
  /**
   * Secondary: CONNECT arrived and was checked; `rejectReason` is set when a check failed
   * (FO-7.8.2-c to FO-7.8.2-i, ISC-8).
   */
  | { type: 'CONNECT_RECEIVED'; rejectReason?: number }
  /**
   * Primary: a CONNECTACK with the CONNECT's xid arrived and was checked. `rejectReason` is set
   * when it rejects; `rejectedBy` says whether the partner rejected (FO-7.9.2-c) or this server
   * objects to it, such as to its clock skew (FO-7.9.2-f).
   */
  | { type: 'CONNECTACK_RECEIVED'; rejectReason?: number; rejectedBy?: 'partner' | 'us' }
  /** A message other than the awaited CONNECT or CONNECTACK arrived first (FO-7.8-a). */
  | { type: 'UNEXPECTED_MESSAGE' }
  /** The first STATE on the connection arrived: communications are ok (FO-8.3-a). */
  | { type: 'STATE_RECEIVED' }
  | { type: 'DISCONNECT_RECEIVED' }
  /** Close an established connection on purpose, with this reject-reason (FO-8.6-c). */
  | { type: 'CLOSE'; rejectReason: number }
  | { type: 'CONNECT_WAIT_EXPIRED' }
  | { type: 'RETRY_EXPIRED' }
  | { type: 'TSEND_EXPIRED' }
  | { type: 'TRECEIVE_EXPIRED' };

export type ConnectionEmitted =
  /** Primary: open a TCP connection to the partner. */
  | { type: 'OPEN_SOCKET' }
  /** Primary: send CONNECT as the first message (FO-7.8-a, FO-8.2-c). */
  | { type: 'SEND_CONNECT' }
  /** Secondary: answer CONNECT; accepting when `rejectReason` is absent (FO-7.9.1-a). */
  | { type: 'SEND_CONNECTACK'; rejectReason?: number }
  /** Send STATE right after the handshake (FO-7.10-a). */
  | { type: 'SEND_STATE' }
  /** Nothing was sent for tSend (FO-7.9.1-h). */
  | { type: 'SEND_CONTACT' }
  | { type: 'SEND_DISCONNECT'; rejectReason: number }
  /**
   * Close the socket and raise SOCKET_CLOSED before the machine takes any other event, which is
   * why STOP never finds the machine in closing.
   */
  | { type: 'CLOSE_SOCKET' }
  | { type: 'START_TIMER'; name: ConnectionTimerName; delay?: RetryDelay }
  /** A STATE arrived on the established connection (FO-8.3-a). */
  | { type: 'COMMUNICATIONS_OK' }
  /** An established connection ended (FO-8.3-b). */
  | { type: 'COMMUNICATIONS_FAILED' };

/** Transition `meta`: the rule IDs the transition implements. */
export interface ConnectionTransitionMeta {
  rules: string[];
}

export interface ConnectionStateMeta {
  doc: string;
}
