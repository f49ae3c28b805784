// Shared setup of the field-case tests: the case clock (T0 = 1700000000), hex vectors, the
// comparison of a reply by decoded fields, and peers brought to NORMAL against a scripted partner.

import { join } from 'node:path';
import { expect, onTestFinished } from 'vitest';
import { DecodeError } from '../../src/errors.js';
import type { EndpointRecord, StoredBinding } from '../../src/store/types.js';
import { openLeaseStore } from '../../src/store/sqlite-store.js';
import { ManualClock, nowSeconds } from '../../src/peer/timers.js';
import { option } from '../../src/peer/options.js';
import { MessageType, OptionCode } from '../../src/wire/codes.js';
import { decodeMessage, encodeMessage } from '../../src/wire/message.js';
import type { FailoverMessage, FailoverOption, WireProfile } from '../../src/wire/types.js';
import { DHCPMessageType, type DHCPPacket } from '../../src/dhcp/packet.js';
import type { DHCPServer } from '../../src/dhcp/server.js';
import type { Peer } from '../../src/endpoint/peer.js';
import { clientRequest, TestDHCPClient } from '../dhcp/dhcp-client.js';
import { RawListener, RawPartner } from '../peer/raw-partner.js';
import {
  connectackOptions,
  connectOptions,
  RELATIONSHIP,
  secondsOf,
  startTestPeer,
  stateOptions,
  temporaryDirectory,
  testConfig,
  waitForState,
  type StartedPeer,
} from '../peer/peer-fixtures.js';

/** The time every case counts from, seconds since 1970 (0x6553F100). */
export const T0 = 1_700_000_000;

/** Returns a manual clock that reads T0 plus `offsetSeconds`. */
export function clockAt(offsetSeconds = 0): ManualClock {
  return new ManualClock((T0 + offsetSeconds) * 1000);
}

/** Returns the bytes of a hex vector written as pairs of digits separated by spaces. */
export function hexBytes(hex: string): Uint8Array {
  const digits = hex.replace(/\s+/g, '');
  return Uint8Array.from(digits.match(/../g) ?? [], (pair) => Number.parseInt(pair, 16));
}

/** Returns the hardware address 00:00:5e:00:53:`last` of the case clients. */
export function caseMac(last: number): Uint8Array {
  return Uint8Array.of(0x00, 0x00, 0x5e, 0x00, 0x53, last);
}

/** Runs `action` and returns the DecodeError it raises; fails when it raises nothing or another. */
export function decodeErrorOf(action: () => unknown): DecodeError {
  try {
    action();
  } catch (error) {
    if (error instanceof DecodeError) {
      return error;
    }

    throw error;
  }

  throw new Error('expected a DecodeError, but nothing was raised');
}

/**
 * Checks a reply against the expected one given as hex: the header bar the time, and every
 * option of the expected reply with its value, in any order, with no option missing or added.
 */
export function expectReplyLike(
  actual: FailoverMessage,
  expectedHex: string,
  profile: WireProfile = 'isc',
  compareXid = true,
): void {
  const expected = decodeMessage(hexBytes(expectedHex), profile);
  expect(actual.type).toBe(expected.type);
  expect(actual.payloadOffset).toBe(expected.payloadOffset);
  if (compareXid) {
    expect(actual.xid).toBe(expected.xid);
  }

  const codes = (message: FailoverMessage): number[] =>
    message.options.map((item) => item.code).sort((a, b) => a - b);
  expect(codes(actual)).toEqual(codes(expected));
  for (const wanted of expected.options) {
    expect(actual.options.find((item) => item.code === wanted.code)).toEqual(wanted);
  }
}

export interface SeededStore {
  record?: Partial<EndpointRecord>;
  bindings?: StoredBinding[];
}

/** Creates a store file holding the endpoint record and bindings a case starts from. */
export function seedStore(path: string, seed: SeededStore): void {
  const store = openLeaseStore(path);
  if (seed.record !== undefined) {
    store.writeEndpoint({
      relationship: RELATIONSHIP,
      state: 'NORMAL',
      startTimeOfState: T0 - 3600,
      lastOperatingTime: T0 - 60,
      hasSyncedBefore: true,
      mclt: 3600,
      ...seed.record,
    });
  }

  store.putBindings(seed.bindings ?? []);
  store.close();
}

/** The record of a server that was in NORMAL until a minute before T0. */
export const NORMAL_BEFORE_T0: Partial<EndpointRecord> = { state: 'NORMAL' };

export interface PeerWithPartner extends StartedPeer {
  partner: RawPartner;
  storePath: string;
}

export interface CaseSetup {
  /** Config fields to override. */
  config?: Record<string, unknown>;
  seed?: SeededStore;
  /** The clock; T0 when absent. */
  clock?: ManualClock;
  /** Options of the scripted primary's CONNECT; caseConnectOptions() when absent. */
  connect?: FailoverOption[];
}

/** Starts a secondary with a seeded store and connects a scripted primary, CONNECT not yet sent. */
export async function secondaryWithPartner(setup: CaseSetup = {}): Promise<PeerWithPartner> {
  const storePath = join(temporaryDirectory(), 'secondary.db');
  seedStore(storePath, setup.seed ?? {});
  const started = await startTestPeer(
    testConfig('secondary', storePath, setup.config),
    setup.clock ?? clockAt(),
  );
  const partner = await RawPartner.connect(
    started.peer.listeningPort ?? 0,
    secondsOf(started.clock),
  );
  onTestFinished(() => partner.close());
  return { ...started, partner, storePath };
}

/** CONNECT options of the cases' scripted primary: ISC's, with MCLT 3600 unless given. */
export function caseConnectOptions(mclt = 3600): FailoverOption[] {
  return connectOptions({ [OptionCode.MCLT]: option(OptionCode.MCLT, mclt) });
}

/**
 * Brings a secondary that was in NORMAL before T0 back to NORMAL with a scripted primary: CONNECT,
 * CONNECTACK, both STATEs. Every message the secondary sent so far has been read.
 */
export async function secondaryInNormal(setup: CaseSetup = {}): Promise<PeerWithPartner> {
  const seed = { record: NORMAL_BEFORE_T0, ...setup.seed };
  const started = await secondaryWithPartner({ ...setup, seed });
  const { partner, clock, peer } = started;
  partner.send(MessageType.CONNECT, setup.connect ?? caseConnectOptions(), 0);
  await partner.nextOfType(MessageType.CONNECTACK);
  await partner.nextOfType(MessageType.STATE);
  partner.send(MessageType.STATE, stateOptions('NORMAL', false, nowSeconds(clock) - 3600), 1);
  await waitForState(peer, 'NORMAL');
  await partner.nextOfType(MessageType.STATE);
  return started;
}

export interface PrimaryWithPartner extends PeerWithPartner {
  listener: RawListener;
  /** The CONNECT the primary sent on the current connection. */
  connect: FailoverMessage;
}

/** Starts a primary with a seeded store and accepts its connection as a scripted secondary. */
export async function primaryWithPartner(setup: CaseSetup = {}): Promise<PrimaryWithPartner> {
  const listener = await RawListener.listen();
  onTestFinished(() => closeListener(listener));
  const storePath = join(temporaryDirectory(), 'primary.db');
  seedStore(storePath, setup.seed ?? {});
  const started = await startTestPeer(
    testConfig('primary', storePath, {
      peer: { address: '127.0.0.1', port: listener.port },
      ...setup.config,
    }),
    setup.clock ?? clockAt(),
  );
  const partner = await listener.accept(secondsOf(started.clock));
  onTestFinished(() => partner.close());
  const connect = await partner.nextOfType(MessageType.CONNECT);
  return { ...started, listener, partner, storePath, connect };
}

/**
 * Closes a scripted secondary's listener, with the connections the primary opened that no test
 * took: the server closes only once every connection has ended.
 */
async function closeListener(listener: RawListener): Promise<void> {
  listener.server.on('connection', (socket) => socket.destroy());
  while (listener.waitingConnections > 0) {
    (await listener.accept(() => T0)).close();
  }

  await listener.close();
}

/** Replies to the primary's CONNECT and STATE, so that a primary that was in NORMAL is again. */
export async function answerAsNormalSecondary(
  primary: Pick<PrimaryWithPartner, 'partner' | 'connect' | 'clock' | 'peer'>,
  receiveTimer = 30,
): Promise<void> {
  const { partner, connect, clock, peer } = primary;
  partner.send(MessageType.CONNECTACK, connectackOptions(10, receiveTimer), connect.xid);
  await partner.nextOfType(MessageType.STATE);
  partner.send(MessageType.STATE, stateOptions('NORMAL', false, nowSeconds(clock) - 3600), 1);
  await waitForState(peer, 'NORMAL');
  await partner.nextOfType(MessageType.STATE);
}

/** Starts a primary that was in NORMAL before T0 and brings it back to NORMAL. */
export async function primaryInNormal(setup: CaseSetup = {}): Promise<PrimaryWithPartner> {
  const seed = { record: NORMAL_BEFORE_T0, ...setup.seed };
  const primary = await primaryWithPartner({ ...setup, seed });
  await answerAsNormalSecondary(primary);
  return primary;
}

/** Encodes a message of `type` with `options`, stamped `time`, as an ISC partner sends it. */
export function messageBytes(
  type: number,
  xid: number,
  time: number,
  options: FailoverOption[],
): Uint8Array {
  return encodeMessage(
    { type, payloadOffset: 12, time, xid, extraHeader: new Uint8Array(0), options },
    'isc',
  );
}

/** Builds a stored ACTIVE binding of `address` for client `clientByte`, already acknowledged. */
export function activeBinding(
  address: string,
  clientByte: number,
  clientLastTransactionTime: number,
  leaseExpirationTime: number,
): StoredBinding {
  return {
    address,
    bindingStatus: 'ACTIVE',
    ipFlags: 0,
    clientHardwareAddress: { htype: 1, chaddr: caseMac(clientByte) },
    leaseExpirationTime,
    startTimeOfState: clientLastTransactionTime,
    clientLastTransactionTime,
    sentPet: leaseExpirationTime + 1800,
    ackedPet: leaseExpirationTime + 1800,
    pendingUpdate: false,
    updateSeq: 1,
  };
}

/** Waits for real I/O to settle: for a check that something did not happen. */
export function settle(milliseconds = 50): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

/** Returns the `dhcp` section of a case peer: loopback, a free port, replies to the source. */
export function caseDHCPConfig(leaseSeconds = 86_400): Record<string, unknown> {
  return { address: '127.0.0.1', port: 0, leaseSeconds, replyTo: 'source' };
}

export interface CaseDHCP {
  server: DHCPServer;
  client: TestDHCPClient;
}

/** Opens a DHCP client to the front end of a peer started with caseDHCPConfig. */
export async function dhcpOf(peer: Peer): Promise<CaseDHCP> {
  const server = peer.dhcp;
  if (server === undefined) {
    throw new Error('the peer has no DHCP front end, expected a dhcp config section');
  }

  return { server, client: await TestDHCPClient.open(server.port) };
}

/** Sends a DHCPDISCOVER from the client and returns the OFFER, or undefined when none came. */
export function discover(
  { server, client }: CaseDHCP,
  chaddr: Uint8Array,
  secs = 0,
): Promise<DHCPPacket | undefined> {
  return client.exchangeOrSilence(
    clientRequest(chaddr, DHCPMessageType.DHCPDISCOVER, { secs }),
    server,
  );
}

/** Sends a DHCPREQUEST in RENEWING or REBINDING for `ciaddr`; returns the reply, if any. */
export function renew(
  { server, client }: CaseDHCP,
  chaddr: Uint8Array,
  ciaddr: string,
): Promise<DHCPPacket | undefined> {
  return client.exchangeOrSilence(
    clientRequest(chaddr, DHCPMessageType.DHCPREQUEST, { ciaddr }),
    server,
  );
}
