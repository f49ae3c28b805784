// The primary's side of the link: it connects from its local address, sends CONNECT and checks the
// CONNECTACK in the order of FO-7.9.2. The connection machine decides when to retry and how long to
// wait (FO-8.2-b, FO-8.6-a, FO-7.9-a). In the isc profile it also listens, and rejects every
// CONNECT it receives there (FO-8.2-a, PrimaryListener).

import { connect, type Socket } from 'node:net';
import { LogEvent } from '../log.js';
import { MessageType } from '../wire/codes.js';
import type { FailoverConnection, ReceivedMessage } from './connection.js';
import { configuredHashBucketAssignment } from '../config/load-balance-fields.js';
import { FailoverLink } from './link.js';
import { PrimaryListener } from './primary-listener.js';

export class PrimaryLink extends FailoverLink {
  private readonly pendingSockets = new Set<Socket>();
  private connectXid: number | undefined;
  private listener: PrimaryListener | undefined;
  /** Failed connects since the last one that got through; only the first is logged at info. */
  private failedConnects = 0;

  override get listeningPort(): number | undefined {
    return this.listener?.port;
  }

  /**
   * Listens (isc profile only) and starts connecting. Every failover server listens (FO-8.2-a),
   * but [MS-DHCPF] lets only the secondary listen (MSF-2.1-b), so a microsoft primary does not.
   */
  async start(): Promise<void> {
    if (this.config.profile === 'isc') {
      this.listener = this.createListener();
      await this.listener.listen();
    }

    this.dispatch({ type: 'START' });
  }

  override async stop(): Promise<void> {
    await super.stop();
    await this.listener?.close();
  }

  private createListener(): PrimaryListener {
    return new PrimaryListener({
      config: this.config,
      clock: this.clock,
      logger: this.logger,
      local: this.local,
      createConnection: (socket) => this.createConnection(socket, false),
      refuseHandshake: (connection, message) =>
        this.refuseHandshake(connection, message, 'CONNECT', 'FO-7.8-a'),
      logRejected: (result) => this.logRejectedHandshake('CONNECT', result),
    });
  }

  protected override openSocket(): void {
    const socket = connect({
      host: this.config.peer.address,
      port: this.config.peer.port,
      localAddress: this.config.local.address,
    });
    this.pendingSockets.add(socket);
    const onFailure = (error: Error): void => {
      this.pendingSockets.delete(socket);
      socket.destroy();
      this.logConnectFailure(error);
      this.dispatch({ type: 'SOCKET_FAILED' });
    };
    socket.once('error', onFailure);
    socket.once('connect', () => {
      socket.off('error', onFailure);
      this.pendingSockets.delete(socket);
      this.failedConnects = 0;
      this.onOutgoingConnected(socket);
    });
  }

  /**
   * Logs a failed connect. The first of a series goes out at info so an operator who starts the
   * primary first can tell why it waits, and the repeats at debug so an absent partner does not fill
   * the log.
   */
  private logConnectFailure(error: Error): void {
    this.failedConnects += 1;
    const { address, port } = this.config.peer;
    const fields = { event: LogEvent.CONNECTION_RETRY, reason: error.message, address, port };
    const text = `connection to partner ${address}:${port} failed (${error.message}), retrying in ${this.config.connectRetrySeconds} s`;
    if (this.failedConnects === 1) {
      this.logger.info(fields, text);
    } else {
      this.logger.debug({ ...fields, failedConnects: this.failedConnects }, text);
    }
  }

  protected override closeSocket(reason: string): void {
    for (const socket of this.pendingSockets) {
      socket.destroy();
    }

    this.pendingSockets.clear();
    super.closeSocket(reason);
  }

  private onOutgoingConnected(socket: Socket): void {
    if (this.stopped) {
      socket.destroy();
      return;
    }

    const connection = this.createConnection(socket);
    this.current = connection;
    connection.on('messages', (received) => this.onPrimaryMessages(connection, received));
    this.dispatch({ type: 'SOCKET_CONNECTED' });
  }

  /** FO-8.2-c: the primary's first message on a new connection is CONNECT (FO-7.8-a). */
  protected override sendCONNECT(): void {
    this.connectXid = this.current?.send(
      MessageType.CONNECT,
      this.handshake.buildCONNECTOptions(
        this.local,
        this.hooks.currentMCLT(),
        configuredHashBucketAssignment(this.config),
      ),
    );
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

    this.checkCONNECTACK(first);
    if (connection.established) {
      this.forward(connection, received.slice(1));
    }
  }

  /** Checks the CONNECTACK and gives the result to the machine (FO-7.9.2). */
  private checkCONNECTACK(received: ReceivedMessage): void {
    const result = this.handshake.checkCONNECTACK(
      received.message,
      received.receivedAt,
      this.config.maxClockSkew,
    );
    if (result.accepted) {
      this.partner = result.partner;
      this.dispatch({ type: 'CONNECTACK_RECEIVED' });
      return;
    }

    this.logRejectedHandshake('CONNECTACK', result);
    // FO-7.9.2-f: our own objection (skew, version) goes out as a DISCONNECT first; a reject by the
    // partner gets none (FO-7.9.2-c).
    const rejectedBy = result.rule === 'FO-7.9.2-c' ? 'partner' : 'us';
    this.dispatch(
      { type: 'CONNECTACK_RECEIVED', rejectReason: result.rejectReason, rejectedBy },
      { reason: result.detail, disconnectText: result.message },
    );
  }
}
