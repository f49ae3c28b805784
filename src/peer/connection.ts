// One TCP connection to the failover partner: framing, decoding, xids, the tSend and tReceive
// timers restarted by traffic, and closing. The link above it runs the connection machine, which
// decides what an expired timer does, and handles CONNECT and the failover states.

import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { DecodeError, FailoverError } from '../errors.js';
import { LogEvent, type Logger } from '../log.js';
import { MessageType, RejectReason } from '../wire/codes.js';
import { buildMessage } from '../wire/message-builder.js';
import type { FailoverMessage, FailoverOption, WireProfile } from '../wire/types.js';
import {
  createFramer,
  decodeFrame,
  encodedLength,
  encodeFrame,
  FramingError,
  messageTypeLabel,
} from './wire-adapter.js';
import { nowSeconds, type Clock, type TimerHandle } from './timers.js';
import { rejectOptions } from './options.js';
import type { ConnectionGuard, GuardRejection } from './connection-guard.js';
import type { ConnectionTap } from './connection-tap.js';

/** A decoded message and the local time it arrived, seconds since 1970 (FO-5.10-c). */
export interface ReceivedMessage {
  message: FailoverMessage;
  receivedAt: number;
}

export interface ConnectionEvents {
  /** The messages decoded from one read, in wire order. */
  messages: [received: ReceivedMessage[]];
  /** The connection is gone; `reason` is for the log. */
  close: [reason: string];
  /**
   * A frame failed to decode; emitted before the connection closes, so a reply can go first.
   * `receivedAt` is the local arrival time, seconds since 1970 (FO-5.10-c).
   */
  undecodable: [error: DecodeError, frame: Uint8Array | undefined, receivedAt: number];
  /** Nothing was sent for tSend (FO-7.9.1-h). */
  sendTimerExpired: [];
  /** Nothing arrived for tReceive (FO-8.3-c). */
  receiveTimerExpired: [];
}

export interface ConnectionOptions {
  socket: Socket;
  profile: WireProfile;
  clock: Clock;
  logger: Logger;
  /** Per-message checks and encoding of the profile (digest, clock); none in the isc profile. */
  guard?: ConnectionGuard;
  /** Observer of the bytes sent and received, such as a pcap writer. */
  tap?: ConnectionTap;
}

/** Counts of messages, for the demo's summary and the tests. */
export interface MessageCounters {
  sent: number;
  received: number;
}

const HIGHEST_KNOWN_TYPE = MessageType.DISCONNECT;
/** Types 0-127 are mandatory: an unknown one closes the connection; 128-255 are optional. */
const FIRST_OPTIONAL_TYPE = 128;

export class FailoverConnection extends EventEmitter<ConnectionEvents> {
  /** Set by the link once CONNECT and CONNECTACK are done (FO-7.12-a). */
  established = false;
  /**
   * Ends the established connection for `disconnect` in place of this class. The link sets it,
   * so that its connection machine takes every deliberate close as CLOSE (FO-8.6-c).
   */
  onDisconnect: ((rejectReason: number, text: string) => void) | undefined;
  readonly remoteAddress: string;
  readonly counters: MessageCounters = { sent: 0, received: 0 };

  private readonly socket: Socket;
  private readonly profile: WireProfile;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly guard: ConnectionGuard | undefined;
  private readonly tap: ConnectionTap | undefined;
  private readonly framer = createFramer();
  private nextXid = 0;
  private closed = false;
  private readingPaused = false;
  private sendTimer: TimerHandle | undefined;
  private receiveTimer: TimerHandle | undefined;
  private sendIntervalMs = 0;
  private receiveIntervalMs = 0;

  constructor(options: ConnectionOptions) {
    super();
    this.socket = options.socket;
    this.profile = options.profile;
    this.clock = options.clock;
    this.logger = options.logger;
    this.guard = options.guard;
    this.tap = options.tap;
    this.remoteAddress = options.socket.remoteAddress ?? 'unknown';
    this.socket.setNoDelay(true);
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', (error) => this.finish(`socket error: ${error.message}`));
    this.socket.on('close', () => this.finish('closed by partner'));
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /**
   * Sends a message and returns its xid. A request takes the next xid of this connection; a
   * response passes the request's xid to echo it (FO-6.1-f, FO-6.1-g).
   */
  send(type: number, options: FailoverOption[], responseXid?: number): number {
    const xid = responseXid ?? this.takeXid(type);
    if (this.closed) {
      return xid;
    }

    const bytes = this.encode(type, xid, options);
    if (bytes === undefined) {
      return xid;
    }

    this.tap?.sent(bytes);
    if (!this.socket.write(bytes)) {
      this.pauseReading();
    }

    this.counters.sent++;
    this.logger.debug(
      { event: LogEvent.MESSAGE_SENT, type: messageTypeLabel(type), xid },
      `sent ${messageTypeLabel(type)}`,
    );
    this.restartSendTimer();
    return xid;
  }

  /**
   * Starts tSend, restarted by every message sent; `sendTimerExpired` fires when nothing was sent
   * for that long (FO-7.9.1-g, FO-7.9.1-h, FO-7.9.2-h).
   */
  startSendTimer(intervalMs: number): void {
    this.sendIntervalMs = intervalMs;
    this.restartSendTimer();
  }

  /**
   * Starts tReceive, restarted by every message received; `receiveTimerExpired` fires when nothing
   * arrived for that long (FO-7.9.1-g, FO-8.3-c).
   */
  startReceiveTimer(intervalMs: number): void {
    this.receiveIntervalMs = intervalMs;
    this.restartReceiveTimer();
  }

  /**
   * Ends the connection on purpose. On an established connection a DISCONNECT with the reason
   * goes first (FO-8.6-c, FO-7.12-a), sent through `onDisconnect` when it is set; before that
   * there is nothing to tell the partner.
   */
  disconnect(rejectReason: number, text: string): void {
    if (this.closed) {
      return;
    }

    if (this.established && this.onDisconnect !== undefined) {
      this.onDisconnect(rejectReason, text);
      return;
    }

    if (this.established) {
      this.send(MessageType.DISCONNECT, rejectOptions(rejectReason, text));
    }

    this.close(text);
  }

  /** Closes without a DISCONNECT, after flushing what was already written. */
  close(reason: string): void {
    if (this.closed) {
      return;
    }

    this.socket.end(() => this.socket.destroy());
    this.finish(reason);
  }

  /**
   * Encodes a message, or returns undefined when it cannot be encoded, such as a reply longer than
   * 2048 bytes (FO-6.1-c). Such a message is our own fault, so it is logged and the connection ends
   * with DISCONNECT 254; raising here would escape from a socket listener and end the process.
   */
  private encode(type: number, xid: number, options: FailoverOption[]): Uint8Array | undefined {
    try {
      const message = buildMessage(type, xid, nowSeconds(this.clock), options, this.profile);
      return this.guard?.encode(message) ?? encodeFrame(message, this.profile);
    } catch (error) {
      if (!(error instanceof FailoverError)) {
        throw error;
      }

      this.abandonUnencodable(type, xid, options, error);
      return undefined;
    }
  }

  private abandonUnencodable(
    type: number,
    xid: number,
    options: FailoverOption[],
    error: FailoverError,
  ): void {
    const label = messageTypeLabel(type);
    const length = encodedLength(options, this.profile);
    this.logger.error(
      { event: LogEvent.MESSAGE_UNENCODABLE, type: label, xid, length, code: error.code },
      `closing connection: cannot encode ${label} of ${length ?? 'unknown'} bytes: ${error.message}`,
    );
    // The close waits for the current event to finish, because the link may still be sending the
    // rest of a reply, such as STATE after CONNECTACK, on this connection.
    queueMicrotask(() => {
      if (type === MessageType.DISCONNECT) {
        this.close(error.message);
        return;
      }

      this.disconnect(RejectReason.UNKNOWN, `cannot encode ${label}`);
    });
  }

  /**
   * Stops reading while the socket's send buffer is over its high-water mark, so a partner that
   * stops reading cannot make our replies queue without bound (FO-8.3-e). Writes still go out in
   * order, and reading resumes once the buffer has drained.
   */
  private pauseReading(): void {
    if (this.readingPaused) {
      return;
    }

    this.readingPaused = true;
    this.socket.pause();
    this.socket.once('drain', () => {
      this.readingPaused = false;
      this.socket.resume();
    });
  }

  private takeXid(type: number): number {
    // ISC keeps 0 as "no update outstanding" for a lease, so BNDUPD never uses it (ISC-2).
    if (type === MessageType.BNDUPD && this.nextXid === 0) {
      this.nextXid = 1;
    }

    const xid = this.nextXid;
    this.nextXid = (this.nextXid + 1) >>> 0;
    return xid;
  }

  private onData(chunk: Buffer): void {
    if (this.closed) {
      return;
    }

    const receivedAt = nowSeconds(this.clock);
    this.tap?.received(chunk);
    let frames: Uint8Array[];
    let failure: DecodeError | undefined;
    try {
      frames = this.framer.push(chunk);
    } catch (error) {
      if (!(error instanceof FramingError)) {
        throw error;
      }

      frames = error.frames;
      failure = error;
    }

    const received: ReceivedMessage[] = [];
    let failedFrame: Uint8Array | undefined;
    for (const frame of frames) {
      const rejection = this.guard?.check(frame, receivedAt);
      if (rejection !== undefined) {
        this.deliver(received);
        this.dropStream(rejection);
        return;
      }

      try {
        const message = this.decodeAcceptedFrame(frame);
        if (message !== undefined) {
          received.push({ message, receivedAt });
        }
      } catch (error) {
        if (!(error instanceof DecodeError)) {
          throw error;
        }

        failure = error;
        failedFrame = frame;
        break;
      }
    }

    // Messages decoded before a bad frame are still acted on; the bad one closes the link.
    this.deliver(received);
    if (failure !== undefined) {
      this.rejectStream(failure, failedFrame, receivedAt);
    }
  }

  private deliver(received: ReceivedMessage[]): void {
    if (received.length === 0 || this.closed) {
      return;
    }

    this.counters.received += received.length;
    this.restartReceiveTimer();
    for (const { message } of received) {
      this.logger.debug(
        {
          event: LogEvent.MESSAGE_RECEIVED,
          type: messageTypeLabel(message.type),
          xid: message.xid,
        },
        `received ${messageTypeLabel(message.type)}`,
      );
    }

    this.emit('messages', received);
  }

  /** Returns the decoded frame, or undefined for an optional type this peer does not know. */
  private decodeAcceptedFrame(frame: Uint8Array): FailoverMessage | undefined {
    const type = frame[2] ?? 0;
    if (type === 0 || type > HIGHEST_KNOWN_TYPE) {
      if (type >= FIRST_OPTIONAL_TYPE) {
        this.logger.debug(
          { event: LogEvent.MESSAGE_REJECTED, messageType: type, rule: 'FO-6.1-d' },
          `ignored message of unknown optional type ${type}`,
        );
        this.restartReceiveTimer();
        return undefined;
      }

      throw new DecodeError('FO_ERR_UNKNOWN_MESSAGE_TYPE', `message type ${type} is unknown`, {
        offset: 2,
        messageType: type,
        rule: 'FO-6.1-d',
      });
    }

    return decodeFrame(frame, this.profile);
  }

  private rejectStream(
    error: DecodeError,
    frame: Uint8Array | undefined,
    receivedAt: number,
  ): void {
    this.logger.warn(
      {
        event: LogEvent.MESSAGE_REJECTED,
        code: error.code,
        messageType: error.messageType,
        optionCode: error.optionCode,
        offset: error.offset,
        rule: error.rule,
        remote: this.remoteAddress,
      },
      `closing connection: ${error.message}`,
    );
    this.emit('undecodable', error, frame, receivedAt);
    this.disconnect(RejectReason.UNKNOWN, error.message);
  }

  /** Drops a frame the guard rejected and closes without a DISCONNECT (MSF-3.1.5-a, AMB-24). */
  private dropStream(rejection: GuardRejection): void {
    this.logger.warn(
      {
        event: rejection.event,
        code: rejection.code,
        rule: rejection.rule,
        remote: this.remoteAddress,
      },
      `closing connection: ${rejection.message}`,
    );
    this.close(rejection.message);
  }

  private restartSendTimer(): void {
    this.sendTimer?.cancel();
    if (this.sendIntervalMs <= 0 || this.closed) {
      return;
    }

    this.sendTimer = this.clock.setTimer(this.sendIntervalMs, () => this.emit('sendTimerExpired'));
  }

  private restartReceiveTimer(): void {
    this.receiveTimer?.cancel();
    if (this.receiveIntervalMs <= 0 || this.closed) {
      return;
    }

    this.receiveTimer = this.clock.setTimer(this.receiveIntervalMs, () =>
      this.emit('receiveTimerExpired'),
    );
  }

  private finish(reason: string): void {
    if (this.closed) {
      return;
    }

    this.closed = true;
    this.sendTimer?.cancel();
    this.receiveTimer?.cancel();
    this.tap?.closed();
    if (!this.socket.destroyed && this.socket.writableEnded === false) {
      this.socket.destroy();
    }

    this.emit('close', reason);
  }
}
