// The message handling of one established connection after CONNECT/CONNECTACK. Received STATE and
// UPDDONE go to the machine, BNDACK, UPDREQ and UPDREQALL to the update sender, and BNDUPD to the
// update receiver. Our own STATE, UPDREQ and UPDREQALL go out from here.

import type { EndpointEvent } from '../../model/endpoint-types.js';
import { configuredHashBucketAssignment } from '../config/load-balance-fields.js';
import type { RelationshipConfig } from '../config/types.js';
import { FailoverError, StoreError } from '../errors.js';
import { LogEvent, type Logger } from '../log.js';
import type { FailoverConnection, ReceivedMessage } from '../peer/connection.js';
import type { PartnerParameters } from '../peer/connect-messages.js';
import { option } from '../peer/options.js';
import { nowSeconds, type Clock } from '../peer/timers.js';
import type { LeaseStore } from '../store/types.js';
import { messageTypeLabel } from '../peer/wire-adapter.js';
import { checkMessage } from '../wire/check-message.js';
import { MessageType, OptionCode, RejectReason } from '../wire/codes.js';
import { isOptionOf } from '../wire/options.js';
import type { FailoverMessage, FailoverOption } from '../wire/types.js';
import { PoolBalance, PoolMessages } from './pool-balance.js';
import { partnerStateEventOf } from './state-message.js';
import { SyncProgress } from './sync-progress.js';
import type { UpdateReceiver } from './update-receiver.js';
import type { UpdateSender } from './update-sender.js';
import type { SyncEvent } from './peer.js';

export interface SessionOptions {
  connection: FailoverConnection;
  partner: PartnerParameters;
  config: RelationshipConfig;
  logger: Logger;
  clock: Clock;
  sender: UpdateSender;
  receiver: UpdateReceiver;
  dispatch(event: EndpointEvent): void;
  onSync(event: SyncEvent): void;
  /** Runs before an UPDREQ is answered; the microsoft profile marks option 30's scopes pending. */
  beforeUPDREQ?(message: FailoverMessage): void;
  /** The lease store; with it, the isc profile balances the pools with POOLREQ (FO-7.6). */
  store?: LeaseStore;
}

/** An UPDREQ or UPDREQALL this endpoint sent and the bindings received since. */
interface OwnRequest {
  kind: 'UPDREQ' | 'UPDREQALL';
  received: number;
  progress: SyncProgress;
}

export class SessionHandler {
  /** A STATE arrived on this connection: communications are ok (FO-8.3-a). */
  communicationsOk = false;

  private readonly options: SessionOptions;
  private readonly requests = new Map<number, OwnRequest>();
  /** Pool balancing; absent in the microsoft profile, which has no POOLREQ (AMB-8). */
  private readonly pool: PoolMessages | undefined;

  constructor(options: SessionOptions) {
    this.options = options;
    this.pool = poolMessagesFor(options, (xid, count) => this.sendPOOLRESP(xid, count));
    options.connection.on('close', () => this.pool?.stopChecks());
  }

  /** Sends our STATE; entering NORMAL also starts the pool balancing (FO-7.6-b, FO-7.6.2-c). */
  sendSTATE(options: FailoverOption[]): void {
    this.options.connection.send(MessageType.STATE, options);
    const state = options.find((item) => isOptionOf(item, OptionCode.SERVER_STATE));
    if (state !== undefined) {
      this.pool?.followState(state.value);
    }
  }

  /**
   * Sends UPDREQ or UPDREQALL with `options` (option 30 of a scoped UPDREQ, MSF-3.1.4.1-b) and
   * remembers its xid for the UPDDONE (FO-7.5-a).
   */
  requestUpdates(kind: OwnRequest['kind'], options: FailoverOption[] = []): void {
    const type = kind === 'UPDREQ' ? MessageType.UPDREQ : MessageType.UPDREQALL;
    const xid = this.options.connection.send(type, options);
    this.requests.set(xid, { kind, received: 0, progress: new SyncProgress(0) });
    this.options.logger.info(
      { event: LogEvent.SYNC_PROGRESS, direction: 'received', request: kind, received: 0 },
      `sent ${kind}`,
    );
  }

  /**
   * Handles the messages of one read in order. Consecutive BNDUPDs are decided and committed
   * together, and their BNDACKs go out before the next message is looked at.
   */
  handle(received: readonly ReceivedMessage[]): void {
    const bndupds: FailoverMessage[] = [];
    const bndacks: FailoverMessage[] = [];
    for (const { message, receivedAt } of received) {
      if (!this.options.connection.isOpen) {
        return;
      }

      if (message.type === MessageType.BNDUPD) {
        bndupds.push(message);
        continue;
      }

      if (message.type === MessageType.BNDACK) {
        if (this.passesMessageCheck(message)) {
          bndacks.push(message);
        }

        continue;
      }

      this.commitBNDUPDs(bndupds.splice(0, bndupds.length), receivedAt);
      this.acknowledge(bndacks.splice(0, bndacks.length));
      this.handleOne(message);
    }

    this.commitBNDUPDs(bndupds, received.at(-1)?.receivedAt ?? nowSeconds(this.options.clock));
    this.acknowledge(bndacks);
  }

  /** Records consecutive BNDACKs together, so one store transaction covers them. */
  private acknowledge(bndacks: FailoverMessage[]): void {
    if (bndacks.length === 0 || !this.options.connection.isOpen) {
      return;
    }

    try {
      this.options.sender.onBNDACKs(bndacks);
    } catch (error) {
      this.closeOnError(error, MessageType.BNDACK);
    }
  }

  private handleOne(message: FailoverMessage): void {
    if (!this.passesMessageCheck(message)) {
      return;
    }

    try {
      this.route(message);
    } catch (error) {
      this.closeOnError(error, message.type);
    }
  }

  /**
   * Checks a message other than BNDUPD against its mandatory and repeated options (FO-6.2-c,
   * draft-12 section 7); BNDUPD transactions are checked by the update receiver. A message that
   * fails is not acted on, and a repeated or misplaced option also closes the connection, as ISC
   * dhcpd does.
   */
  private passesMessageCheck(message: FailoverMessage): boolean {
    const problems = checkMessage(message, this.options.config.profile).filter(
      (problem) => problem.address === undefined && IGNORING_PROBLEMS.has(problem.code),
    );
    const [first] = problems;
    if (first === undefined) {
      return true;
    }

    this.options.logger.warn(
      {
        event: LogEvent.MESSAGE_REJECTED,
        messageType: messageTypeLabel(message.type),
        code: first.code,
        optionCode: first.optionCode,
        rule: first.rule,
      },
      `ignored ${messageTypeLabel(message.type)}: ${first.message}`,
    );
    if (first.code !== 'FO_ERR_MISSING_OPTION') {
      this.options.connection.disconnect(RejectReason.UNKNOWN, first.message);
    }

    return false;
  }

  private route(message: FailoverMessage): void {
    switch (message.type) {
      case MessageType.STATE:
        this.onSTATE(message);
        return;
      case MessageType.UPDREQ:
        this.options.beforeUPDREQ?.(message);
        this.options.sender.onUPDREQ(message.xid);
        return;
      case MessageType.UPDREQALL:
        this.options.sender.onUPDREQALL(message.xid);
        return;
      case MessageType.UPDDONE:
        this.onUPDDONE(message);
        return;
      case MessageType.POOLREQ:
        this.onPOOLREQ(message);
        return;
      case MessageType.POOLRESP:
        this.onPOOLRESP(message);
        return;
      default:
        this.options.logger.debug(
          { event: LogEvent.MESSAGE_REJECTED, messageType: messageTypeLabel(message.type) },
          `ignored ${messageTypeLabel(message.type)} on an established connection`,
        );
    }
  }

  private onSTATE(message: FailoverMessage): void {
    const event = partnerStateEventOf(message, this.options.partner.clockDelta);
    if (typeof event === 'string') {
      this.options.logger.warn({ event: LogEvent.MESSAGE_REJECTED, rule: 'FO-7.10.2-a' }, event);
      return;
    }

    if (!this.communicationsOk) {
      this.communicationsOk = true;
      this.options.logger.info(
        {
          event: LogEvent.CONNECTION_UP,
          partnerState: event.state,
          partnerStartup: event.startup,
          clockDelta: this.options.partner.clockDelta,
          vendorClass: this.options.partner.vendorClassIdentifier,
        },
        `communications ok, partner in ${event.state}`,
      );
    }

    this.options.dispatch(event);
  }

  private onUPDDONE(message: FailoverMessage): void {
    const request = this.requests.get(message.xid);
    if (request === undefined) {
      this.options.logger.warn(
        { event: LogEvent.MESSAGE_REJECTED, xid: message.xid, rule: 'FO-7.5-a' },
        'ignored UPDDONE whose xid matches no UPDREQ or UPDREQALL of ours',
      );
      return;
    }

    this.requests.clear();
    this.options.logger.info(
      {
        event: LogEvent.SYNC_DONE,
        direction: 'received',
        request: request.kind,
        received: request.received,
        rejected: this.options.receiver.rejections.count,
      },
      `partner finished ${request.kind} after ${request.received} bindings`,
    );
    this.options.onSync({
      direction: 'received',
      count: request.received,
      total: request.received,
      done: true,
    });
    this.options.dispatch({ type: 'UPDDONE' });
  }

  /**
   * Lends FREE addresses and replies with their count (FO-7.6.2-a, FO-7.6.2-b). Without a store
   * to lend from, the POOLRESP carries addresses-transferred 0, the one option FO-7.7.1-a requires.
   */
  private onPOOLREQ(message: FailoverMessage): void {
    if (this.options.config.role !== 'primary') {
      this.options.logger.warn(
        { event: LogEvent.MESSAGE_REJECTED, rule: 'FO-7.6.2-d' },
        'ignored POOLREQ: only a primary answers it',
      );
      return;
    }

    if (this.pool === undefined) {
      this.sendPOOLRESP(message.xid, 0);
      return;
    }

    this.pool.onPOOLREQ(message.xid);
  }

  private sendPOOLRESP(xid: number, addressesTransferred: number): void {
    this.options.connection.send(
      MessageType.POOLRESP,
      [option(OptionCode.ADDRESSES_TRANSFERRED, addressesTransferred)],
      xid,
    );
  }

  private onPOOLRESP(message: FailoverMessage): void {
    const transferred = message.options.find((item) =>
      isOptionOf(item, OptionCode.ADDRESSES_TRANSFERRED),
    );
    if (transferred === undefined) {
      return;
    }

    this.pool?.onPOOLRESP(transferred.value);
  }

  private commitBNDUPDs(batch: FailoverMessage[], receivedAt: number): void {
    if (batch.length === 0 || !this.options.connection.isOpen) {
      return;
    }

    let acks;
    try {
      acks = this.options.receiver.process(batch, this.options.partner.clockDelta, receivedAt);
    } catch (error) {
      this.closeOnError(error, MessageType.BNDUPD);
      return;
    }

    // FO-7.2-b: on the connection the BNDUPDs came in on, and only after the commit (FO-5.2.1-f).
    for (const ack of acks) {
      this.options.connection.send(MessageType.BNDACK, ack.options, ack.xid);
    }

    this.countReceived(acks.reduce((sum, ack) => sum + countAddresses(ack.options), 0));
  }

  private countReceived(count: number): void {
    for (const request of this.requests.values()) {
      request.received += count;
      if (request.progress.shouldReport(request.received)) {
        this.options.logger.info(
          {
            event: LogEvent.SYNC_PROGRESS,
            direction: 'received',
            request: request.kind,
            received: request.received,
          },
          `received ${request.received} bindings for ${request.kind}`,
        );
        this.options.onSync({
          direction: 'received',
          count: request.received,
          total: 0,
          done: false,
        });
      }
    }
  }

  private closeOnError(error: unknown, messageType: number): void {
    if (!(error instanceof FailoverError)) {
      throw error;
    }

    if (error instanceof StoreError) {
      // A MUST cannot be met: the BNDUPDs are not acknowledged, and the partner sends them again
      // on a new connection (FO-7.2-b).
      this.options.logger.error(
        { event: LogEvent.STORE_FAILED, code: error.code, error: error.message },
        `stable storage failed, closing connection: ${error.message}`,
      );
    } else {
      this.options.logger.warn(
        {
          event: LogEvent.MESSAGE_REJECTED,
          code: error.code,
          messageType: messageTypeLabel(messageType),
        },
        `closing connection: ${error.message}`,
      );
    }

    this.options.connection.disconnect(RejectReason.UNKNOWN, error.message);
  }
}

/** Builds the pool balancing of an isc-profile session that has the lease store. */
function poolMessagesFor(
  options: SessionOptions,
  sendPOOLRESP: (xid: number, addressesTransferred: number) => void,
): PoolMessages | undefined {
  const { config, connection, store } = options;
  if (config.profile !== 'isc' || store === undefined) {
    return undefined;
  }

  const balance = new PoolBalance({
    store,
    pools: config.pools,
    reservations: config.reservations,
    hashBucketAssignment: configuredHashBucketAssignment(config),
    logger: options.logger,
  });
  return new PoolMessages({
    role: config.role,
    servesClients: config.dhcp !== undefined,
    balance,
    clock: options.clock,
    logger: options.logger,
    sendPOOLREQ: () => connection.send(MessageType.POOLREQ, []),
    sendPOOLRESP,
    sendPending: () => options.sender.sendPending(),
  });
}

/** Problems that keep a message from being acted on (BL-02 kind: malformed, not merely odd). */
const IGNORING_PROBLEMS = new Set([
  'FO_ERR_MISSING_OPTION',
  'FO_ERR_REPEATED_OPTION',
  'FO_ERR_OPTION_ORDER',
  'FO_ERR_NO_TRANSACTION',
]);

function countAddresses(options: readonly FailoverOption[]): number {
  return options.filter((item) => item.code === OptionCode.ASSIGNED_IP_ADDRESS).length;
}
