// The failover link of one relationship, the part both roles share. It runs the connection
// machine (model/connection.ts): sockets, messages and timers become machine events, and the link
// carries out the effects the machine emits. It also hands the established connection to the
// endpoint above. SecondaryLink awaits CONNECT, PrimaryLink connects and sends it (draft-12
// section 8, FO-7.8, FO-7.9).

import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { createActor, type Actor, type InspectionEvent } from 'xstate';
import { connectionMachine } from '../../model/connection.js';
import type {
  ConnectionEmitted,
  ConnectionEvent,
  ConnectionTimerName,
  RetryDelay,
} from '../../model/connection-types.js';
import type { RelationshipConfig } from '../config/types.js';
import { LogEvent, type Logger } from '../log.js';
import { MessageType, OptionCode } from '../wire/codes.js';
import type { FailoverMessage, FailoverOption } from '../wire/types.js';
import { FailoverConnection, type ReceivedMessage } from './connection.js';
import type { CheckResult, LocalParameters, PartnerParameters } from './connect-messages.js';
import { findOption, rejectOptions } from './options.js';
import type { Clock, TimerHandle } from './timers.js';
import type { ConnectionGuard } from './connection-guard.js';
import type { ConnectionTapFactory } from './connection-tap.js';
import { connectionGuardFor } from './microsoft-guard.js';
import { handshakeRulesFor, type HandshakeRules } from './microsoft-connect.js';
import { droppedOnReceipt } from './microsoft-drops.js';
import { messageTypeLabel } from './wire-adapter.js';

/** Wait after a rejecting CONNECTACK or a DISCONNECT before connecting again (FO-7.9-a). */
const RETRY_AFTER_REJECT_SECONDS = 60;

export interface LinkHooks {
  /** STATE options to send right after CONNECT/CONNECTACK (FO-7.10-a). */
  stateOptions(): FailoverOption[];
  /** The MCLT a secondary adopts from CONNECT; stored before CONNECTACK goes out (FO-7.8.2-h). */
  adoptMCLT(mclt: number): void;
  /** The MCLT a primary sends in CONNECT. */
  currentMCLT(): number;
}

export interface LinkEvents {
  established: [session: EstablishedSession];
  messages: [received: ReceivedMessage[]];
  /** An established connection ended. */
  down: [reason: string];
}

export interface EstablishedSession {
  connection: FailoverConnection;
  partner: PartnerParameters;
}

export interface LinkOptions {
  config: RelationshipConfig;
  vendorClassIdentifier: string;
  clock: Clock;
  logger: Logger;
  hooks: LinkHooks;
  /** Observer of every connection's bytes, such as a pcap writer. */
  tapConnection?: ConnectionTapFactory;
  /** Observer of the connection actor's events, such as `dhcpf inspect`. */
  inspect?: (event: InspectionEvent) => void;
}

/** Texts for the log and the DISCONNECT message option of a close the event may lead to. */
export interface CloseTexts {
  /** The reason the socket closes, for the log. */
  reason: string;
  /** The message (16) option of a DISCONNECT; `reason` when absent. */
  disconnectText?: string;
}

export abstract class FailoverLink extends EventEmitter<LinkEvents> {
  protected readonly config: RelationshipConfig;
  protected readonly clock: Clock;
  protected readonly logger: Logger;
  protected readonly hooks: LinkHooks;
  protected readonly local: LocalParameters;
  /** CONNECT and CONNECTACK rules of the profile (draft, or [MS-DHCPF] section 3.3.5.1). */
  protected readonly handshake: HandshakeRules;
  private readonly guard: ConnectionGuard | undefined;
  private readonly tapConnection: ConnectionTapFactory | undefined;
  private readonly actor: Actor<typeof connectionMachine>;
  private readonly timers = new Map<ConnectionTimerName, TimerHandle>();
  /** The connection the machine tracks. */
  protected current: FailoverConnection | undefined;
  /** The partner parameters of the CONNECT or CONNECTACK being accepted. */
  protected partner: PartnerParameters | undefined;
  protected stopped = false;
  private closeTexts: CloseTexts = { reason: 'closed' };
  private lastCloseReason = 'closed';
  private pendingSession: EstablishedSession | undefined;
  private dispatchDepth = 0;

  constructor(options: LinkOptions) {
    super();
    this.config = options.config;
    this.clock = options.clock;
    this.logger = options.logger;
    this.hooks = options.hooks;
    this.handshake = handshakeRulesFor(options.config);
    this.guard = connectionGuardFor(options.config);
    this.tapConnection = options.tapConnection;
    this.local = {
      relationshipName: options.config.name,
      maxUnackedUpdates: options.config.maxUnackedUpdates,
      receiveTimer: options.config.receiveTimer,
      vendorClassIdentifier: options.vendorClassIdentifier,
    };
    this.actor = createActor(connectionMachine, {
      input: { role: options.config.role },
      inspect: options.inspect,
    });
    this.actor.on('*', (emitted) => this.carryOut(emitted));
    this.actor.subscribe((snapshot) => this.cancelStaleTimers(String(snapshot.value)));
    this.actor.start();
  }

  /** The connection actor, for inspection. */
  get connectionActor(): Actor<typeof connectionMachine> {
    return this.actor;
  }

  /** The established connection, if any. */
  get connection(): FailoverConnection | undefined {
    return this.current?.established === true ? this.current : undefined;
  }

  /** The port this server listens on (useful with port 0); undefined when it does not listen. */
  get listeningPort(): number | undefined {
    return undefined;
  }

  /** Starts listening (secondary) or the first connection attempt (primary, FO-9.3.2-e). */
  abstract start(): Promise<void>;

  /** Ends the link: DISCONNECT on an established connection (FO-8.6-c), no more retries. */
  stop(): Promise<void> {
    this.stopped = true;
    this.dispatch({ type: 'STOP' }, { reason: 'server is stopping' });
    for (const timer of this.timers.values()) {
      timer.cancel();
    }

    this.timers.clear();
    return Promise.resolve();
  }

  /**
   * Ends the established connection on purpose, if there is one: the machine's CLOSE sends
   * DISCONNECT with `rejectReason` and `text`, then closes the socket (FO-8.6-c, FO-7.12-a).
   */
  disconnect(rejectReason: number, text: string): void {
    if (this.connection === undefined) {
      return;
    }

    this.dispatch({ type: 'CLOSE', rejectReason }, { reason: text });
  }

  /**
   * Sends an event to the connection machine. `texts` name the close it may lead to. The
   * established session goes to the endpoint once the machine has finished with the event.
   */
  protected dispatch(event: ConnectionEvent, texts?: CloseTexts): void {
    if (this.actor.getSnapshot().status !== 'active') {
      return;
    }

    if (texts !== undefined) {
      this.closeTexts = texts;
    }

    this.dispatchDepth++;
    try {
      this.actor.send(event);
    } finally {
      this.dispatchDepth--;
    }

    const session = this.pendingSession;
    if (this.dispatchDepth === 0 && session !== undefined) {
      this.pendingSession = undefined;
      this.emit('established', session);
    }
  }

  /** Carries out an effect the connection machine emitted. */
  private carryOut(emitted: ConnectionEmitted): void {
    switch (emitted.type) {
      case 'OPEN_SOCKET':
        this.openSocket();
        return;
      case 'SEND_CONNECT':
        this.sendCONNECT();
        return;
      case 'SEND_CONNECTACK':
        this.sendCONNECTACK(emitted.rejectReason);
        return;
      case 'SEND_STATE':
        this.sendSTATE();
        return;
      case 'SEND_CONTACT':
        // FO-7.9.1-h: a CONTACT whenever nothing else was sent for tSend.
        this.current?.send(MessageType.CONTACT, []);
        return;
      case 'SEND_DISCONNECT':
        this.sendDISCONNECT(emitted.rejectReason);
        return;
      case 'CLOSE_SOCKET':
        this.closeSocket(this.closeTexts.reason);
        return;
      case 'START_TIMER':
        this.startTimer(emitted.name, emitted.delay);
        return;
      case 'COMMUNICATIONS_OK':
        // The endpoint machine reads the STATE itself (FO-8.3-a); the link has nothing to do.
        return;
      case 'COMMUNICATIONS_FAILED':
        this.reportConnectionDown();
        return;
    }
  }

  /** Primary: opens a TCP connection to the partner. */
  protected openSocket(): void {
    assert.fail(`${this.config.role} link opens no connection`);
  }

  /** Primary: sends CONNECT on the new connection. */
  protected sendCONNECT(): void {
    assert.fail(`${this.config.role} link sends no CONNECT`);
  }

  /** Secondary: replies to the checked CONNECT, accepting it when `rejectReason` is absent. */
  protected sendCONNECTACK(rejectReason: number | undefined): void {
    assert.fail(`${this.config.role} link sends no CONNECTACK, reject-reason ${rejectReason}`);
  }

  /** Closes the current connection; the primary also drops connection attempts in progress. */
  protected closeSocket(reason: string): void {
    this.current?.close(reason);
  }

  private sendSTATE(): void {
    const connection = this.current;
    const partner = this.partner;
    assert(connection !== undefined, 'STATE needs a connection');
    assert(partner !== undefined, 'STATE needs an accepted partner');
    connection.established = true;
    connection.send(MessageType.STATE, this.hooks.stateOptions());
    this.pendingSession = { connection, partner };
  }

  /** Sends DISCONNECT, also on a connection whose CONNECTACK this server objects to (FO-7.9.2-f). */
  private sendDISCONNECT(rejectReason: number): void {
    const text = this.closeTexts.disconnectText ?? this.closeTexts.reason;
    this.current?.send(MessageType.DISCONNECT, rejectOptions(rejectReason, text));
  }

  private startTimer(name: ConnectionTimerName, delay: RetryDelay | undefined): void {
    switch (name) {
      case 'TSEND':
        // tSend is a third of the partner's receive-timer on both sides (E-10, ISC-5).
        this.current?.startSendTimer(Math.floor(((this.partner?.receiveTimer ?? 0) * 1000) / 3));
        return;
      case 'TRECEIVE':
        // tReceive is our own receive-timer (FO-7.9.1-g, FO-7.9.2-h).
        this.current?.startReceiveTimer(this.config.receiveTimer * 1000);
        return;
      case 'CONNECT_WAIT':
        // The wait for CONNECT or CONNECTACK is bounded by our receive-timer (FO-7.8.2-a).
        this.setTimer(name, this.config.receiveTimer * 1000, () => this.onConnectWaitExpired());
        return;
      case 'RETRY':
        this.setTimer(name, this.retryDelaySeconds(delay) * 1000, () =>
          this.dispatch({ type: 'RETRY_EXPIRED' }),
        );
        return;
    }
  }

  /** Maps the machine's retry delay to seconds (FO-8.6-a, FO-8.2-b, FO-7.9-a). */
  private retryDelaySeconds(delay: RetryDelay | undefined): number {
    switch (delay) {
      case 'now':
        return 0;
      case 'after-reject':
        return Math.max(RETRY_AFTER_REJECT_SECONDS, this.config.connectRetrySeconds);
      case 'connect-retry':
      case undefined:
        return this.config.connectRetrySeconds;
    }
  }

  private setTimer(name: ConnectionTimerName, delayMs: number, callback: () => void): void {
    this.timers.get(name)?.cancel();
    this.timers.set(name, this.clock.setTimer(delayMs, callback));
  }

  /** Cancels the CONNECT wait and the retry timer once the machine leaves the states using them. */
  private cancelStaleTimers(state: string): void {
    if (state !== 'awaiting-CONNECT' && state !== 'awaiting-CONNECTACK') {
      this.cancelTimer('CONNECT_WAIT');
    }

    if (state !== 'retry-wait' && state !== 'backing-off') {
      this.cancelTimer('RETRY');
    }
  }

  private cancelTimer(name: ConnectionTimerName): void {
    this.timers.get(name)?.cancel();
    this.timers.delete(name);
  }

  private onConnectWaitExpired(): void {
    const awaited = this.config.role === 'primary' ? 'CONNECTACK' : 'CONNECT';
    const rule = this.config.role === 'primary' ? 'FO-7.9.2-a' : 'FO-7.8.2-a';
    const reason = `no ${awaited} within ${this.config.receiveTimer} s`;
    this.logger.warn({ event: LogEvent.MESSAGE_REJECTED, rule }, reason);
    this.dispatch({ type: 'CONNECT_WAIT_EXPIRED' }, { reason });
  }

  private reportConnectionDown(): void {
    const reason = this.lastCloseReason;
    // Losing an established connection is a warning, unless this server is stopping.
    const level = this.stopped ? 'info' : 'warn';
    this.logger[level]({ event: LogEvent.CONNECTION_DOWN, reason }, `connection lost: ${reason}`);
    this.emit('down', reason);
  }

  /** Removes the messages the profile drops on receipt, logging each (MSF-3.1.5.8-a). */
  protected withoutDropped(received: ReceivedMessage[]): ReceivedMessage[] {
    return received.filter(({ message }) => {
      const rule = droppedOnReceipt(this.config.profile, this.config.role, message.type);
      if (rule === undefined) {
        return true;
      }

      const type = messageTypeLabel(message.type);
      this.logger.debug(
        { event: LogEvent.MESSAGE_REJECTED, messageType: type, xid: message.xid, rule },
        `dropped ${type} on receipt`,
      );
      return false;
    });
  }

  protected forward(connection: FailoverConnection, received: ReceivedMessage[]): void {
    const forwarded: ReceivedMessage[] = [];
    for (const item of received) {
      if (item.message.type === MessageType.DISCONNECT) {
        this.emitForwarded(forwarded);
        forwarded.length = 0;
        this.onDISCONNECT(connection, item.message);
        return;
      }

      if (item.message.type === MessageType.CONTACT) {
        continue;
      }

      if (item.message.type === MessageType.STATE && connection === this.current) {
        this.dispatch({ type: 'STATE_RECEIVED' });
      }

      forwarded.push(item);
    }

    this.emitForwarded(forwarded);
  }

  private emitForwarded(received: ReceivedMessage[]): void {
    if (received.length > 0) {
      this.emit('messages', received);
    }
  }

  private onDISCONNECT(connection: FailoverConnection, message: FailoverMessage): void {
    const rejectReason = findOption(message, OptionCode.REJECT_REASON);
    const text = findOption(message, OptionCode.MESSAGE);
    this.logger.warn(
      { event: LogEvent.DISCONNECT_RECEIVED, rejectReason, message: text },
      `partner sent DISCONNECT: ${text ?? 'no message'}`,
    );
    const reason = `DISCONNECT from partner, reject-reason ${rejectReason ?? 'missing'}`;
    if (connection !== this.current) {
      connection.close(reason);
      return;
    }

    this.dispatch({ type: 'DISCONNECT_RECEIVED' }, { reason });
  }

  /** Wraps a socket; `outgoing` is true when this server opened it, as a primary does. */
  protected createConnection(
    socket: Socket,
    outgoing = this.config.role === 'primary',
  ): FailoverConnection {
    const connection = new FailoverConnection({
      socket,
      profile: this.config.profile,
      clock: this.clock,
      logger: this.logger,
      guard: this.guard,
      tap: this.tapConnection?.(socket, outgoing),
    });
    connection.on('close', (reason) => this.onConnectionClosed(connection, reason));
    // Only the tracked connection becomes established, so its deliberate close is the machine's.
    connection.onDisconnect = (rejectReason, text) => {
      if (connection === this.current) {
        this.disconnect(rejectReason, text);
      } else {
        connection.close(text);
      }
    };
    connection.on('sendTimerExpired', () => {
      if (connection === this.current) {
        this.dispatch({ type: 'TSEND_EXPIRED' });
      }
    });
    connection.on('receiveTimerExpired', () => {
      if (connection === this.current) {
        // FO-8.3-c: DISCONNECT 17 just before dropping a silent connection.
        this.dispatch({ type: 'TRECEIVE_EXPIRED' }, { reason: 'no traffic' });
      }
    });
    return connection;
  }

  private onConnectionClosed(connection: FailoverConnection, reason: string): void {
    if (this.current !== connection) {
      return;
    }

    this.current = undefined;
    this.lastCloseReason = reason;
    if (!connection.established) {
      this.logger.info({ event: LogEvent.CONNECTION_DOWN, reason }, `connection closed: ${reason}`);
    }

    this.dispatch({ type: 'SOCKET_CLOSED' });
  }

  protected refuseHandshake(
    connection: FailoverConnection,
    message: FailoverMessage,
    awaited: string,
    rule: string,
  ): void {
    this.logger.warn(
      { event: LogEvent.MESSAGE_REJECTED, messageType: message.type, rule },
      `closing connection: message type ${message.type} before ${awaited}`,
    );
    const reason = `message type ${message.type} before ${awaited}`;
    if (connection !== this.current) {
      connection.close(reason);
      return;
    }

    this.dispatch({ type: 'UNEXPECTED_MESSAGE' }, { reason });
  }

  protected logRejectedHandshake(
    what: string,
    result: Extract<CheckResult, { accepted: false }>,
  ): void {
    this.logger.warn(
      {
        event: LogEvent.MESSAGE_REJECTED,
        messageType: what,
        rejectReason: result.rejectReason,
        rule: result.rule,
        detail: result.detail,
      },
      `${what} rejected: ${result.detail}`,
    );
  }
}

/** Strips the IPv4-mapped IPv6 prefix a dual-stack socket reports ("::ffff:10.0.0.1"). */
export function normalizeAddress(address: string | undefined): string {
  if (address === undefined) {
    return 'unknown';
  }

  return address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
}
