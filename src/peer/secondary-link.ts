// The secondary's side of the link: it listens, accepts only the configured partner, waits a
// bounded time for CONNECT and checks it in the order of FO-7.8.2 before it sends CONNECTACK.

import { createServer, type Server, type Socket } from 'node:net';
import type { DecodeError } from '../errors.js';
import { LogEvent } from '../log.js';
import { MessageType, OptionCode, RejectReason } from '../wire/codes.js';
import type { FailoverConnection, ReceivedMessage } from './connection.js';
import {
  buildAcceptingCONNECTACKOptions,
  buildRejectingCONNECTACKOptions,
  type CheckResult,
} from './connect-messages.js';
import { FailoverLink, normalizeAddress } from './link.js';
import { headerOnlyCONNECT } from './raw-connect.js';

export class SecondaryLink extends FailoverLink {
  private server: Server | undefined;

  override get listeningPort(): number | undefined {
    const address = this.server?.address();
    return typeof address === 'object' && address !== null ? address.port : undefined;
  }

  /**
   * Listens on the local address and port.
   *
   * GAP(FO-8.2-a): only the secondary listens. A primary takes no stimulus connections from its
   * partner, because it reconnects on its own retry timer anyway.
   */
  async start(): Promise<void> {
    await this.listen();
  }

  override async stop(): Promise<void> {
    await super.stop();
    const server = this.server;
    if (server !== undefined) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  private async listen(): Promise<void> {
    const server = createServer((socket) => this.onIncoming(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.config.local.port, this.config.local.address, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (error) =>
      this.logger.error(
        { event: LogEvent.CONNECTION_DOWN, reason: error.message },
        'listener failed',
      ),
    );
  }

  private onIncoming(socket: Socket): void {
    const remote = normalizeAddress(socket.remoteAddress);
    // Only the configured partner may talk to us; checked before reading a byte (FO-7.8.2-f MAY).
    if (this.stopped || remote !== this.config.peer.address) {
      this.logger.warn(
        { event: LogEvent.CONNECTION_REFUSED, remote, expected: this.config.peer.address },
        `closed connection from ${remote}: not the configured partner`,
      );
      socket.destroy();
      return;
    }

    if (this.current !== undefined && !this.current.established) {
      this.current.close('replaced by a newer connection from the partner');
    }

    const connection = this.createConnection(socket);
    if (this.current === undefined || !this.current.established) {
      this.current = connection;
    }

    this.startHandshakeTimer(connection, 'CONNECT', 'FO-7.8.2-a');
    connection.on('messages', (received) => this.onSecondaryMessages(connection, received));
    connection.on('undecodable', (error, frame) =>
      this.answerUndecodableCONNECT(connection, error, frame),
    );
  }

  private onSecondaryMessages(connection: FailoverConnection, all: ReceivedMessage[]): void {
    const received = this.withoutDropped(all);
    if (connection.established) {
      this.forward(connection, received);
      return;
    }

    const [first, ...rest] = received;
    if (first === undefined) {
      return;
    }

    if (first.message.type !== MessageType.CONNECT) {
      this.refuseHandshake(connection, first.message, 'CONNECT', 'FO-7.8-a');
      return;
    }

    this.answerCONNECT(connection, first);
    if (connection.established) {
      this.forward(connection, rest);
    }
  }

  private answerCONNECT(connection: FailoverConnection, received: ReceivedMessage): void {
    const connect = received.message;
    let result: CheckResult = this.handshake.checkCONNECT(connect, received.receivedAt, {
      relationshipName: this.config.name,
      maxClockSkew: this.config.maxClockSkew,
    });
    if (result.accepted && this.current !== connection && this.current?.established === true) {
      // ISC rejects a second connection for a connected relationship with reason 7 (ISC-8).
      result = duplicateConnection();
    }

    this.handshakeTimer?.cancel();
    if (!result.accepted) {
      this.logRejectedHandshake('CONNECT', result);
      connection.send(
        MessageType.CONNECTACK,
        buildRejectingCONNECTACKOptions(this.local, connect, result.rejectReason, result.message),
        connect.xid,
      );
      connection.close(`rejected CONNECT: ${result.detail}`);
      return;
    }

    this.current = connection;
    // The microsoft rules leave mclt out, because a Windows secondary keeps its own (MSF-3.3.5.1-b).
    if (result.partner.mclt !== undefined) {
      this.hooks.adoptMCLT(result.partner.mclt);
    }

    connection.send(
      MessageType.CONNECTACK,
      buildAcceptingCONNECTACKOptions(this.local, connect),
      connect.xid,
    );
    this.establish(connection, result.partner);
  }

  /**
   * ISC dhcpd rejects a CONNECT whose hash-bucket-assignment is not 32 bytes with reason 18
   * (ISC-12, FO-7.8.2-i). The codec cannot decode such a CONNECT, so the CONNECTACK is built from the
   * raw options; every other undecodable message just closes the connection.
   */
  private answerUndecodableCONNECT(
    connection: FailoverConnection,
    error: DecodeError,
    frame: Uint8Array | undefined,
  ): void {
    const isBadHBA =
      error.messageType === MessageType.CONNECT &&
      error.optionCode === OptionCode.HASH_BUCKET_ASSIGNMENT;
    if (connection.established || frame === undefined || !isBadHBA) {
      return;
    }

    const connect = headerOnlyCONNECT(frame);
    this.handshakeTimer?.cancel();
    this.logRejectedHandshake('CONNECT', {
      accepted: false,
      rejectReason: RejectReason.HASH_BUCKET_ASSIGNMENT_CONFLICT,
      message: 'invalid HBA',
      detail: error.message,
      rule: 'FO-7.8.2-i',
    });
    connection.send(
      MessageType.CONNECTACK,
      buildRejectingCONNECTACKOptions(
        this.local,
        connect,
        RejectReason.HASH_BUCKET_ASSIGNMENT_CONFLICT,
        'invalid HBA',
      ),
      connect.xid,
    );
  }
}

function duplicateConnection(): CheckResult {
  return {
    accepted: false,
    rejectReason: RejectReason.DUPLICATE_CONNECTION,
    message: 'duplicate connection',
    detail: 'the relationship already has an established connection',
    rule: 'ISC-8',
  };
}
