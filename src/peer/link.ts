// The failover link of one relationship, the part both roles share: handing the established
// connection to the endpoint above, DISCONNECT, closing, and the bounded wait for CONNECT or
// CONNECTACK. SecondaryLink listens, PrimaryLink connects (draft-12 section 8, FO-7.8, FO-7.9).

import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { RelationshipConfig } from '../config/types.js';
import { LogEvent, type Logger } from '../log.js';
import { MessageType, OptionCode, RejectReason } from '../wire/codes.js';
import type { FailoverMessage, FailoverOption } from '../wire/types.js';
import { FailoverConnection, type ReceivedMessage } from './connection.js';
import type { CheckResult, LocalParameters, PartnerParameters } from './connect-messages.js';
import { findOption } from './options.js';
import type { Clock, TimerHandle } from './timers.js';
import type { ConnectionGuard } from './connection-guard.js';
import type { ConnectionTapFactory } from './connection-tap.js';
import { connectionGuardFor } from './microsoft-guard.js';
import { handshakeRulesFor, type HandshakeRules } from './microsoft-connect.js';
import { droppedOnReceipt } from './microsoft-drops.js';
import { messageTypeLabel } from './wire-adapter.js';

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
  protected current: FailoverConnection | undefined;
  protected handshakeTimer: TimerHandle | undefined;
  protected stopped = false;

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
  }

  /** The established connection, if any. */
  get connection(): FailoverConnection | undefined {
    return this.current?.established === true ? this.current : undefined;
  }

  /** The port a secondary listens on (useful with port 0); undefined for a primary. */
  get listeningPort(): number | undefined {
    return undefined;
  }

  /** Starts listening (secondary) or the first connection attempt (primary, FO-9.3.2-e). */
  abstract start(): Promise<void>;

  /** Ends the link: DISCONNECT on an established connection (FO-8.6-c), no more retries. */
  stop(): Promise<void> {
    this.stopped = true;
    this.handshakeTimer?.cancel();
    this.current?.disconnect(RejectReason.UNKNOWN, 'server is stopping');
    return Promise.resolve();
  }

  /** Called when the partner sent DISCONNECT, before the connection closes. */
  protected onDisconnectReceived(): void {}

  protected establish(connection: FailoverConnection, partner: PartnerParameters): void {
    connection.established = true;
    // tSend is a third of the partner's receive-timer on both sides (E-10, ISC-5); tReceive is
    // our own receive-timer (FO-7.9.1-g, FO-7.9.2-h).
    connection.startTimers(
      Math.floor((partner.receiveTimer * 1000) / 3),
      this.config.receiveTimer * 1000,
    );
    connection.send(MessageType.STATE, this.hooks.stateOptions());
    this.emit('established', { connection, partner });
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
    this.onDisconnectReceived();
    connection.close(`DISCONNECT from partner, reject-reason ${rejectReason ?? 'missing'}`);
  }

  protected createConnection(socket: Socket): FailoverConnection {
    const connection = new FailoverConnection({
      socket,
      profile: this.config.profile,
      clock: this.clock,
      logger: this.logger,
      guard: this.guard,
      tap: this.tapConnection?.(socket, this.config.role === 'primary'),
    });
    connection.on('close', (reason) => this.onConnectionClosed(connection, reason));
    return connection;
  }

  private onConnectionClosed(connection: FailoverConnection, reason: string): void {
    if (this.current !== connection) {
      return;
    }

    this.current = undefined;
    this.handshakeTimer?.cancel();
    if (connection.established) {
      // Losing an established connection is a warning, unless this server is stopping.
      const level = this.stopped ? 'info' : 'warn';
      this.logger[level]({ event: LogEvent.CONNECTION_DOWN, reason }, `connection lost: ${reason}`);
      this.emit('down', reason);
    } else {
      this.logger.info({ event: LogEvent.CONNECTION_DOWN, reason }, `connection closed: ${reason}`);
    }
  }

  protected startHandshakeTimer(
    connection: FailoverConnection,
    awaited: string,
    rule: string,
  ): void {
    this.handshakeTimer?.cancel();
    // The wait is bounded by our receive-timer (FO-7.8.2-a, FO-7.9.2-a).
    this.handshakeTimer = this.clock.setTimer(this.config.receiveTimer * 1000, () => {
      if (!connection.established) {
        this.logger.warn(
          { event: LogEvent.MESSAGE_REJECTED, rule },
          `no ${awaited} within ${this.config.receiveTimer} s`,
        );
        connection.close(`no ${awaited} within ${this.config.receiveTimer} s`);
      }
    });
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
    connection.close(`message type ${message.type} before ${awaited}`);
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
