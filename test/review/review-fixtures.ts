// Setup shared by the review tests: a secondary with an established scripted primary, and raw
// frames that the codec refuses to build. Two guards keep a crash or a timer warning of the peer
// under test from ending the whole test run.

import { join } from 'node:path';
import { option } from '../../src/peer/options.js';
import { nowSeconds } from '../../src/peer/timers.js';
import { openLeaseStore } from '../../src/store/sqlite-store.js';
import type { StoredBinding } from '../../src/store/types.js';
import { BindingStatus, MessageType, OptionCode } from '../../src/wire/codes.js';
import type { FailoverOption } from '../../src/wire/types.js';
import { RawPartner } from '../peer/raw-partner.js';
import {
  connectOptions,
  secondsOf,
  startTestPeer,
  temporaryDirectory,
  testConfig,
  type StartedPeer,
} from '../peer/peer-fixtures.js';

/** The partner's address in tests where 127.0.0.1 plays a stranger (FO-7.8.2-f). */
export const PARTNER_ADDRESS = '127.0.0.2';

export interface EstablishedSecondary extends StartedPeer {
  partner: RawPartner;
  storePath: string;
}

/**
 * Starts a secondary whose partner address is 127.0.0.2 and a scripted primary connected from
 * there that has exchanged CONNECT, CONNECTACK and the secondary's STATE. The long STARTUP keeps
 * state changes out of tests that move the clock.
 */
export async function establishedSecondary(
  overrides: Record<string, unknown> = {},
): Promise<EstablishedSecondary> {
  const storePath = join(temporaryDirectory(), 'secondary.db');
  const started = await startTestPeer(
    testConfig('secondary', storePath, {
      peer: { address: PARTNER_ADDRESS, port: 1 },
      startupSeconds: 3600,
      ...overrides,
    }),
  );
  const partner = await connectFromPartner(started);
  partner.send(MessageType.CONNECT, connectOptions(), 0);
  await partner.nextOfType(MessageType.CONNECTACK);
  await partner.nextOfType(MessageType.STATE);
  return { ...started, partner, storePath };
}

/** Opens a raw connection to the peer under test from the partner's address. */
export function connectFromPartner(started: StartedPeer): Promise<RawPartner> {
  return RawPartner.connect(
    started.peer.listeningPort ?? 0,
    secondsOf(started.clock),
    PARTNER_ADDRESS,
  );
}

/** Lets the event loop deliver socket events; the manual clock does not move. */
export function settle(ms = 30): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Builds a frame with the given message-length field, type and body, as a hostile partner would. */
export function rawFrame(lengthField: number, type: number, body: number[] = []): Uint8Array {
  const header = [lengthField >> 8, lengthField & 0xff, type, 12, 0, 0, 0, 0, 0, 0, 0, 9];
  return new Uint8Array([...header, ...body]);
}

/** Builds a whole frame of `type` whose options are the raw TLV bytes given. */
export function frameWithOptions(type: number, optionBytes: number[], xid = 9): Uint8Array {
  const frame = rawFrame(12 + optionBytes.length, type, optionBytes);
  frame.set([(xid >>> 24) & 0xff, (xid >>> 16) & 0xff, (xid >>> 8) & 0xff, xid & 0xff], 8);
  return frame;
}

/**
 * Returns the options of an ACTIVE transaction as ISC dhcpd sends it, for client `clientByte`.
 * The default client-last-transaction-time is the manual clock's start, 2026-01-01.
 */
export function activeTransaction(
  address: string,
  leaseExpiration: number,
  clientByte = 1,
  potentialExpiration = leaseExpiration + 1800,
  clientLastTransactionTime = 1_767_225_600,
): FailoverOption[] {
  return [
    option(OptionCode.ASSIGNED_IP_ADDRESS, address),
    option(OptionCode.BINDING_STATUS, BindingStatus.ACTIVE),
    option(OptionCode.CLIENT_HARDWARE_ADDRESS, {
      htype: 1,
      chaddr: new Uint8Array([0, 0, 0x5e, 0, 0x53, clientByte]),
    }),
    option(OptionCode.LEASE_EXPIRATION_TIME, leaseExpiration),
    option(OptionCode.POTENTIAL_EXPIRATION_TIME, potentialExpiration),
    option(OptionCode.CLIENT_LAST_TRANSACTION_TIME, clientLastTransactionTime),
  ];
}

/** Reads every stored binding through a second, read-only connection to the store file. */
export function storedBindings(storePath: string): StoredBinding[] {
  const reader = openLeaseStore(storePath, { readonly: true });
  try {
    return [...reader.allBindings()];
  } finally {
    reader.close();
  }
}

/** Seconds on the peer's manual clock. */
export function nowOf(started: StartedPeer): number {
  return nowSeconds(started.clock);
}

/**
 * Runs `body` with uncaught exceptions collected and returns them. The peer under test runs in
 * the test process. An exception thrown from one of its socket listeners ends a real server, and
 * here it would otherwise fail the whole run rather than one test.
 */
export async function collectUncaught(body: () => Promise<void>): Promise<Error[]> {
  const saved = process.listeners('uncaughtException');
  process.removeAllListeners('uncaughtException');
  const caught: Error[] = [];
  const collect = (error: Error): void => {
    caught.push(error);
  };
  process.on('uncaughtException', collect);
  try {
    await body();
  } finally {
    process.off('uncaughtException', collect);
    for (const listener of saved) {
      process.on('uncaughtException', listener);
    }
  }

  return caught;
}

/**
 * Runs `body` with process warnings dropped. Node prints a TimeoutOverflowWarning every time a
 * timer longer than 2^31 - 1 ms is set, which some tests do on purpose hundreds of times.
 */
export async function withoutWarnings(body: () => Promise<void>): Promise<void> {
  const saved = process.emitWarning;
  process.emitWarning = (() => undefined) as typeof process.emitWarning;
  try {
    await body();
  } finally {
    process.emitWarning = saved;
  }
}
