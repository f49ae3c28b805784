// The secondary's side of the link: it listens, accepts only the configured partner, and checks
// CONNECT in the order of FO-7.8.2. The connection machine then decides the CONNECTACK.

import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import type { DecodeError } from '../errors.js';
import { LogEvent } from '../log.js';
import { MessageType, OptionCode, RejectReason } from '../wire/codes.js';
import type { FailoverMessage } from '../wire/types.js';
import type { FailoverConnection, ReceivedMessage } from './connection.js';
import {
  buildAcceptingCONNECTACKOptions,
  buildRejectingCONNECTACKOptions,
  type CheckResult,
} from './connect-messages.js';
import { FailoverLink, normalizeAddress } from './link.js';
import { headerOnlyCONNECT, lenientCONNECT } from './raw-connect.js';
import type { TimerHandle } from './timers.js';

export class SecondaryLink extends FailoverLink {
  private server: Server | undefined;
  /** The wait for CONNECT on each connection beside the established one (FO-7.8.2-a). */
  private readonly extraTimers = new Map<FailoverConnection, TimerHandle>();
  /** The CONNECT that the next CONNECTACK replies to, and its check result. */
  private answering: { connect: FailoverMessage; result: CheckResult } | undefined;

  override get listeningPort(): number | undefined {
    const address = this.server?.address();
    return typeof address === 'object' && address !== null ? address.port : undefined;
  }

  /** Listens on the local address and port (FO-8.2-a, MSF-2.1-b). */
  async start(): Promise<void> {
    await this.listen();
    this.dispatch({ type: 'START' });
  }

  override async stop(): Promise<void> {
    await super.stop();
    for (const timer of this.extraTimers.values()) {
      timer.cancel();
    }

    this.extraTimers.clear();
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

    const connection = this.createConnection(socket);
    connection.on('messages', (received) => this.onSecondaryMessages(connection, received));
    connection.on('undecodable', (error, frame, receivedAt) =>
      this.answerUndecodableCONNECT(connection, error, frame, receivedAt),
    );
    if (this.connection !== undefined) {
      this.startExtraTimer(connection);
      return;
    }

    this.track(connection);
  }

  /** Makes `connection` the one the machine tracks, replacing one still without CONNECT. */
  private track(connection: FailoverConnection): void {
    const previous = this.current;
    this.current = connection;
    previous?.close('replaced by a newer connection from the partner');
    this.dispatch({ type: 'SOCKET_ACCEPTED' });
  }

  /**
   * Closes a connection beside the established one that sends no CONNECT in time (FO-7.8.2-a).
   * Each such connection has its own timer, which only its CONNECT or its close cancels, so
   * losing the established connection leaves the waits of the others running.
   */
  private startExtraTimer(connection: FailoverConnection): void {
    const timer = this.clock.setTimer(this.config.receiveTimer * 1000, () => {
      this.extraTimers.delete(connection);
      if (connection !== this.current && !connection.established) {
        const reason = `no CONNECT within ${this.config.receiveTimer} s`;
        this.logger.warn({ event: LogEvent.MESSAGE_REJECTED, rule: 'FO-7.8.2-a' }, reason);
        connection.close(reason);
      }
    });
    this.extraTimers.set(connection, timer);
    connection.once('close', () => this.cancelExtraTimer(connection));
  }

  private cancelExtraTimer(connection: FailoverConnection): void {
    this.extraTimers.get(connection)?.cancel();
    this.extraTimers.delete(connection);
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

    this.checkCONNECT(connection, first);
    if (connection.established) {
      this.forward(connection, rest);
    }
  }

  /** Checks a CONNECT and gives the result to the machine (FO-7.8.2). */
  private checkCONNECT(connection: FailoverConnection, received: ReceivedMessage): void {
    const connect = received.message;
    const result = this.handshake.checkCONNECT(connect, received.receivedAt, {
      relationshipName: this.config.name,
      maxClockSkew: this.config.maxClockSkew,
    });
    if (connection !== this.current) {
      this.answerExtraCONNECT(connection, connect, result);
      return;
    }

    this.answerCONNECT(connect, result);
  }

  private answerCONNECT(connect: FailoverMessage, result: CheckResult): void {
    this.answering = { connect, result };
    if (result.accepted) {
      this.partner = result.partner;
      this.dispatch({ type: 'CONNECT_RECEIVED' });
      return;
    }

    this.logRejectedHandshake('CONNECT', result);
    this.dispatch(
      { type: 'CONNECT_RECEIVED', rejectReason: result.rejectReason },
      { reason: `rejected CONNECT: ${result.detail}` },
    );
  }

  /**
   * Replies to a CONNECT on a connection the machine does not track. While another connection is
   * established, ISC rejects it with reason 7 (ISC-8). This stays outside the connection machine,
   * which tracks one connection. Once the established one is gone, the connection takes its place.
   */
  private answerExtraCONNECT(
    connection: FailoverConnection,
    connect: FailoverMessage,
    checked: CheckResult,
  ): void {
    this.cancelExtraTimer(connection);
    if (checked.accepted && this.connection === undefined) {
      this.track(connection);
      this.answerCONNECT(connect, checked);
      return;
    }

    // A second connection beside the established one is rejected outside the machine (ISC-8).
    const result = checked.accepted ? duplicateConnection() : checked;
    this.logRejectedHandshake('CONNECT', result);
    connection.send(
      MessageType.CONNECTACK,
      buildRejectingCONNECTACKOptions(this.local, connect, result.rejectReason, result.message),
      connect.xid,
    );
    connection.close(`rejected CONNECT: ${result.detail}`);
  }

  protected override sendCONNECTACK(rejectReason: number | undefined): void {
    const connection = this.current;
    const answering = this.answering;
    assert(connection !== undefined, 'CONNECTACK needs a connection');
    assert(answering !== undefined, 'CONNECTACK needs a CONNECT');
    const { connect, result } = answering;
    if (rejectReason !== undefined) {
      const text = result.accepted ? 'rejected' : result.message;
      connection.send(
        MessageType.CONNECTACK,
        buildRejectingCONNECTACKOptions(this.local, connect, rejectReason, text),
        connect.xid,
      );
      return;
    }

    // The microsoft rules leave mclt out, because a Windows secondary keeps its own (MSF-3.3.5.1-b).
    if (result.accepted && result.partner.mclt !== undefined) {
      this.hooks.adoptMCLT(result.partner.mclt);
    }

    connection.send(
      MessageType.CONNECTACK,
      buildAcceptingCONNECTACKOptions(this.local, connect),
      connect.xid,
    );
  }

  /**
   * Answers a CONNECT whose hash-bucket-assignment is not 32 bytes, which the codec cannot decode.
   * ISC dhcpd rejects it with reason 18 (ISC-12, FO-7.8.2-i), but the earlier checks of FO-7.8.2
   * come first, so the CONNECT is decoded with that option kept raw and checked as usual. A CONNECT
   * that does not decode even then gets 18, built from the raw options. Every other undecodable
   * message just closes the connection.
   */
  private answerUndecodableCONNECT(
    connection: FailoverConnection,
    error: DecodeError,
    frame: Uint8Array | undefined,
    receivedAt: number,
  ): void {
    const isBadHBA =
      error.messageType === MessageType.CONNECT &&
      error.optionCode === OptionCode.HASH_BUCKET_ASSIGNMENT;
    if (connection.established || frame === undefined || !isBadHBA) {
      return;
    }

    const badHBA: CheckResult = {
      accepted: false,
      rejectReason: RejectReason.HASH_BUCKET_ASSIGNMENT_CONFLICT,
      message: 'invalid HBA',
      detail: error.message,
      rule: 'FO-7.8.2-i',
    };
    const connect = lenientCONNECT(frame, this.config.profile);
    if (connect === undefined) {
      this.checkedUndecodable(connection, headerOnlyCONNECT(frame), badHBA);
      return;
    }

    const result = this.handshake.checkCONNECT(connect, receivedAt, {
      relationshipName: this.config.name,
      maxClockSkew: this.config.maxClockSkew,
    });
    // The raw option fails the hash-bucket-assignment step, unless a profile's checks skip it.
    this.checkedUndecodable(connection, connect, result.accepted ? badHBA : result);
  }

  private checkedUndecodable(
    connection: FailoverConnection,
    connect: FailoverMessage,
    result: CheckResult,
  ): void {
    if (connection === this.current) {
      this.answerCONNECT(connect, result);
      return;
    }

    this.answerExtraCONNECT(connection, connect, result);
  }
}

function duplicateConnection(): Extract<CheckResult, { accepted: false }> {
  return {
    accepted: false,
    rejectReason: RejectReason.DUPLICATE_CONNECTION,
    message: 'duplicate connection',
    detail: 'the relationship already has an established connection',
    rule: 'ISC-8',
  };
}
