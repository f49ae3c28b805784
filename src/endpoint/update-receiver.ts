// The inbound side of binding updates: decide every transaction of the BNDUPDs that arrived in one
// read, commit the accepted bindings in one store transaction, and only then build one BNDACK per
// BNDUPD (FO-7.2-a, FO-5.2.1-f, FO-7.1.3-f).

import { decideBindingUpdate } from '../../model/binding-acceptance.js';
import type { Role } from '../../model/endpoint-types.js';
import type { AddressRange, Reservation } from '../config/types.js';
import { isReservedHere, rejectionOfReservedRedistribution } from '../dhcp/reservations.js';
import { ProtocolError } from '../errors.js';
import { LogEvent, type Logger } from '../log.js';
import { HMAC_SHA256_LENGTH } from '../peer/digest.js';
import type { LeaseStore, StoredBinding } from '../store/types.js';
import { FIXED_HEADER_LENGTH, MAX_MESSAGE_LENGTH } from '../wire/codes.js';
import { encodeOption, OPTION_HEADER_LENGTH } from '../wire/options.js';
import type {
  BindingAck,
  BindingUpdate,
  FailoverMessage,
  FailoverOption,
  WireProfile,
} from '../wire/types.js';
import { bindingStatusName, localUpdateOf, storedFromUpdate } from './binding-convert.js';
import { bndackMessageOf } from './bndack-message.js';
import {
  bindingAckOptions,
  encodeStoredOptions,
  receivedTransactionsOf,
  type ReceivedTransaction,
} from './binding-wire.js';
import { RejectionLog } from './rejection-log.js';
import type { UpdateAdapters } from './microsoft-updates.js';

export interface UpdateReceiverOptions {
  store: LeaseStore;
  logger: Logger;
  role: Role;
  pools: readonly AddressRange[];
  profile: WireProfile;
  /** Steps of the microsoft profile: draft form of a Windows update, the 16-update limit. */
  adapters?: UpdateAdapters;
  /** Addresses reserved in this server's config (FO-7.1.3-e, MSF-3.1.5.2-g). */
  reservations?: readonly Reservation[] | undefined;
}

/** The BNDACK to send for one BNDUPD: the same xid, every address (FO-7.2.1-a, FO-6.3-c). */
export interface PreparedBNDACK {
  xid: number;
  options: FailoverOption[];
}

export class UpdateReceiver {
  /** Binding update transactions received, for the demo summary. */
  bindingsReceived = 0;
  /** Our rejections of the partner's updates on the current connection. */
  readonly rejections: RejectionLog;
  private readonly options: UpdateReceiverOptions;
  /**
   * updateSeq of the binding each accepted partner update wrote, per address. A stored binding at
   * that updateSeq is still the partner's latest word, since every local change raises updateSeq.
   */
  private readonly writtenByPartner = new Map<string, number>();

  constructor(options: UpdateReceiverOptions) {
    this.options = options;
    this.rejections = new RejectionLog(options.logger);
  }

  /**
   * Decides and commits the BNDUPDs, then returns their BNDACKs. Raises the store's error when the
   * commit fails, because no BNDACK may then go out (FO-5.2.1-f). A transaction later in the batch
   * is decided against the bindings accepted earlier in it.
   */
  process(messages: readonly FailoverMessage[], clockDelta: number, now: number): PreparedBNDACK[] {
    const accepted = new Map<string, StoredBinding>();
    const prepared = messages.map((message) => ({
      xid: message.xid,
      acks: this.transactionsOf(message).map((transaction) =>
        transaction.kind === 'rejected'
          ? this.rejectUnchecked(transaction)
          : this.decide(localUpdateOf(transaction.update, clockDelta), accepted, now),
      ),
    }));
    this.options.store.putBindings([...accepted.values()]);
    for (const binding of accepted.values()) {
      this.writtenByPartner.set(binding.address, binding.updateSeq);
    }

    // One line per commit, so a fault run can check that every acknowledged update survives.
    this.options.logger.debug(
      { event: LogEvent.UPDATES_COMMITTED, bindings: [...accepted.values()].map(committedEntry) },
      `committed ${accepted.size} accepted updates before their BNDACKs`,
    );
    this.bindingsReceived += prepared.reduce((sum, item) => sum + item.acks.length, 0);
    return prepared.map(({ xid, acks }) => ({
      xid,
      options: bndackOptionsWithinLimit(acks, this.options.profile),
    }));
  }

  private transactionsOf(message: FailoverMessage): ReceivedTransaction[] {
    const transactions = receivedTransactionsOf(message, this.options.profile);
    if (transactions === undefined) {
      throw new ProtocolError(
        'FO_ERR_BNDUPD_NO_ADDRESS',
        `BNDUPD xid ${message.xid} has no assigned-IP-address, expected one per transaction`,
        undefined,
        'FO-7.1.1-d',
      );
    }

    return this.withinLimit(message, transactions);
  }

  /** MSF-3.1.5.2-h: a Windows BNDUPD is processed up to its 16th update; AMB-13 acks only those. */
  private withinLimit(
    message: FailoverMessage,
    transactions: ReceivedTransaction[],
  ): ReceivedTransaction[] {
    const limit = this.options.adapters?.maxTransactions;
    if (limit === undefined || transactions.length <= limit) {
      return transactions;
    }

    this.options.logger.warn(
      {
        event: LogEvent.UPDATE_REJECTED,
        xid: message.xid,
        updates: transactions.length,
        rule: 'MSF-3.1.5.2-h',
      },
      `BNDUPD xid ${message.xid} has ${transactions.length} updates, the ones after ${limit} are ignored`,
    );
    return transactions.slice(0, limit);
  }

  /** A transaction the message check already rejected (FO-7.1.3-a, Table 7.1-1). */
  private rejectUnchecked(
    transaction: Extract<ReceivedTransaction, { kind: 'rejected' }>,
  ): BindingAck {
    const { ack, rule } = transaction;
    const detail = ack.message ?? 'invalid transaction';
    this.rejections.record(
      { address: ack.address, rejectReason: ack.rejectReason, rule, by: 'us' },
      `rejected the partner's update: ${detail}`,
    );
    return { ...ack, message: bndackMessageOf(ack.rejectReason, detail) };
  }

  private decide(
    received: BindingUpdate,
    accepted: Map<string, StoredBinding>,
    now: number,
  ): BindingAck {
    const acceptedInBatch = accepted.get(received.address);
    const stored = acceptedInBatch ?? this.options.store.getBinding(received.address);
    // MSF-3.1.5.2-e: a Windows update is decided in its draft form.
    const adapters = this.options.adapters;
    const update = adapters === undefined ? received : adapters.toDraftUpdate(received, stored);
    const reserved = isReservedHere(this.options.reservations, update.address);
    const windowsRejection =
      this.options.profile === 'microsoft'
        ? rejectionOfReservedRedistribution(update, reserved)
        : undefined;
    const decision =
      windowsRejection ??
      decideBindingUpdate({
        role: this.options.role,
        now,
        update,
        stored,
        pools: this.options.pools,
        reserved,
        storedFromPartner:
          acceptedInBatch !== undefined ||
          (stored !== undefined && this.writtenByPartner.get(update.address) === stored.updateSeq),
      });
    if (!decision.accepted) {
      this.rejections.record(
        {
          address: update.address,
          rejectReason: decision.rejectReason,
          rule: decision.rule,
          by: 'us',
        },
        `rejected the partner's update: ${decision.message}`,
      );
      return {
        address: update.address,
        rejectReason: decision.rejectReason,
        message: bndackMessageOf(decision.rejectReason, decision.message),
      };
    }

    if (decision.keepStored === true) {
      this.options.logger.debug(
        { event: LogEvent.UPDATE_KEPT_STORED, address: update.address, rule: decision.rule },
        `acknowledged an update older than the stored ${decision.bindingStatus} binding and kept that binding`,
      );
      return { address: update.address };
    }

    this.noteRelaxedContent(update);
    const status = bindingStatusName(update.bindingStatus) ?? decision.bindingStatus;
    const otherOptions = encodeStoredOptions(update.otherOptions, this.options.profile);
    accepted.set(update.address, storedFromUpdate(update, status, stored, now, otherOptions));
    return { address: update.address };
  }

  /** ISC-14: record at debug level where dhcpd's content departs from Table 7.1-1 (ISC-13). */
  private noteRelaxedContent(update: BindingUpdate): void {
    const { leaseExpirationTime, potentialExpirationTime } = update;
    if (
      leaseExpirationTime !== undefined &&
      potentialExpirationTime !== undefined &&
      potentialExpirationTime <= leaseExpirationTime
    ) {
      this.options.logger.debug(
        { event: LogEvent.UPDATE_RELAXED, address: update.address, rule: 'ISC-13' },
        'accepted an ACTIVE update whose potential-expiration-time is not after its lease expiry',
      );
    }
  }
}

/**
 * Bytes the options of a BNDACK may take: 2048 less the fixed header (FO-6.1-c), and less the
 * HMAC-SHA256 message-digest option the microsoft profile may add (MSF-3.1.5-a).
 */
function bndackOptionsBudget(profile: WireProfile): number {
  const digestOption = OPTION_HEADER_LENGTH + 1 + HMAC_SHA256_LENGTH;
  return MAX_MESSAGE_LENGTH - FIXED_HEADER_LENGTH - (profile === 'microsoft' ? digestOption : 0);
}

/**
 * Builds the BNDACK options for `acks`, leaving out every message option when they would take
 * the BNDACK past 2048 bytes (FO-6.1-c). The message is optional (FO-7.2.1-c). Without it a
 * rejection takes 13 bytes (assigned-IP-address and reject-reason) and an accept 8, no more than
 * the BNDUPD spent on the same transaction (assigned-IP-address and binding-status at least), so
 * the BNDACK fits whenever the BNDUPD did.
 */
function bndackOptionsWithinLimit(
  acks: readonly BindingAck[],
  profile: WireProfile,
): FailoverOption[] {
  const options = bindingAckOptions(acks);
  const length = options.reduce((sum, item) => sum + encodeOption(item, profile).length, 0);
  if (length <= bndackOptionsBudget(profile)) {
    return options;
  }

  return bindingAckOptions(acks.map(({ address, rejectReason }) => ({ address, rejectReason })));
}

/** Returns "address binding-status client-last-transaction-time" for the commit log line. */
function committedEntry(binding: StoredBinding): string {
  return `${binding.address} ${binding.bindingStatus} ${binding.clientLastTransactionTime ?? 0}`;
}
