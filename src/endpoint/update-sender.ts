// The outbound side of binding updates. The update-flow machine of model/update-flow.ts decides
// the window of max-unacked-bndupd (FO-8.4-a, FO-7.3.2-d), which BNDACK xids match, and when
// UPDDONE completes an UPDREQ or UPDREQALL (FO-7.3.2-b, FO-7.5-a). This class chooses the
// bindings, builds and sends the BNDUPDs, and matches each BNDACK transaction by address.

import assert from 'node:assert';
import { EventEmitter } from 'node:events';
import { createActor, type Actor, type InspectionEvent } from 'xstate';
import {
  openWindowSlots,
  updateFlowMachine,
  type UpdateFlowEmitted,
  type UpdateRequestKind,
} from '../../model/update-flow.js';
import { LogEvent, type Logger } from '../log.js';
import type { FailoverConnection } from '../peer/connection.js';
import type { AcknowledgedUpdate, LeaseStore, SentPet, StoredBinding } from '../store/types.js';
import { MessageType } from '../wire/codes.js';
import type { FailoverMessage, FailoverOption, WireProfile } from '../wire/types.js';
import { FailoverError } from '../errors.js';
import { bindingAcksOf, bindingUpdateOptions, decodeStoredOptions } from './binding-wire.js';
import {
  potentialExpirationOf,
  primaryUpdateFromStored,
  updateFromStored,
} from './binding-convert.js';
import { RejectionLog } from './rejection-log.js';
import { SyncProgress } from './sync-progress.js';
import { keepsBNDUPDOrder, type UpdateAdapters } from './microsoft-updates.js';

/** One BNDUPD on the wire: the change of each address it carries. */
interface OutstandingBNDUPD {
  entries: Map<string, { updateSeq: number; sentPet: number | undefined }>;
}

/** A BNDUPD built by pump, waiting for its PETs to be stored before it goes out. */
interface PreparedBNDUPD {
  bndupd: OutstandingBNDUPD;
  raisedPets: SentPet[];
  options: FailoverOption[];
}

/** The partner's UPDREQ or UPDREQALL in progress; the machine holds its xid and counts. */
interface UpdateRequest {
  kind: UpdateRequestKind;
  /** Addresses pending when the request arrived and not yet acknowledged or rejected (FO-7.3.2-c). */
  awaiting: Set<string>;
  progress: SyncProgress;
}

export interface UpdateSenderOptions {
  store: LeaseStore;
  logger: Logger;
  profile: WireProfile;
  updatesPerMessage: number;
  /** The MCLT in force, for the PET of bindings that have none (FO-7.1.1-f). */
  mclt(): number;
  /** Steps of the microsoft profile: the Windows form of a binding, the BNDACK order check. */
  adapters?: UpdateAdapters;
  /** A primary sends a reserved FREE address as BACKUP with R=1 (FO-5.13-a). */
  role?: 'primary' | 'secondary';
  /** Observer of the update-flow actor's events, such as `dhcpf inspect`. */
  inspect?: (event: InspectionEvent) => void;
}

export interface UpdateSenderEvents {
  /** Progress of the reply to the partner's UPDREQ or UPDREQALL. */
  progress: [answered: number, total: number];
  /** UPDDONE went out. */
  done: [total: number];
}

export class UpdateSender extends EventEmitter<UpdateSenderEvents> {
  /** Binding update transactions sent, for the demo summary. */
  bindingsSent = 0;
  /** The partner's rejections of our updates on the current connection. */
  readonly rejections: RejectionLog;

  private readonly options: UpdateSenderOptions;
  private connection: FailoverConnection | undefined;
  /** The update-flow machine of this sender; it outlives connections (CONNECTION_LOST resets it). */
  private readonly flow: Actor<typeof updateFlowMachine>;
  /** The bindings of each BNDUPD the machine lists as outstanding, by xid. */
  private readonly outstanding = new Map<number, OutstandingBNDUPD>();
  private readonly inFlight = new Set<string>();
  /** In-flight addresses that were pending again when queued: a newer change may wait behind. */
  private readonly changedInFlight = new Set<string>();
  /** Rejected changes are not sent again on this connection until a new request (FO-7.2.2-b). */
  private readonly rejected = new Map<string, number>();
  private queue: string[] = [];
  /** Index of the next address in `queue`; Array.shift would copy the whole queue every time. */
  private queueHead = 0;
  private queued = new Set<string>();
  /** The store may hold pending bindings that are not queued yet. */
  private refillNeeded = false;
  private request: UpdateRequest | undefined;
  /**
   * BNDACKs matched but not yet recorded: pump records them together with the PETs of the next
   * BNDUPDs, so a window costs one commit. Until then their bindings still read as pending.
   */
  private unrecordedAcks: AcknowledgedUpdate[] = [];
  /**
   * Count of bindings answered since the last ANSWERED event. One event per pump is enough,
   * because the update-flow machine decides on UPDDONE only at PUMP_FINISHED.
   */
  private unreportedAnswers = 0;

  constructor(options: UpdateSenderOptions) {
    super();
    this.options = options;
    this.rejections = new RejectionLog(options.logger);
    this.flow = createActor(updateFlowMachine, { inspect: options.inspect });
    this.flow.on('*', (emitted) => this.carryOut(emitted));
    this.flow.start();
  }

  /** The update-flow actor, for inspection. */
  get flowActor(): Actor<typeof updateFlowMachine> {
    return this.flow;
  }

  /** Starts sending on an established connection, within the partner's window (FO-8.4-b). */
  attach(connection: FailoverConnection, partnerMaxUnacked: number): void {
    this.detach();
    this.connection = connection;
    this.flow.send({ type: 'CONNECTED', window: partnerMaxUnacked });
  }

  /**
   * Forgets everything tied to the connection: xids, the request in progress, the rejections.
   * Unacknowledged bindings stay pending in the store and go out again later (FO-7.2-b).
   */
  detach(): void {
    this.flow.send({ type: 'CONNECTION_LOST' });
    this.connection = undefined;
    this.outstanding.clear();
    this.inFlight.clear();
    this.changedInFlight.clear();
    this.rejected.clear();
    this.queue = [];
    this.queueHead = 0;
    this.queued.clear();
    this.refillNeeded = false;
    this.request = undefined;
    this.unrecordedAcks = [];
    this.unreportedAnswers = 0;
    this.rejections.reset();
  }

  /** SEND_PENDING_UPDATES: send every change the partner has not acknowledged (FO-9.8.1-a). */
  sendPending(): void {
    this.refillNeeded = true;
    this.pump();
  }

  /**
   * Returns the potential-expiration-time that a BNDUPD for `binding` would carry now, or
   * undefined when no connection is open or the binding carries none. The DHCP front end stores it
   * with the binding, so the PET is on disk before its BNDUPD goes out (FO-7.1.1-g) without a
   * commit of its own. If the BNDUPD never goes out, the stored sentPet is still at least every PET
   * the partner saw, and the higher value only lengthens the waits of PARTNER-DOWN (FO-7.1.5-d).
   */
  potentialExpirationToSend(binding: StoredBinding): number | undefined {
    return this.connection?.isOpen === true ? this.potentialExpirationFor(binding) : undefined;
  }

  /** Returns the PET of an ACTIVE binding's BNDUPD, or undefined for the others (Table 7.1-1). */
  private potentialExpirationFor(binding: StoredBinding): number | undefined {
    return binding.bindingStatus === 'ACTIVE'
      ? potentialExpirationOf(binding, this.options.mclt())
      : undefined;
  }

  /**
   * Starts the reply to UPDREQALL: every binding becomes pending first (FO-5.17-b, FO-7.4.2-b), so even a
   * connection loss cannot drop one. A newer request replaces one still in progress, as ISC
   * dhcpd does; its UPDDONE then carries the newer xid.
   */
  onUPDREQALL(xid: number): void {
    this.flow.send({ type: 'UPDREQALL', xid });
    this.pump();
  }

  /** Answers UPDREQ with the changes the partner has not acknowledged (FO-7.3.2-a). */
  onUPDREQ(xid: number): void {
    this.flow.send({ type: 'UPDREQ', xid });
    this.pump();
  }

  /** Carries out an effect the update-flow machine emitted. */
  private carryOut(emitted: UpdateFlowEmitted): void {
    switch (emitted.type) {
      case 'MARK_ALL_PENDING':
        this.options.store.markAllPending();
        return;
      case 'FORGET_REJECTIONS':
        this.rejected.clear();
        return;
      case 'COUNT_PENDING':
        this.startRequest(emitted.kind);
        return;
      case 'SEND_UPDDONE':
        this.sendUPDDONE(emitted.kind, emitted.xid, emitted.total);
        return;
    }
  }

  /**
   * Matches BNDACKs to their BNDUPDs by xid, then each transaction by address (FO-6.3-c), and
   * records the accepted ones in the store transaction that also stores the PETs of the BNDUPDs
   * that refill the window (FO-7.1.1-g).
   */
  onBNDACKs(messages: readonly FailoverMessage[]): void {
    for (const message of messages) {
      this.matchBNDACK(message, this.unrecordedAcks);
    }

    this.pump();
  }

  private matchBNDACK(message: FailoverMessage, accepted: AcknowledgedUpdate[]): void {
    const event = { type: 'BNDACK', xid: message.xid } as const;
    const bndupd = this.outstanding.get(message.xid);
    if (bndupd === undefined || !this.flow.getSnapshot().can(event)) {
      this.options.logger.warn(
        { event: LogEvent.MESSAGE_REJECTED, xid: message.xid, rule: 'FO-7.2.1-a' },
        'ignored BNDACK whose xid matches no outstanding BNDUPD',
      );
      return;
    }

    const acks = bindingAcksOf(message);
    if (this.options.adapters?.requireAckOrder === true && !this.inBNDUPDOrder(bndupd, acks)) {
      return;
    }

    this.flow.send(event);
    this.outstanding.delete(message.xid);
    for (const ack of acks) {
      const entry = bndupd.entries.get(ack.address);
      if (entry === undefined) {
        this.options.logger.warn(
          { event: LogEvent.MESSAGE_REJECTED, xid: message.xid, address: ack.address },
          'BNDACK names an address its BNDUPD did not carry',
        );
        continue;
      }

      bndupd.entries.delete(ack.address);
      if (ack.rejectReason === undefined) {
        // FO-7.2.2-a: the PET of an accepted update is the acknowledged PET.
        accepted.push({
          address: ack.address,
          updateSeq: entry.updateSeq,
          ackedPet: entry.sentPet,
        });
      } else {
        this.recordRejection(ack.address, entry.updateSeq, ack.rejectReason, ack.message);
      }

      this.settle(ack.address, entry.updateSeq);
    }

    for (const address of bndupd.entries.keys()) {
      // FO-6.3-c: the BNDACK left this address out; it counts as answered and stays pending.
      this.options.logger.warn(
        { event: LogEvent.MESSAGE_REJECTED, xid: message.xid, address, rule: 'FO-6.3-c' },
        'BNDACK left out an address of its BNDUPD',
      );
      this.settle(address);
    }
  }

  /**
   * MSF-3.1.5.3-a, MSF-3.1.5.3-b: a Windows BNDACK out of its BNDUPD's order is dropped. Its
   * updates stay in flight until the connection ends, because [MS-DHCPF] gives no rule for
   * sending them again (AMB-14).
   */
  private inBNDUPDOrder(bndupd: OutstandingBNDUPD, acks: readonly { address: string }[]): boolean {
    const sent = [...bndupd.entries.keys()];
    const acked = acks.map((ack) => ack.address);
    if (keepsBNDUPDOrder(sent, acked)) {
      return true;
    }

    this.options.logger.warn(
      { event: LogEvent.MESSAGE_REJECTED, sent, acked, rule: 'MSF-3.1.5.3-b' },
      'dropped BNDACK whose addresses are not in the order of its BNDUPD',
    );
    return false;
  }

  /** FO-7.2.2-b: logs the rejection; the same update is not sent again on this connection. */
  private recordRejection(
    address: string,
    updateSeq: number,
    rejectReason: number,
    text: string | undefined,
  ): void {
    this.rejected.set(address, updateSeq);
    this.rejections.record(
      { address, rejectReason, message: text, by: 'partner' },
      `partner rejected the update of ${address}: ${text ?? `reject-reason ${rejectReason}`}`,
    );
  }

  /**
   * Ends the flight of `address`. A change stored while its BNDUPD was in flight was left out of
   * the queue then, so it is queued now. Only the BNDACK of that newer change counts for a request
   * (FO-7.3.2-c).
   */
  private settle(address: string, sentUpdateSeq?: number): void {
    this.inFlight.delete(address);
    const changed =
      this.changedInFlight.delete(address) &&
      sentUpdateSeq !== undefined &&
      this.options.store.getBinding(address)?.updateSeq !== sentUpdateSeq;
    if (changed) {
      this.enqueue([address]);
      return;
    }

    this.markAnswered(address);
  }

  /** COUNT_PENDING: queues the bindings pending now, the ones UPDDONE waits for (FO-7.3.2-c). */
  private startRequest(kind: UpdateRequestKind): void {
    // Addresses only: each binding is read when its BNDUPD is built, so it goes out as it is then.
    const pending = this.options.store.pendingAddresses(this.options.store.countPending());
    const awaiting = new Set(pending);
    this.request = { kind, awaiting, progress: new SyncProgress(awaiting.size) };
    this.unreportedAnswers = 0;
    this.queue = [];
    this.queueHead = 0;
    this.queued.clear();
    this.enqueue(pending);
    this.refillNeeded = false;
    this.flow.send({ type: 'COUNTED', total: awaiting.size });
  }

  private enqueue(addresses: readonly string[]): void {
    for (const address of addresses) {
      if (this.inFlight.has(address)) {
        this.changedInFlight.add(address);
      } else if (!this.queued.has(address)) {
        this.queue.push(address);
        this.queued.add(address);
      }
    }
  }

  private pump(): void {
    const ready: PreparedBNDUPD[] = [];
    const slots = openWindowSlots(this.flow.getSnapshot().context);
    while (this.connection?.isOpen === true && ready.length < slots) {
      const batch = this.takeBatch();
      if (batch.length === 0) {
        break;
      }

      const prepared = this.prepareBNDUPD(batch);
      if (prepared !== undefined) {
        ready.push(prepared);
      }
    }

    this.sendPrepared(ready);
    this.recordAcks();
    if (this.unreportedAnswers > 0) {
      this.flow.send({ type: 'ANSWERED', count: this.unreportedAnswers });
      this.unreportedAnswers = 0;
    }

    this.flow.send({ type: 'PUMP_FINISHED' });
  }

  /** Takes up to updatesPerMessage bindings that still need sending, refilling once if needed. */
  private takeBatch(): StoredBinding[] {
    const batch: StoredBinding[] = [];
    const takenAddresses = new Set<string>();
    while (batch.length < this.options.updatesPerMessage) {
      const addresses = this.takeAddresses(
        this.options.updatesPerMessage - batch.length,
        takenAddresses,
      );
      if (addresses.length === 0) {
        break;
      }

      batch.push(...this.sendable(addresses));
    }

    return batch;
  }

  /** Takes up to `count` queued addresses not in flight and not in `takenAddresses` already. */
  private takeAddresses(count: number, takenAddresses: Set<string>): string[] {
    const addresses: string[] = [];
    while (addresses.length < count) {
      if (this.queueHead >= this.queue.length && !this.refill()) {
        break;
      }

      const address = this.takeQueued();
      if (address === undefined) {
        break;
      }

      this.queued.delete(address);
      if (!this.inFlight.has(address) && !takenAddresses.has(address)) {
        takenAddresses.add(address);
        addresses.push(address);
      }
    }

    return addresses;
  }

  /** Takes the next queued address in constant time, and frees the queue once it is drained. */
  private takeQueued(): string | undefined {
    const address = this.queue[this.queueHead];
    this.queueHead += 1;
    if (this.queueHead >= this.queue.length) {
      this.queue = [];
      this.queueHead = 0;
    }

    return address;
  }

  private refill(): boolean {
    if (!this.refillNeeded) {
      return false;
    }

    this.refillNeeded = false;
    // The bindings of matched BNDACKs must read as acknowledged, or they would be sent again.
    this.recordAcks();
    const store = this.options.store;
    this.enqueue(store.pendingAddresses(store.countPending()));
    return this.queueHead < this.queue.length;
  }

  /**
   * Reads the bindings of `addresses` in one store read and returns the ones that still have to go
   * out; settles the others.
   */
  private sendable(addresses: readonly string[]): StoredBinding[] {
    const stored = new Map(
      this.options.store.getBindings(addresses).map((binding) => [binding.address, binding]),
    );
    const sendable: StoredBinding[] = [];
    for (const address of addresses) {
      const binding = stored.get(address);
      if (binding === undefined || !binding.pendingUpdate) {
        this.markAnswered(address);
      } else if (this.rejected.get(address) !== binding.updateSeq) {
        sendable.push(binding);
      }
    }

    return sendable;
  }

  /** Builds one BNDUPD from a batch and marks its addresses in flight; undefined if none is sendable. */
  private prepareBNDUPD(batch: StoredBinding[]): PreparedBNDUPD | undefined {
    const bndupd: OutstandingBNDUPD = { entries: new Map() };
    const raisedPets: SentPet[] = [];
    const options: FailoverOption[] = [];
    for (const binding of batch) {
      const prepared = this.prepare(binding);
      if (prepared === undefined) {
        continue;
      }

      if (prepared.pet !== undefined && prepared.pet !== binding.sentPet) {
        raisedPets.push({ address: binding.address, sentPet: prepared.pet });
      }

      bndupd.entries.set(binding.address, { updateSeq: binding.updateSeq, sentPet: prepared.pet });
      this.inFlight.add(binding.address);
      options.push(...prepared.options);
    }

    return bndupd.entries.size === 0 ? undefined : { bndupd, raisedPets, options };
  }

  /**
   * FO-7.1.1-g: the PET sent must be recoverable later, so a PET above the stored sentPet is
   * stored before its BNDUPD goes out, in one durable transaction for all the BNDUPDs of this pump
   * and with the BNDACKs matched so far. The DHCP front end usually stored the PET already with the
   * binding (potentialExpirationToSend), and then this pump commits nothing.
   */
  private sendPrepared(ready: readonly PreparedBNDUPD[]): void {
    const connection = this.connection;
    if (connection === undefined || ready.length === 0) {
      return;
    }

    const sentPets = ready.flatMap((prepared) => prepared.raisedPets);
    if (sentPets.length > 0) {
      this.options.store.recordSendProgress({ acknowledged: this.unrecordedAcks, sentPets });
      this.unrecordedAcks = [];
    }

    for (const { bndupd, options } of ready) {
      const xid = connection.send(MessageType.BNDUPD, options);
      const sent = { type: 'BNDUPD_SENT', xid } as const;
      // pump takes no more BNDUPDs than openWindowSlots allows, so the window guard passes.
      assert(this.flow.getSnapshot().can(sent), `BNDUPD xid ${xid} exceeds the partner's window`);
      this.flow.send(sent);
      this.outstanding.set(xid, bndupd);
      this.bindingsSent += bndupd.entries.size;
    }
  }

  /**
   * Records the BNDACKs matched since the last commit without a disk sync of their own, because
   * losing them in a power loss only makes their bindings pending again (FO-7.2.2-a).
   */
  private recordAcks(): void {
    if (this.unrecordedAcks.length > 0) {
      const acknowledged = this.unrecordedAcks;
      this.unrecordedAcks = [];
      this.options.store.recordAcknowledgements(acknowledged);
    }
  }

  /**
   * Builds the transaction of one binding. Returns undefined when the stored binding cannot be
   * sent in the strict form, after logging it. It then stays pending, like a rejected one.
   */
  private prepare(
    binding: StoredBinding,
  ): { pet: number | undefined; options: FailoverOption[] } | undefined {
    const pet = this.potentialExpirationFor(binding);
    const otherOptions = decodeStoredOptions(binding.otherOptions, this.options.profile);
    try {
      const build =
        this.options.adapters?.buildUpdate ??
        (this.options.role === 'primary' ? primaryUpdateFromStored : updateFromStored);
      const update = build(binding, pet, otherOptions);
      return { pet, options: bindingUpdateOptions([update], this.options.profile) };
    } catch (error) {
      if (!(error instanceof FailoverError)) {
        throw error;
      }

      this.options.logger.error(
        { event: LogEvent.UPDATE_REJECTED, address: binding.address, code: error.code, by: 'us' },
        `cannot send the stored binding of ${binding.address}: ${error.message}`,
      );
      this.rejected.set(binding.address, binding.updateSeq);
      this.markAnswered(binding.address);
      return undefined;
    }
  }

  private markAnswered(address: string): void {
    const request = this.request;
    if (request === undefined || !request.awaiting.delete(address)) {
      return;
    }

    this.unreportedAnswers += 1;

    const answered = request.progress.total - request.awaiting.size;
    // The last binding is reported by sync.done with the UPDDONE.
    if (request.awaiting.size > 0 && request.progress.shouldReport(answered)) {
      this.options.logger.info(
        {
          event: LogEvent.SYNC_PROGRESS,
          direction: 'sent',
          request: request.kind,
          answered,
          total: request.progress.total,
        },
        `answered ${answered} of ${request.progress.total} bindings for ${request.kind}`,
      );
      this.emit('progress', answered, request.progress.total);
    }
  }

  /** SEND_UPDDONE: every counted binding is answered; UPDDONE echoes the request's xid (FO-7.5-a). */
  private sendUPDDONE(kind: UpdateRequestKind, xid: number, total: number): void {
    this.request = undefined;
    this.connection?.send(MessageType.UPDDONE, [], xid);
    this.options.logger.info(
      {
        event: LogEvent.SYNC_DONE,
        direction: 'sent',
        request: kind,
        total,
        rejected: this.rejections.count,
      },
      `sent UPDDONE for ${kind} after ${total} bindings`,
    );
    this.emit('done', total);
  }
}
