// The primary's side of the link: it connects from its local address, retries, sends CONNECT and
// checks the CONNECTACK in the order of FO-7.9.2.

import { connect, type Socket } from 'node:net';
import { LogEvent } from '../log.js';
import { MessageType } from '../wire/codes.js';
import type { FailoverConnection, ReceivedMessage } from './connection.js';
import { hashBucketAssignmentForSplit } from './hash-buckets.js';
import { FailoverLink } from './link.js';
import { rejectOptions } from './options.js';
import type { TimerHandle } from './timers.js';

/** Wait after a rejecting CONNECTACK or a DISCONNECT before connecting again (FO-7.9-a). */
const RETRY_AFTER_REJECT_SECONDS = 60;

export class PrimaryLink extends FailoverLink {
  private readonly pendingSockets = new Set<Socket>();
  private retryTimer: TimerHandle | undefined;
  private connectXid: number | undefined;
  /** The last connection ended with a reject or DISCONNECT: wait longer (FO-7.9-a, FO-7.12-b). */
  private retryAfterReject = false;

  start(): Promise<void> {
    this.attemptConnection();
    return Promise.resolve();
  }

  override async stop(): Promise<void> {
    this.retryTimer?.cancel();
    for (const socket of this.pendingSockets) {
      socket.destroy();
    }

    await super.stop();
  }

  /** FO-7.12-b: after a DISCONNECT, do not reconnect at once. */
  protected override onDisconnectReceived(): void {
    this.retryAfterReject = true;
  }

  private attemptConnection(): void {
    if (this.stopped) {
      return;
    }

    const socket = connect({
      host: this.config.peer.address,
      port: this.config.peer.port,
      localAddress: this.config.local.address,
    });
    this.pendingSockets.add(socket);
    const onFailure = (error: Error): void => {
      this.pendingSockets.delete(socket);
      socket.destroy();
      this.logger.debug(
        { event: LogEvent.CONNECTION_RETRY, reason: error.message },
        `connection to partner failed, retrying in ${this.config.connectRetrySeconds} s`,
      );
      this.scheduleRetry(this.config.connectRetrySeconds);
    };
    socket.once('error', onFailure);
    socket.once('connect', () => {
      socket.off('error', onFailure);
      this.pendingSockets.delete(socket);
      this.onOutgoingConnected(socket);
    });
  }

  private onOutgoingConnected(socket: Socket): void {
    if (this.stopped) {
      socket.destroy();
      return;
    }

    const connection = this.createConnection(socket);
    this.current = connection;
    connection.on('messages', (received) => this.onPrimaryMessages(connection, received));
    connection.on('close', () => this.scheduleRetry(this.retryDelayAfterClose(connection)));
    // FO-8.2-c: the primary's first message on a new connection is CONNECT (FO-7.8-a).
    this.connectXid = connection.send(
      MessageType.CONNECT,
      this.handshake.buildCONNECTOptions(
        this.local,
        this.hooks.currentMCLT(),
        hashBucketAssignmentForSplit(this.config.split),
      ),
    );
    this.startHandshakeTimer(connection, 'CONNECTACK', 'FO-7.9.2-a');
  }

  private onPrimaryMessages(connection: FailoverConnection, all: ReceivedMessage[]): void {
    const received = this.withoutDropped(all);
    if (connection.established) {
      this.forward(connection, received);
      return;
    }

    const index = received.findIndex(({ message }) => message.type === MessageType.CONNECTACK);
    const first = received[0];
    if (index !== 0 || first === undefined) {
      if (first !== undefined) {
        this.refuseHandshake(connection, first.message, 'CONNECTACK', 'FO-7.9.2-a');
      }

      return;
    }

    if (first.message.xid !== this.connectXid) {
      // FO-7.9.2-a: a CONNECTACK for another CONNECT is ignored.
      this.logger.warn(
        { event: LogEvent.MESSAGE_REJECTED, xid: first.message.xid, expected: this.connectXid },
        'ignored CONNECTACK with an xid other than the CONNECT',
      );
      return;
    }

    this.acceptCONNECTACK(connection, first);
    if (connection.established) {
      this.forward(connection, received.slice(1));
    }
  }

  private acceptCONNECTACK(connection: FailoverConnection, received: ReceivedMessage): void {
    this.handshakeTimer?.cancel();
    const result = this.handshake.checkCONNECTACK(
      received.message,
      received.receivedAt,
      this.config.maxClockSkew,
    );
    if (!result.accepted) {
      this.logRejectedHandshake('CONNECTACK', result);
      if (result.rule !== 'FO-7.9.2-c') {
        // FO-7.9.2-f: our own objection (skew, version) goes out as a DISCONNECT first.
        connection.send(MessageType.DISCONNECT, rejectOptions(result.rejectReason, result.message));
      }

      this.retryAfterReject = true;
      connection.close(result.detail);
      return;
    }

    this.establish(connection, result.partner);
  }

  private retryDelayAfterClose(connection: FailoverConnection): number {
    const afterReject = this.retryAfterReject;
    this.retryAfterReject = false;
    if (afterReject) {
      return Math.max(RETRY_AFTER_REJECT_SECONDS, this.config.connectRetrySeconds);
    }

    // FO-8.6-a: reconnect at once after losing an established connection, then periodically.
    return connection.established ? 0 : this.config.connectRetrySeconds;
  }

  private scheduleRetry(delaySeconds: number): void {
    if (this.stopped) {
      return;
    }

    this.retryTimer?.cancel();
    this.retryTimer = this.clock.setTimer(delaySeconds * 1000, () => this.attemptConnection());
  }
}
