// One peer under test for the model-based tests: started on a seeded SQLite store with a manual
// clock and the coverage recorder, with a scripted raw partner on loopback that the paths drive.

import type { Socket } from 'node:net';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import type { Role } from '../../../model/endpoint-types.js';
import type { RelationshipConfig } from '../../../src/config/types.js';
import { startPeer, type Peer } from '../../../src/endpoint/peer.js';
import { findOption } from '../../../src/peer/options.js';
import { ManualClock, nowSeconds } from '../../../src/peer/timers.js';
import { openLeaseStore } from '../../../src/store/sqlite-store.js';
import type { StoredBinding } from '../../../src/store/types.js';
import {
  MessageType,
  OptionCode,
  ServerState,
  type FailoverStateName,
} from '../../../src/wire/codes.js';
import type { FailoverMessage } from '../../../src/wire/types.js';
import {
  CapturedLog,
  connectackOptions,
  connectOptions,
  RELATIONSHIP,
  secondsOf,
  stateOptions,
  temporaryDirectory,
  testConfig,
} from '../../peer/peer-fixtures.js';
import { RawListener, RawPartner } from '../../peer/raw-partner.js';
import { recorder } from '../coverage/recorder.js';
import {
  CONNECT_RETRY_SECONDS,
  RECEIVE_TIMER_SECONDS,
  SAFE_PERIOD_SECONDS,
  SEEDED_MCLT,
} from './timing.js';

const WAIT_MS = 5000;

/**
 * Polls `predicate` until it holds; fails naming `what` after a few seconds of real time. A function
 * `what` is read at the failure, so it can describe the state then.
 */
export async function waitUntil(
  predicate: () => boolean,
  what: string | (() => string),
): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!predicate()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    }

    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

export interface PeerStart {
  role: Role;
  /** State of the endpoint record a previous run left; no record when undefined (first start). */
  recordedState?: FailoverStateName | undefined;
  hasSyncedBefore?: boolean;
  bindings?: readonly StoredBinding[];
  config?: Record<string, unknown>;
}

export function serverStateOf(message: FailoverMessage): FailoverStateName | undefined {
  const code = findOption(message, OptionCode.SERVER_STATE);
  const entry = Object.entries(ServerState).find(([, value]) => value === code);
  return entry?.[0] as FailoverStateName | undefined;
}

export class PeerUnderTest {
  readonly clock = new ManualClock();
  /** The seeded last operating time, seconds since 1970: the failure time of RECOVER-WAIT. */
  readonly t0 = nowSeconds(this.clock);
  readonly log = new CapturedLog();
  readonly storePath: string;
  partner: RawPartner | undefined;
  /** max-unacked-bndupd the raw partner announces in CONNECTACK (FO-8.4-b). */
  partnerWindow = 10;
  private peerInstance: Peer | undefined;
  private listener: RawListener | undefined;
  private readonly start: PeerStart;
  /** Every connection the primary's listener accepted, destroyed at the end of the test. */
  private readonly sockets = new Set<Socket>();

  private constructor(start: PeerStart) {
    this.start = start;
    this.storePath = join(temporaryDirectory(), `${start.role}.db`);
  }

  /** Seeds the store, starts the peer and, for a primary, the listener it connects to. */
  static async start(start: PeerStart): Promise<PeerUnderTest> {
    const harness = new PeerUnderTest(start);
    harness.seed();
    if (start.role === 'primary') {
      harness.listener = await RawListener.listen();
      harness.listener.server.on('connection', (socket) => harness.sockets.add(socket));
    }

    onTestFinished(() => harness.close());
    await harness.startPeer();
    return harness;
  }

  get peer(): Peer {
    if (this.peerInstance === undefined) {
      throw new Error('peer is not started');
    }

    return this.peerInstance;
  }

  get config(): RelationshipConfig {
    return testConfig(this.start.role, this.storePath, {
      mclt: SEEDED_MCLT,
      receiveTimer: RECEIVE_TIMER_SECONDS,
      stateSwitchoverSeconds: SAFE_PERIOD_SECONDS,
      connectRetrySeconds: CONNECT_RETRY_SECONDS,
      ...(this.listener === undefined
        ? {}
        : { peer: { address: '127.0.0.1', port: this.listener.port } }),
      ...this.start.config,
    });
  }

  /**
   * Stops the peer and starts it again on the same store and clock, as after a restart;
   * `whileStopped` runs in between, when the store file is closed.
   */
  async restart(whileStopped?: () => void): Promise<void> {
    await this.peer.stop();
    this.partner?.close();
    this.partner = undefined;
    whileStopped?.();
    await this.startPeer();
  }

  /** Moves the manual clock, running the timers that fall due. */
  advance(seconds: number): void {
    this.clock.advance(seconds * 1000);
  }

  /**
   * Completes CONNECT and CONNECTACK with a raw partner and returns the STATE the peer sends right
   * after (FO-7.10-a). A primary connects on its own, after its retry wait when it lost a connection.
   */
  async connect(): Promise<FailoverMessage> {
    const partner = await this.openPartner();
    this.partner = partner;
    return partner.nextOfType(MessageType.STATE);
  }

  sendSTATE(state: FailoverStateName, startup: boolean, startTimeOfState: number): void {
    this.requirePartner().send(
      MessageType.STATE,
      stateOptions(state, startup, startTimeOfState),
      1,
    );
  }

  /** Sends UPDDONE for the last UPDREQ or UPDREQALL the peer sent on this connection. */
  answerUPDDONE(): void {
    const partner = this.requirePartner();
    const request = [...partner.received]
      .reverse()
      .find(
        (message) => message.type === MessageType.UPDREQ || message.type === MessageType.UPDREQALL,
      );
    if (request === undefined) {
      throw new Error('the peer sent no UPDREQ or UPDREQALL to answer');
    }

    partner.send(MessageType.UPDDONE, [], request.xid);
  }

  /** Closes the partner's side of the connection and waits until the peer notices. */
  async dropConnection(): Promise<void> {
    const partner = this.requirePartner();
    partner.close();
    this.partner = undefined;
    await partner.closed;
  }

  /** Messages the current partner received from index `from` on. */
  receivedSince(from: number): FailoverMessage[] {
    return this.partner?.received.slice(from) ?? [];
  }

  get receivedCount(): number {
    return this.partner?.received.length ?? 0;
  }

  requirePartner(): RawPartner {
    if (this.partner === undefined) {
      throw new Error('no partner connection');
    }

    return this.partner;
  }

  private async openPartner(): Promise<RawPartner> {
    if (this.listener === undefined) {
      const partner = await this.openConnection();
      partner.send(MessageType.CONNECT, connectOptions(), 1);
      await partner.nextOfType(MessageType.CONNECTACK);
      return partner;
    }

    // The retry after a lost connection waits 0 s, which the manual clock runs on any move.
    this.clock.advance(0);
    const { partner, connect } = await this.acceptConnection();
    partner.send(MessageType.CONNECTACK, connectackOptions(this.partnerWindow), connect.xid);
    return partner;
  }

  /** Secondary: opens a TCP connection to the peer and sends nothing yet. */
  openConnection(): Promise<RawPartner> {
    return RawPartner.connect(this.peer.listeningPort ?? 0, secondsOf(this.clock));
  }

  /** Primary: accepts the peer's next connection and reads its CONNECT. */
  async acceptConnection(): Promise<{ partner: RawPartner; connect: FailoverMessage }> {
    if (this.listener === undefined) {
      throw new Error('only a primary connects to the partner');
    }

    const partner = await this.listener.accept(secondsOf(this.clock));
    const connect = await partner.nextOfType(MessageType.CONNECT);
    return { partner, connect };
  }

  private seed(): void {
    const store = openLeaseStore(this.storePath);
    if (this.start.recordedState !== undefined) {
      store.writeEndpoint({
        relationship: RELATIONSHIP,
        state: this.start.recordedState,
        startTimeOfState: this.t0 - 1000,
        previousState: this.start.recordedState,
        lastOperatingTime: this.t0,
        hasSyncedBefore: this.start.hasSyncedBefore ?? true,
        mclt: SEEDED_MCLT,
      });
    }

    store.putBindings(this.start.bindings ?? []);
    store.close();
  }

  private async startPeer(): Promise<void> {
    this.peerInstance = await startPeer(this.config, {
      clock: this.clock,
      logger: this.log.logger,
      inspect: recorder.inspect,
    });
  }

  /** Stops the peer, then closes every partner socket and the listener. */
  private async close(): Promise<void> {
    await this.peerInstance?.stop();
    this.partner?.close();
    for (const socket of this.sockets) {
      socket.destroy();
    }

    await this.listener?.close();
  }
}
