// The DHCPv4 front end of a failover peer: a UDP server that replies to clients as the endpoint
// state permits and hands every binding change to the failover update flow. Each ACK's binding is
// committed to the lease store before the ACK is sent, and the BNDUPD follows the ACK (lazy
// update, FO-7.1.1-m). Bindings of the messages that arrive in one event-loop turn are committed
// together, so that one disk sync serves a burst of clients.

import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import type { Role } from '../../model/endpoint-types.js';
import type { AddressRange, Reservation } from '../config/types.js';
import { DecodeError } from '../errors.js';
import { createSilentLogger, type Logger } from '../log.js';
import { nowSeconds, systemClock, type Clock } from '../peer/timers.js';
import type { LeaseStore, StoredBinding } from '../store/types.js';
import type { FailoverStateName } from '../wire/codes.js';
import { OfferHolds } from './offer-holds.js';
import { AllocationCursors } from './pool-walk.js';
import { decodeDHCPPacket, DHCPMessageType, encodeDHCPPacket, type DHCPPacket } from './packet.js';
import { exhaustionMessage } from './pool-exhaustion.js';
import { decideTransaction, type DHCPDecision, type ReplySettings } from './transactions.js';

/** Stable log event names of the DHCPv4 front end. */
export const DHCPLogEvent = {
  STARTED: 'dhcp.started',
  STOPPED: 'dhcp.stopped',
  /** A datagram that is not a valid DHCPv4 message; fields reason, code, offset, from. */
  MALFORMED: 'dhcp.malformed',
  /** A message left unanswered; fields messageType, reason, rule. */
  IGNORED: 'dhcp.ignored',
  /** A reply sent; fields messageType, yiaddr, leaseTime, to. */
  REPLIED: 'dhcp.replied',
  /** A binding committed for the partner; fields address, bindingStatus, updateSeq. */
  BINDING_COMMITTED: 'dhcp.binding.committed',
  /**
   * A new client got no address because the own pool is used up; fields state, ownStatus,
   * partnerStatus, partnerAvailable, partnerOpensAt, rule. Logged once until an offer succeeds
   * or the state changes; later ones go to `dhcp.ignored`.
   */
  POOL_EXHAUSTED: 'dhcp.pool.exhausted',
  /** Handling a message failed, for example a store write; fields error. */
  FAILED: 'dhcp.failed',
} as const;

/** The relationship settings the front end reads. */
export interface FailoverViewConfig {
  readonly role: Role;
  readonly pools: AddressRange[];
  readonly reservations?: readonly Reservation[] | undefined;
  readonly loadBalanceMaxSecs?: number | undefined;
  readonly secsByteorderHeuristic?: boolean | undefined;
}

/** The parts of the failover peer the front end reads; `Peer` implements it. */
export interface FailoverView {
  readonly state: FailoverStateName;
  /** When the current state began, seconds since 1970; PARTNER-DOWN counts MCLT from it. */
  readonly startTimeOfState?: number | undefined;
  readonly mclt: number;
  readonly hashBucketAssignment: Uint8Array | undefined;
  readonly store: LeaseStore;
  readonly config: FailoverViewConfig;
  /** Sends the bindings stored as pending to the partner, when connected. */
  sendPendingUpdates(): void;
  /**
   * Returns the potential-expiration-time that the BNDUPD for `binding` will carry, or undefined
   * when no BNDUPD can go out now or it carries none. The group commit stores it as sentPet.
   */
  potentialExpirationToSend?(binding: StoredBinding): number | undefined;
}

export interface DHCPServerOptions {
  failover: FailoverView;
  /** Address to listen on. */
  address: string;
  /** UDP port; 67 is the standard server port, 0 picks a free one. */
  port: number;
  /** Server identifier (option 54), this server's address as clients reach it. */
  serverIdentifier: string;
  /** Lease the server gives without failover, seconds; the MCLT bound may shorten it. */
  desiredLeaseSeconds: number;
  subnetMask?: string;
  routers?: string[];
  /**
   * Where replies go: `standard` follows RFC 2131 section 4.1 (giaddr, else ciaddr, else
   * broadcast to port 68); `source` replies to the datagram's source address and port, which a test
   * client on loopback needs because it has no address to broadcast from.
   */
  replyTo?: 'standard' | 'source';
  clock?: Clock;
  logger?: Logger;
}

/** Counters of the front end, for tests and the demo. */
export interface DHCPServerStatistics {
  received: number;
  malformed: number;
  ignored: number;
  replies: Record<'DHCPOFFER' | 'DHCPACK' | 'DHCPNAK', number>;
  committed: number;
  failed: number;
}

/** A decided message whose binding waits for the group commit. */
interface PendingCommit {
  commit: StoredBinding;
  reply: DHCPPacket | undefined;
  request: DHCPPacket;
  remote: RemoteInfo;
}

const CLIENT_PORT = 68;
const BROADCAST_ADDRESS = '255.255.255.255';

export class DHCPServer {
  readonly statistics: DHCPServerStatistics = {
    received: 0,
    malformed: 0,
    ignored: 0,
    replies: { DHCPOFFER: 0, DHCPACK: 0, DHCPNAK: 0 },
    committed: 0,
    failed: 0,
  };

  private readonly options: DHCPServerOptions;
  private readonly socket: Socket;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly offers = new OfferHolds();
  private readonly cursors = new AllocationCursors();
  private readonly reply: ReplySettings;
  /** The state in which the own pool was last reported used up; undefined after an offer. */
  private exhaustedIn: FailoverStateName | undefined;
  /** Decisions whose bindings the next group commit writes, in arrival order. */
  private pending: PendingCommit[] = [];
  /** Addresses of `pending`, so a second change of one address waits for the first's commit. */
  private readonly pendingAddresses = new Set<string>();

  constructor(options: DHCPServerOptions) {
    this.options = options;
    this.clock = options.clock ?? systemClock;
    this.logger = (options.logger ?? createSilentLogger()).child({ component: 'dhcp' });
    this.reply = {
      serverIdentifier: options.serverIdentifier,
      subnetMask: options.subnetMask,
      routers: options.routers,
    };
    this.socket = createSocket({ type: 'udp4', reuseAddr: false });
    this.socket.on('message', (message, remote) => this.onDatagram(message, remote));
    this.socket.on('error', (error) =>
      this.logger.error({ event: DHCPLogEvent.FAILED, error: error.message }, 'DHCP socket error'),
    );
  }

  /** The bound UDP port, once started. */
  get port(): number {
    return this.socket.address().port;
  }

  /** Binds the socket; a failed bind closes it, so a failed start leaves nothing open. */
  async start(): Promise<void> {
    try {
      await new Promise<void>((resolve, reject) => {
        this.socket.once('error', reject);
        this.socket.bind(this.options.port, this.options.address, () => {
          this.socket.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      this.socket.close();
      throw error;
    }

    if (this.options.replyTo !== 'source') {
      this.socket.setBroadcast(true);
    }

    this.logger.info(
      { event: DHCPLogEvent.STARTED, address: this.options.address, port: this.port },
      `DHCP server listening on ${this.options.address}:${this.port}`,
    );
  }

  async stop(): Promise<void> {
    this.commitPending();
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
    this.logger.info({ event: DHCPLogEvent.STOPPED }, 'DHCP server stopped');
  }

  private onDatagram(message: Buffer, remote: RemoteInfo): void {
    this.statistics.received += 1;
    let request: DHCPPacket;
    try {
      request = decodeDHCPPacket(message);
    } catch (error) {
      if (!(error instanceof DecodeError)) {
        throw error;
      }

      this.countMalformed(error, remote);
      return;
    }

    try {
      this.handle(request, remote);
    } catch (error) {
      // A failed store write must not stop the server; the client retries and gets no ACK for a
      // binding that was not committed.
      this.statistics.failed += 1;
      const reason = error instanceof Error ? error.message : String(error);
      this.logger.error(
        { event: DHCPLogEvent.FAILED, error: reason, xid: request.xid },
        `DHCP message failed: ${reason}`,
      );
    }
  }

  private countMalformed(error: DecodeError, remote: RemoteInfo): void {
    this.statistics.malformed += 1;
    this.logger.warn(
      {
        event: DHCPLogEvent.MALFORMED,
        code: error.code,
        offset: error.offset,
        optionCode: error.optionCode,
        from: `${remote.address}:${remote.port}`,
      },
      `malformed DHCP message: ${error.message}`,
    );
  }

  private handle(request: DHCPPacket, remote: RemoteInfo): void {
    let decision = this.decide(request);
    // An address whose earlier change is still uncommitted would be decided on the stored binding
    // without that change. So the group is committed first and the message decided again.
    if (decision.kind !== 'ignore' && decision.commit !== undefined) {
      if (this.pendingAddresses.has(decision.commit.address)) {
        this.commitPending();
        decision = this.decide(request);
      }
    }

    this.carryOut(decision, request, remote);
  }

  private decide(request: DHCPPacket): DHCPDecision {
    const failover = this.options.failover;
    const { config } = failover;
    return decideTransaction(
      {
        store: failover.store,
        role: config.role,
        state: failover.state,
        startTimeOfState: failover.startTimeOfState,
        pools: config.pools,
        reservations: config.reservations,
        mclt: failover.mclt,
        now: nowSeconds(this.clock),
        desiredLease: this.options.desiredLeaseSeconds,
        hashBucketAssignment: failover.hashBucketAssignment,
        loadBalance: {
          maxSecs: config.loadBalanceMaxSecs,
          secsByteorderHeuristic: config.secsByteorderHeuristic,
        },
        reply: this.reply,
        offers: this.offers,
        cursors: this.cursors,
      },
      request,
    );
  }

  /**
   * Sends a reply without a binding change at once. A reply with one waits for the group commit at
   * the end of this event-loop turn: commit first, then reply, then the BNDUPD (FO-7.1.1-m).
   */
  private carryOut(decision: DHCPDecision, request: DHCPPacket, remote: RemoteInfo): void {
    if (decision.kind === 'ignore') {
      this.statistics.ignored += 1;
      if (this.reportExhaustion(decision)) {
        return;
      }

      this.logger.debug(
        {
          event: DHCPLogEvent.IGNORED,
          messageType: request.options.messageType,
          xid: request.xid,
          reason: decision.reason,
          rule: decision.rule,
        },
        `DHCP message ignored: ${decision.reason}`,
      );
      return;
    }

    const reply = decision.kind === 'reply' ? decision.reply : undefined;
    if (decision.commit === undefined) {
      if (reply !== undefined) {
        this.sendReply(reply, request, remote);
      }

      return;
    }

    if (this.pending.length === 0) {
      setImmediate(() => this.commitPending());
    }

    this.pending.push({ commit: decision.commit, reply, request, remote });
    this.pendingAddresses.add(decision.commit.address);
  }

  /**
   * Commits the pending bindings in one store transaction, then sends their replies and lets the
   * BNDUPDs go. A failed write sends no reply, so no client holds a lease that is not stored; the
   * clients retry.
   */
  private commitPending(): void {
    const group = this.pending;
    if (group.length === 0) {
      return;
    }

    this.pending = [];
    this.pendingAddresses.clear();
    try {
      this.options.failover.store.putBindings(group.map((item) => this.withSentPet(item.commit)));
    } catch (error) {
      this.statistics.failed += group.length;
      const reason = error instanceof Error ? error.message : String(error);
      this.logger.error(
        { event: DHCPLogEvent.FAILED, error: reason, bindings: group.length },
        `DHCP binding commit failed: ${reason}`,
      );
      return;
    }

    for (const item of group) {
      this.recordCommitted(item);
    }
    this.options.failover.sendPendingUpdates();
  }

  /**
   * Adds the PET of the coming BNDUPD as sentPet, so that the commit before the DHCPACK also puts
   * the PET on disk before the BNDUPD leaves (FO-7.1.1-m, FO-7.1.1-g). The update sender then
   * finds nothing to store, and a group costs one disk sync here instead of two.
   */
  private withSentPet(binding: StoredBinding): StoredBinding {
    const sentPet = this.options.failover.potentialExpirationToSend?.(binding);
    return sentPet === undefined ? binding : { ...binding, sentPet };
  }

  private recordCommitted({ commit, reply, request, remote }: PendingCommit): void {
    this.statistics.committed += 1;
    this.logger.debug(
      {
        event: DHCPLogEvent.BINDING_COMMITTED,
        address: commit.address,
        bindingStatus: commit.bindingStatus,
        updateSeq: commit.updateSeq,
      },
      `committed ${commit.bindingStatus} binding of ${commit.address}`,
    );
    if (reply?.options.messageType === DHCPMessageType.DHCPACK) {
      this.offers.release(commit.address);
    }

    if (reply !== undefined) {
      this.sendReply(reply, request, remote);
    }
  }

  private sendReply(reply: DHCPPacket, request: DHCPPacket, remote: RemoteInfo): void {
    if (reply.options.messageType === DHCPMessageType.DHCPOFFER) {
      this.exhaustedIn = undefined;
    }

    this.send(reply, request, remote);
  }

  /**
   * Logs at warn that the own pool is used up, once per state until an offer succeeds again, with
   * the reason the partner's available addresses stay unused (FO-9.9.2-a, FO-9.4.2-c). Returns
   * whether it logged.
   */
  private reportExhaustion(decision: Extract<DHCPDecision, { kind: 'ignore' }>): boolean {
    const exhaustion = decision.exhaustion;
    const state = this.options.failover.state;
    if (exhaustion === undefined || this.exhaustedIn === state) {
      return false;
    }

    this.exhaustedIn = state;
    this.logger.warn(
      { event: DHCPLogEvent.POOL_EXHAUSTED, state, ...exhaustion },
      exhaustionMessage(exhaustion, state),
    );
    return true;
  }

  private send(reply: DHCPPacket, request: DHCPPacket, remote: RemoteInfo): void {
    const { address, port } = this.destinationOf(reply, request, remote);
    const name = replyName(reply);
    if (name !== undefined) {
      this.statistics.replies[name] += 1;
    }

    this.socket.send(encodeDHCPPacket(reply), port, address);
    this.logger.debug(
      {
        event: DHCPLogEvent.REPLIED,
        messageType: name,
        xid: reply.xid,
        yiaddr: reply.yiaddr,
        leaseTime: reply.options.leaseTime,
        to: `${address}:${port}`,
      },
      `sent ${name ?? 'reply'} to ${address}:${port}`,
    );
  }

  /** RFC 2131 section 4.1: relay first, then a configured client, else broadcast. */
  private destinationOf(
    reply: DHCPPacket,
    request: DHCPPacket,
    remote: RemoteInfo,
  ): { address: string; port: number } {
    if (this.options.replyTo === 'source') {
      return { address: remote.address, port: remote.port };
    }

    if (request.giaddr !== '0.0.0.0') {
      // A relay agent listens on the server port (RFC 2131 section 4.1).
      return { address: request.giaddr, port: this.port };
    }

    if (reply.options.messageType !== DHCPMessageType.DHCPNAK && request.ciaddr !== '0.0.0.0') {
      return { address: request.ciaddr, port: CLIENT_PORT };
    }

    return { address: BROADCAST_ADDRESS, port: CLIENT_PORT };
  }
}

function replyName(reply: DHCPPacket): keyof DHCPServerStatistics['replies'] | undefined {
  switch (reply.options.messageType) {
    case DHCPMessageType.DHCPOFFER:
      return 'DHCPOFFER';
    case DHCPMessageType.DHCPACK:
      return 'DHCPACK';
    case DHCPMessageType.DHCPNAK:
      return 'DHCPNAK';
    default:
      return undefined;
  }
}

/** Starts a DHCPv4 server in front of a failover peer. */
export async function startDHCPServer(options: DHCPServerOptions): Promise<DHCPServer> {
  const server = new DHCPServer(options);
  await server.start();
  return server;
}
