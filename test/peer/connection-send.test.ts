import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { FailoverConnection } from '../../src/peer/connection.js';
import { findOption, option } from '../../src/peer/options.js';
import { ManualClock } from '../../src/peer/timers.js';
import { MessageType, OptionCode, RejectReason } from '../../src/wire/codes.js';
import type { FailoverOption } from '../../src/wire/types.js';
import { collectUncaught, settle } from '../review/review-fixtures.js';
import { CapturedLog, secondsOf } from './peer-fixtures.js';
import { RawPartner } from './raw-partner.js';

const cleanups: (() => void)[] = [];

afterEach(() => {
  for (const cleanup of cleanups.splice(0)) {
    cleanup();
  }
});

interface ConnectedPair {
  connection: FailoverConnection;
  /** The accepting side's socket, which the connection wraps. */
  socket: Socket;
  partner: RawPartner;
  clock: ManualClock;
  log: CapturedLog;
}

/**
 * Sends UPDDONEs of 1790 bytes until the connection pauses reading, at most 20000 of them, which
 * is more than the loopback buffers hold. Returns how many were sent.
 */
function fillSendBuffer(connection: FailoverConnection, socket: Socket): number {
  let count = 0;
  while (!socket.isPaused() && count < 20_000) {
    connection.send(MessageType.UPDDONE, longTexts(7), count);
    count++;
  }

  return count;
}

/** Opens a loopback TCP connection and wraps the accepting side in a FailoverConnection. */
async function connectedPair(): Promise<ConnectedPair> {
  const clock = new ManualClock();
  const log = new CapturedLog();
  let resolveAccepted: (socket: Socket) => void = () => undefined;
  const accepted = new Promise<Socket>((resolve) => {
    resolveAccepted = resolve;
  });
  const server = createServer((socket) => resolveAccepted(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => server.close());
  const { port } = server.address() as AddressInfo;
  const partner = await RawPartner.connect(port, secondsOf(clock));
  cleanups.push(() => partner.close());
  const socket = await accepted;
  cleanups.push(() => socket.destroy());
  const connection = new FailoverConnection({
    socket,
    profile: 'isc',
    clock,
    logger: log.logger,
  });
  return { connection, socket, partner, clock, log };
}

/** `count` message (16) options of 250 bytes, 254 bytes each on the wire. */
function longTexts(count: number): FailoverOption[] {
  return Array.from({ length: count }, () => option(OptionCode.MESSAGE, 'x'.repeat(250)));
}

describe('FailoverConnection.send', () => {
  it('logs a BNDACK longer than 2048 bytes and disconnects with reason 254 (FO-6.1-c)', async () => {
    const { connection, partner, log } = await connectedPair();
    connection.established = true;

    const caught = await collectUncaught(async () => {
      connection.send(MessageType.BNDACK, longTexts(9), 7);
      await partner.expectClosed();
    });
    const [line] = log.withEvent('message.unencodable');

    expect(caught).toEqual([]);
    expect(partner.received.map((message) => message.type)).toEqual([MessageType.DISCONNECT]);
    expect(partner.received[0] && findOption(partner.received[0], OptionCode.REJECT_REASON)).toBe(
      RejectReason.UNKNOWN,
    );
    expect(line?.['level']).toBe(50);
    expect(line?.['type']).toBe('BNDACK');
    expect(line?.['length']).toBe(12 + 9 * 254);
    expect(line?.['code']).toBe('FO_ERR_ENCODE_LENGTH');
    expect(connection.isOpen).toBe(false);
  });

  it('closes without a DISCONNECT when the reply fails before the connection is established (FO-6.1-c)', async () => {
    const { connection, partner } = await connectedPair();

    const caught = await collectUncaught(async () => {
      connection.send(MessageType.CONNECTACK, longTexts(9), 0);
      await partner.expectClosed();
    });

    expect(caught).toEqual([]);
    expect(partner.received).toEqual([]);
  });

  it('sends the messages after an unencodable one before it disconnects (FO-6.1-c)', async () => {
    const { connection, partner } = await connectedPair();
    connection.established = true;

    connection.send(MessageType.CONNECTACK, longTexts(9), 0);
    connection.send(MessageType.STATE, [], undefined);
    await partner.expectClosed();

    expect(partner.received.map((message) => message.type)).toEqual([
      MessageType.STATE,
      MessageType.DISCONNECT,
    ]);
  });
});

describe('FailoverConnection backpressure', () => {
  it('pauses reading while the send buffer is full and delivers every message after (FO-8.3-e)', async () => {
    const { connection, socket, partner, clock } = await connectedPair();
    let sendTimerExpirations = 0;
    connection.on('sendTimerExpired', () => {
      sendTimerExpirations++;
    });
    partner.socket.pause();

    const count = fillSendBuffer(connection, socket);
    const pausedWhileFull = socket.isPaused();
    connection.startSendTimer(1000);
    clock.advance(1000);
    partner.socket.resume();
    while (partner.received.length < count) {
      await settle(20);
    }
    await settle();

    expect(pausedWhileFull).toBe(true);
    expect(sendTimerExpirations).toBe(1);
    expect(socket.isPaused()).toBe(false);
    expect(partner.received.map((message) => message.xid)).toEqual(
      Array.from({ length: count }, (_, index) => index),
    );
  });

  it('reads messages that arrived while paused once the buffer drains (FO-8.3-e)', async () => {
    const { connection, socket, partner } = await connectedPair();
    const receivedXids: number[] = [];
    connection.on('messages', (received) => {
      receivedXids.push(...received.map(({ message }) => message.xid));
    });
    partner.socket.pause();

    fillSendBuffer(connection, socket);
    partner.send(MessageType.CONTACT, [], 41);
    await settle();
    const readWhilePaused = [...receivedXids];
    partner.socket.resume();
    while (receivedXids.length === 0) {
      await settle(20);
    }

    expect(readWhilePaused).toEqual([]);
    expect(receivedXids).toEqual([41]);
  });
});
