// A running failover peer for one relationship: the lease store, the endpoint machine, the TCP
// link and the binding update flow, wired together. `startPeer` is the programmatic entry point;
// `dhcpf serve` and `dhcpf demo` are built on it.

import type { InspectionEvent } from 'xstate';
import { EventEmitter } from 'node:events';
import type { EndpointEmitted } from '../../model/endpoint-types.js';
import type { RelationshipConfig } from '../config/types.js';
import { configuredHashBucketAssignment } from '../config/load-balance-fields.js';
import { startLeaseExpiry } from '../dhcp/expiry.js';
import { startDHCPServer, type DHCPServer } from '../dhcp/server.js';
import { createSilentLogger, LogEvent, relationshipLogger, type Logger } from '../log.js';
import type { FailoverConnection, ReceivedMessage } from '../peer/connection.js';
import { createLink } from '../peer/create-link.js';
import type { EstablishedSession, FailoverLink } from '../peer/link.js';
import type { ConnectionTapFactory } from '../peer/connection-tap.js';
import { option } from '../peer/options.js';
import { systemClock, type Clock, type TimerHandle } from '../peer/timers.js';
import { VENDOR_CLASS_IDENTIFIER } from '../peer/vendor-class.js';
import { openLeaseStore } from '../store/sqlite-store.js';
import type { EndpointRecord, LeaseStore, StoredBinding } from '../store/types.js';
import { OptionCode, RejectReason, type FailoverStateName } from '../wire/codes.js';
import { EndpointDriver, type StateChange } from './endpoint-driver.js';
import { microsoftExtensionsFor, type MicrosoftExtensions } from './microsoft-extensions.js';
import { SafePeriodTimer } from './safe-period.js';
import { SessionHandler } from './session-handler.js';
import { buildSTATEOptions } from './state-message.js';
import { UpdateReceiver } from './update-receiver.js';
import { UpdateSender } from './update-sender.js';
import { buildPeerStatus, type PeerStatus } from './peer-status.js';

export type { StateChange } from './endpoint-driver.js';

export interface PeerOptions {
  /** Parent logger; the peer logs through a child bound to the relationship. Silent by default. */
  logger?: Logger;
  /** Clock and timers; the system clock by default. */
  clock?: Clock;
  /** Observer of every connection's bytes, such as the pcap writer of `dhcpf serve --pcap`. */
  tapConnection?: ConnectionTapFactory;
  /** Observer of the events of this peer's actors (endpoint, update flow, connection), such as `dhcpf inspect`. */
  inspect?: (event: InspectionEvent) => void;
}

/** Counters for the demo's summary and for tests. */
export interface PeerStatistics {
  messagesSent: number;
  messagesReceived: number;
  bindingsSent: number;
  bindingsReceived: number;
}

/** Progress of a bulk binding transfer; `total` is 0 when unknown (bindings being received). */
export interface SyncEvent {
  direction: 'sent' | 'received';
  count: number;
  total: number;
  done: boolean;
}

export interface PeerEvents {
  state: [change: StateChange];
  sync: [event: SyncEvent];
}

/** How often the last operating time is written while running (FO-9.3.2-f). */
const OPERATING_TIME_INTERVAL_MS = 60_000;

export class Peer extends EventEmitter<PeerEvents> {
  readonly config: RelationshipConfig;
  readonly store: LeaseStore;

  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly driver: EndpointDriver;
  private readonly link: FailoverLink;
  private readonly sender: UpdateSender;
  private readonly receiver: UpdateReceiver;
  private session: SessionHandler | undefined;
  /** MCLT adopted from the primary's CONNECT (secondary, FO-7.8.2-h). */
  private adoptedMclt: number | undefined;
  /** Last operating time from before this start: the failure time of RECOVER-WAIT (FO-9.6.2-a). */
  private readonly failureTime: number;
  private readonly timers = new Set<TimerHandle>();
  private readonly safePeriod: SafePeriodTimer;
  /** Parts for a Windows partner; all undefined in the isc profile. */
  private readonly microsoft: MicrosoftExtensions;
  private readonly tapConnection: ConnectionTapFactory | undefined;
  private readonly inspect: ((event: InspectionEvent) => void) | undefined;
  /** hash-bucket-assignment of the partner's last accepted CONNECT (secondary, FO-7.8.2-i). */
  private receivedHashBucketAssignment: Uint8Array | undefined;
  /** A connection to the partner was established since this start. */
  private everConnected = false;
  private readonly closedCounters = { sent: 0, received: 0 };
  private stopped = false;
  private dhcpServer: DHCPServer | undefined;
  /** The partner's clock minus ours, seconds, from the last accepted CONNECT or CONNECTACK. */
  private partnerClockDelta: number | undefined;

  constructor(config: RelationshipConfig, store: LeaseStore, options: PeerOptions) {
    super();
    this.config = config;
    this.store = store;
    this.inspect = options.inspect;
    this.clock = options.clock ?? systemClock;
    this.logger = relationshipLogger(options.logger ?? createSilentLogger(), {
      relationship: config.name,
      role: config.role,
      peer: `${config.peer.address}:${config.peer.port}`,
    });

    this.safePeriod = new SafePeriodTimer({
      seconds: config.stateSwitchoverSeconds,
      clock: this.clock,
      logger: this.logger,
      expire: () => this.dispatch({ type: 'SAFE_PERIOD_EXPIRED' }),
    });
    const record = store.readEndpoint(config.name);
    this.adoptedMclt = record?.mclt;
    this.failureTime = record?.lastOperatingTime ?? 0;
    this.tapConnection = options.tapConnection;
    this.microsoft = microsoftExtensionsFor(config, {
      store,
      clock: this.clock,
      logger: this.logger,
      sendPending: () => this.sender.sendPending(),
    });
    this.driver = this.createDriver(record);
    this.driver.on('state', (change) => this.microsoft.rebalancer?.follow(change.to));
    this.sender = this.createSender();
    this.receiver = new UpdateReceiver({
      store,
      logger: this.logger,
      role: config.role,
      pools: config.pools,
      profile: config.profile,
      adapters: this.microsoft.adapters,
      reservations: config.reservations,
    });
    this.link = this.createLink();
  }

  /** The current failover state. */
  get state(): FailoverStateName {
    return this.driver.state;
  }

  /** The port a secondary listens on; useful when the config asked for port 0. */
  get listeningPort(): number | undefined {
    return this.link.listeningPort;
  }

  /** The MCLT in force: the primary's own, the adopted one on a secondary (FO-7.8.2-h). */
  get mclt(): number {
    // MSF-3.3.5.1-b: a secondary with a Windows partner keeps its configured MCLT.
    return this.config.role === 'secondary' && this.config.profile === 'isc'
      ? (this.adoptedMclt ?? this.config.mclt)
      : this.config.mclt;
  }

  /**
   * The hash-bucket-assignment that splits the clients in NORMAL: the one a primary sends for its
   * `hba` or `split`, or the one a secondary received in the partner's last accepted CONNECT (FO-7.8.2-i).
   * Undefined on a secondary before any CONNECT.
   */
  get hashBucketAssignment(): Uint8Array | undefined {
    return this.config.role === 'primary'
      ? configuredHashBucketAssignment(this.config)
      : this.receivedHashBucketAssignment;
  }

  get statistics(): PeerStatistics {
    const live = this.link.connection?.counters ?? { sent: 0, received: 0 };
    return {
      messagesSent: this.closedCounters.sent + live.sent,
      messagesReceived: this.closedCounters.received + live.received,
      bindingsSent: this.sender.bindingsSent,
      bindingsReceived: this.receiver.bindingsReceived,
    };
  }

  /** Starts the machine, the STARTUP timer and the link (FO-9.3.2-d, FO-9.3.2-e). */
  async start(): Promise<void> {
    this.perform(this.driver.start());
    this.startTimer(this.config.startupSeconds * 1000, () => this.onStartupExpired());
    this.scheduleOperatingTime();
    await this.link.start();
    // T6 and T8 run with or without a DHCP front end: leases from the partner expire here too.
    this.timers.add(startLeaseExpiry({ failover: this, clock: this.clock, logger: this.logger }));
    await this.startDHCP();
    this.logger.info(
      { event: LogEvent.PEER_STARTED, listeningPort: this.listeningPort, store: this.store.path },
      `peer started as ${this.config.role}`,
    );
  }

  /** Sends DISCONNECT when connected (FO-8.6-c), records the operating time, closes the store. */
  async stop(): Promise<void> {
    if (this.stopped) {
      return;
    }

    this.stopped = true;
    for (const timer of this.timers) {
      timer.cancel();
    }

    this.safePeriod.cancel();
    this.microsoft.rebalancer?.stop();

    await this.dhcpServer?.stop();
    await this.link.stop();
    this.driver.persist();
    this.driver.stop();
    this.store.close();
    this.logger.info({ event: LogEvent.PEER_STOPPED, state: this.state }, 'peer stopped');
  }

  /** The DHCPv4 front end, when the config has a `dhcp` section and the peer is started. */
  get dhcp(): DHCPServer | undefined {
    return this.dhcpServer;
  }

  private async startDHCP(): Promise<void> {
    const dhcp = this.config.dhcp;
    if (dhcp === undefined) {
      return;
    }

    this.dhcpServer = await startDHCPServer({
      failover: this,
      address: dhcp.address,
      port: dhcp.port,
      serverIdentifier: dhcp.serverIdentifier,
      desiredLeaseSeconds: dhcp.leaseSeconds,
      subnetMask: dhcp.subnetMask,
      routers: dhcp.routers,
      replyTo: dhcp.replyTo,
      clock: this.clock,
      logger: this.logger,
    });
  }

  /**
   * Sends the bindings the DHCP front end stored as pending, right after it replied to the client
   * (FO-7.1.1-m). Without a connection they stay pending for the next one.
   */
  sendPendingUpdates(): void {
    this.sender.sendPending();
  }

  /**
   * Asks a Windows partner for every binding of the listed scopes with an UPDREQ that carries
   * them in option 30, as after scopes join the relationship (MSF-3.1.4.1-a, MSF-3.1.4.1-b).
   * Returns false, sending nothing, in the isc profile or while no connection is established.
   */
  requestScopeUpdates(scopeIds: readonly string[]): boolean {
    if (this.config.profile !== 'microsoft' || this.session === undefined) {
      return false;
    }

    this.session.requestUpdates('UPDREQ', [option(OptionCode.MS_SCOPE_ID_LIST, [...scopeIds])]);
    return true;
  }

  /**
   * Applies the operator's partner-down command: the partner is known to be down, since `since`
   * when given (seconds since 1970). Only NORMAL, COMMUNICATIONS-INTERRUPTED and
   * RESOLUTION-INTERRUPTED act on it (FO-9.8.4-a, FO-9.9.3-a, FO-9.11.3-a). Other states ignore it.
   */
  partnerDown(since?: number): void {
    this.dispatch(since === undefined ? { type: 'PARTNER_DOWN' } : { type: 'PARTNER_DOWN', since });
  }

  /**
   * Ends STARTUP by the configured policy (FO-9.3.2-g). When no connection got through CONNECT and
   * CONNECTACK in that time, it raises an alarm, because a partner that is down and a partner
   * configured for another relationship or role look the same from here (FO-7.8.2-f).
   */
  private onStartupExpired(): void {
    if (this.driver.state === 'STARTUP' && !this.everConnected) {
      const awaited = this.config.role === 'secondary' ? 'CONNECT' : 'accepting CONNECTACK';
      this.logger.warn(
        { event: LogEvent.ALARM_RAISED, state: 'STARTUP', rule: 'FO-9.3.2-g', awaited },
        `alarm: no ${awaited} from the partner within ${this.config.startupSeconds} s of STARTUP`,
      );
    }

    this.dispatch({ type: 'STARTUP_EXPIRED' });
  }

  private createDriver(record: EndpointRecord | undefined): EndpointDriver {
    const driver = new EndpointDriver(
      {
        relationship: this.config.name,
        role: this.config.role,
        store: this.store,
        clock: this.clock,
        logger: this.logger,
        mclt: () => (this.config.role === 'secondary' ? this.adoptedMclt : this.config.mclt),
        inspect: this.inspect,
        startupExpiry: this.config.startupExpiry,
      },
      record,
    );
    driver.on('state', (change) => this.emit('state', change));
    return driver;
  }

  private createSender(): UpdateSender {
    const sender = new UpdateSender({
      store: this.store,
      logger: this.logger,
      profile: this.config.profile,
      updatesPerMessage: this.config.updatesPerMessage,
      mclt: () => this.mclt,
      adapters: this.microsoft.adapters,
      role: this.config.role,
      inspect: this.inspect,
    });
    sender.on('progress', (count, total) =>
      this.emit('sync', { direction: 'sent', count, total, done: false }),
    );
    sender.on('done', (total) =>
      this.emit('sync', { direction: 'sent', count: total, total, done: true }),
    );
    return sender;
  }

  private createLink(): FailoverLink {
    const link = createLink({
      config: this.config,
      vendorClassIdentifier: VENDOR_CLASS_IDENTIFIER,
      clock: this.clock,
      logger: this.logger,
      tapConnection: this.tapConnection,
      inspect: this.inspect,
      hooks: {
        stateOptions: () => buildSTATEOptions(this.driver.announced),
        adoptMCLT: (mclt) => this.adoptMCLT(mclt),
        currentMCLT: () => this.config.mclt,
      },
    });
    link.on('established', (session) => this.onEstablished(session));
    link.on('messages', (received) => this.onMessages(received));
    link.on('down', () => this.onDown());
    return link;
  }

  private adoptMCLT(mclt: number): void {
    if (mclt !== this.adoptedMclt) {
      this.logger.info(
        { event: LogEvent.MCLT_ADOPTED, mclt, rule: 'FO-7.8.2-h' },
        `adopted MCLT ${mclt} s`,
      );
    }

    this.adoptedMclt = mclt;
    this.driver.persist();
  }

  private onEstablished({ connection, partner }: EstablishedSession): void {
    this.everConnected = true;
    this.partnerClockDelta = partner.clockDelta;
    if (partner.hashBucketAssignment !== undefined) {
      this.receivedHashBucketAssignment = partner.hashBucketAssignment;
    }

    this.sender.attach(connection, partner.maxUnackedUpdates);
    this.receiver.rejections.reset();
    this.session = new SessionHandler({
      connection,
      partner,
      config: this.config,
      logger: this.logger,
      clock: this.clock,
      sender: this.sender,
      receiver: this.receiver,
      dispatch: (event) => this.dispatch(event),
      onSync: (event) => this.emit('sync', event),
      beforeUPDREQ: this.microsoft.beforeUPDREQ,
      store: this.store,
    });
    connection.on('close', () => this.countClosed(connection));
    this.dispatchConnected();
  }

  /**
   * Tells the machine that a connection exists, so it announces every later state change
   * (FO-7.10-b). The link already sent the STATE that follows CONNECT and CONNECTACK
   * (FO-7.10-a), so the machine's SEND_STATE for CONNECTED is not sent a second time.
   */
  private dispatchConnected(): void {
    if (this.stopped) {
      return;
    }

    const effects = this.driver.dispatch({ type: 'CONNECTED' });
    this.perform(effects.filter((effect) => effect.type !== 'SEND_STATE'));
  }

  private countClosed(connection: FailoverConnection): void {
    this.closedCounters.sent += connection.counters.sent;
    this.closedCounters.received += connection.counters.received;
  }

  private onMessages(received: ReceivedMessage[]): void {
    this.session?.handle(received);
  }

  private onDown(): void {
    const session = this.session;
    this.session = undefined;
    this.sender.detach();
    // MSF-3.2.2.1-c: no rebalancing while communications are down.
    this.microsoft.rebalancer?.stop();
    // The machine counts itself connected from CONNECTED on, so every established connection
    // that ends is reported, whether or not its STATE arrived.
    if (session !== undefined && !this.stopped) {
      this.dispatch({ type: 'COMMUNICATIONS_FAILED' });
    }
  }

  private dispatch(event: Parameters<EndpointDriver['dispatch']>[0]): void {
    if (this.stopped) {
      return;
    }

    const effects = this.driver.dispatch(event);
    if (this.driver.state !== 'COMMUNICATIONS-INTERRUPTED') {
      // The safe period only counts inside COMMUNICATIONS-INTERRUPTED (FO-9.9.3-a).
      this.safePeriod.cancel();
    }

    this.perform(effects);
  }

  private perform(effects: EndpointEmitted[]): void {
    for (const effect of effects) {
      this.performOne(effect);
    }
  }

  private performOne(effect: EndpointEmitted): void {
    switch (effect.type) {
      case 'SEND_STATE':
        this.sendSTATE();
        return;
      case 'SEND_UPDREQ':
      case 'SEND_UPDREQALL':
        this.session?.requestUpdates(effect.type === 'SEND_UPDREQ' ? 'UPDREQ' : 'UPDREQALL');
        return;
      case 'START_RECOVER_WAIT_TIMER':
        this.startRecoverWaitTimer();
        return;
      case 'SEND_PENDING_UPDATES':
        this.sender.sendPending();
        return;
      case 'START_SAFE_PERIOD_TIMER':
        this.safePeriod.start();
        return;
      case 'RAISE_ALARM':
        this.logger.warn(
          { event: LogEvent.ALARM_RAISED, state: effect.state, rule: effect.rule },
          `alarm: entered ${effect.state}`,
        );
        return;
    }
  }

  private sendSTATE(): void {
    this.session?.sendSTATE(buildSTATEOptions(this.driver.announced));
  }

  /**
   * FO-9.6.2-a: RECOVER-WAIT ends MCLT after the time this server went down, which is the last
   * operating time recorded before this start (0 on a first start, FO-9.3.2-a).
   */
  private startRecoverWaitTimer(): void {
    const expiresAt = this.failureTime + this.mclt;
    const delayMs = expiresAt * 1000 - this.clock.nowMs();
    this.logger.info(
      {
        event: LogEvent.TIMER_STARTED,
        timer: 'RECOVER-WAIT',
        failureTime: this.failureTime,
        expiresAt,
        rule: 'FO-9.6.2-a',
      },
      `RECOVER-WAIT ends at ${new Date(expiresAt * 1000).toISOString()}, MCLT after the failure time`,
    );
    const expire = (): void => this.dispatch({ type: 'MCLT_EXPIRED' });
    if (delayMs <= 0) {
      // Already over: raised after the current step, never inside it.
      queueMicrotask(expire);
      return;
    }

    this.startTimer(delayMs, expire);
  }

  private scheduleOperatingTime(): void {
    this.startTimer(OPERATING_TIME_INTERVAL_MS, () => {
      this.driver.persist();
      this.scheduleOperatingTime();
    });
  }

  private startTimer(delayMs: number, callback: () => void): void {
    const handle = this.clock.setTimer(delayMs, () => {
      this.timers.delete(handle);
      callback();
    });
    this.timers.add(handle);
  }

  /**
   * Applies the operator's pause command: the endpoint enters PAUSED, announces it while connected
   * and keeps the state it left for the next start (FO-9.13-a, FO-9.13.1-a). SHUTDOWN ignores it.
   * The connection then closes with DISCONNECT, so the partner moves to COMMUNICATIONS-INTERRUPTED
   * at once (FO-9.13-a, FO-8.6-c).
   */
  pause(): void {
    const from = this.driver.state;
    this.dispatch({ type: 'PAUSE' });
    if (from !== 'PAUSED' && this.driver.state === 'PAUSED') {
      this.link.disconnect(RejectReason.UNKNOWN, 'server paused');
    }
  }

  /**
   * Applies the operator's shutdown command: the endpoint enters SHUTDOWN and announces it while
   * connected (FO-9.14.1-a, FO-9.14.1-b). The connection stays open, so the partner can move to
   * PARTNER-DOWN and the record notes that (FO-9.14.2-b); `stop()` ends the peer afterwards.
   * Resolves once the STATE is written to the socket.
   */
  shutdown(): Promise<void> {
    this.dispatch({ type: 'SHUTDOWN' });
    return Promise.resolve();
  }

  /** Returns a snapshot for operators: states, connection, unacknowledged updates, free addresses. */
  status(): PeerStatus {
    const context = this.driver.context;
    const flow = this.sender.flowActor.getSnapshot().context;
    return buildPeerStatus({
      config: this.config,
      store: this.store,
      state: this.driver.state,
      startTimeOfState: this.driver.startTimeOfState,
      partner: context.partner,
      connected: context.connected,
      communicationsOk: context.communicationsOk,
      partnerDownSince: context.partnerDownSince,
      failureTime: this.failureTime,
      mclt: this.mclt,
      now: Math.floor(this.clock.nowMs() / 1000),
      clockSkewSeconds: this.partnerClockDelta,
      listeningPort: this.listeningPort,
      updateFlow: { window: flow.window, outstanding: flow.outstanding.length },
      statistics: this.statistics,
    });
  }

  /**
   * Sends UPDREQALL, so the partner sends every binding again (FO-7.4.2-a), as the operator's
   * resync command requests. Returns false, sending nothing, while communications are not ok.
   */
  requestAllUpdates(): boolean {
    if (this.session === undefined || !this.session.communicationsOk) {
      return false;
    }

    this.session.requestUpdates('UPDREQALL');
    return true;
  }

  /** When the current state began, seconds since 1970; the DHCP front end reads it. */
  get startTimeOfState(): number {
    return this.driver.startTimeOfState;
  }

  /** The PET the BNDUPD for `binding` will carry; the DHCP front end stores it (FO-7.1.1-g). */
  potentialExpirationToSend(binding: StoredBinding): number | undefined {
    return this.sender.potentialExpirationToSend(binding);
  }
}

/** Opens the store and starts a peer for one relationship. */
export async function startPeer(
  config: RelationshipConfig,
  options: PeerOptions = {},
): Promise<Peer> {
  const store = openLeaseStore(config.store);
  const peer = new Peer(config, store, options);
  try {
    await peer.start();
  } catch (error) {
    await peer.stop();
    throw error;
  }

  return peer;
}
