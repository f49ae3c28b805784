// The primary's listening socket. Every failover server listens on its failover port (FO-8.2-a),
// but a primary accepts no CONNECT, because CONNECT comes only from the primary of a relationship.
// A CONNECT that reaches a primary therefore names no partner this server has: it gets CONNECTACK
// reject-reason 8 and the connection closes (FO-7.8.2-f). Nothing here reaches the connection
// machine, so no failover state changes.

import { createServer, type Server, type Socket } from 'node:net';
import type { RelationshipConfig } from '../config/types.js';
import { LogEvent, type Logger } from '../log.js';
import { MessageType, OptionCode, RejectReason } from '../wire/codes.js';
import type { FailoverMessage } from '../wire/types.js';
import type { FailoverConnection, ReceivedMessage } from './connection.js';
import {
  buildRejectingCONNECTACKOptions,
  type CheckResult,
  type LocalParameters,
} from './connect-messages.js';
import { normalizeAddress } from './link.js';
import { findOption } from './options.js';
import type { Clock, TimerHandle } from './timers.js';

type Rejection = Extract<CheckResult, { accepted: false }>;

export interface PrimaryListenerOptions {
  config: RelationshipConfig;
  clock: Clock;
  logger: Logger;
  local: LocalParameters;
  /** Wraps an accepted socket as the link wraps its own connections. */
  createConnection(socket: Socket): FailoverConnection;
  /** Logs and closes a connection whose first message is not CONNECT (FO-7.8-a). */
  refuseHandshake(connection: FailoverConnection, message: FailoverMessage): void;
  /** Logs a rejected CONNECT. */
  logRejected(result: Rejection): void;
}

export class PrimaryListener {
  private server: Server | undefined;
  /** Connections not yet closed, each with its wait for CONNECT (FO-7.8.2-a). */
  private readonly waits = new Map<FailoverConnection, TimerHandle>();
  private stopped = false;

  constructor(private readonly options: PrimaryListenerOptions) {}

  /** The port listened on, or undefined when listening failed. */
  get port(): number | undefined {
    const address = this.server?.address();
    return typeof address === 'object' && address !== null ? address.port : undefined;
  }

  /**
   * Listens on the local address and port. A primary still works without incoming connections,
   * because it makes every connection itself, so a failure (EADDRINUSE, EADDRNOTAVAIL, EACCES) is
   * logged once as a warning and the primary goes on without listening.
   */
  async listen(): Promise<void> {
    const { address, port } = this.options.config.local;
    const server = createServer((socket) => this.onIncoming(socket));
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, address, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      const code = error instanceof Error && 'code' in error ? String(error.code) : undefined;
      const reason = error instanceof Error ? error.message : String(error);
      this.options.logger.warn(
        { event: LogEvent.CONNECTION_DOWN, address, port, code, reason, rule: 'FO-8.2-a' },
        `primary cannot listen on ${address}:${port} (${reason}), so it only connects to the partner`,
      );
      return;
    }

    this.server = server;
    server.on('error', (error) =>
      this.options.logger.error(
        { event: LogEvent.CONNECTION_DOWN, reason: error.message },
        'listener failed',
      ),
    );
  }

  /** Closes the listening socket and every connection still open on it. */
  async close(): Promise<void> {
    this.stopped = true;
    for (const connection of [...this.waits.keys()]) {
      connection.close('server is stopping');
    }

    const server = this.server;
    this.server = undefined;
    if (server !== undefined) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  private onIncoming(socket: Socket): void {
    const { config, logger } = this.options;
    const remote = normalizeAddress(socket.remoteAddress);
    // As on the secondary, only the configured partner is read at all (FO-7.8.2-f MAY).
    if (this.stopped || remote !== config.peer.address) {
      logger.warn(
        { event: LogEvent.CONNECTION_REFUSED, remote, expected: config.peer.address },
        `closed connection from ${remote}: not the configured partner`,
      );
      socket.destroy();
      return;
    }

    // GAP(FO-8.2-d): the partner's connection does not make the primary connect back at once,
    // because the primary's own attempts repeat every connectRetrySeconds. The connection stays
    // open for a CONNECT to reject, so that a partner also configured as primary learns of that.
    const connection = this.options.createConnection(socket);
    connection.on('messages', (received) => this.onMessages(connection, received));
    connection.once('close', () => this.forget(connection));
    this.waits.set(connection, this.startConnectWait(connection));
  }

  /** Closes a connection that sends no CONNECT within our receive-timer (FO-7.8.2-a). */
  private startConnectWait(connection: FailoverConnection): TimerHandle {
    const { receiveTimer } = this.options.config;
    return this.options.clock.setTimer(receiveTimer * 1000, () => {
      const reason = `no CONNECT within ${receiveTimer} s`;
      this.options.logger.warn({ event: LogEvent.MESSAGE_REJECTED, rule: 'FO-7.8.2-a' }, reason);
      connection.close(reason);
    });
  }

  private forget(connection: FailoverConnection): void {
    this.waits.get(connection)?.cancel();
    this.waits.delete(connection);
  }

  private onMessages(connection: FailoverConnection, received: ReceivedMessage[]): void {
    const first = received[0];
    if (first === undefined || !connection.isOpen) {
      return;
    }

    if (first.message.type !== MessageType.CONNECT) {
      this.options.refuseHandshake(connection, first.message);
      return;
    }

    this.rejectCONNECT(connection, first.message);
  }

  /** Sends CONNECTACK reject-reason 8 and closes (FO-7.8.2-f, FO-7.9.1-b). */
  private rejectCONNECT(connection: FailoverConnection, connect: FailoverMessage): void {
    const result = rejectionOf(connect, this.options.config.name);
    this.options.logRejected(result);
    connection.send(
      MessageType.CONNECTACK,
      buildRejectingCONNECTACKOptions(
        this.options.local,
        connect,
        result.rejectReason,
        result.message,
      ),
      connect.xid,
    );
    connection.close(`rejected CONNECT: ${result.detail}`);
  }
}

/**
 * Builds the rejection of a CONNECT that reached a primary. The name and the sender's implied role
 * of primary match no partner: either the name is unknown, or both servers are configured as
 * primary of the relationship.
 */
function rejectionOf(connect: FailoverMessage, relationshipName: string): Rejection {
  const name = findOption(connect, OptionCode.RELATIONSHIP_NAME);
  const quoted = JSON.stringify(name ?? null);
  const message =
    name === relationshipName
      ? `both servers are primary for relationship ${relationshipName}, so one must be secondary`
      : 'unknown failover relationship name';
  return {
    accepted: false,
    rejectReason: RejectReason.INVALID_FAILOVER_PARTNER,
    message,
    detail: `CONNECT for relationship-name ${quoted} reached the primary, expected none`,
    rule: 'FO-7.8.2-f',
  };
}
