import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { findOption, option } from '../../src/peer/options.js';
import { MessageType, OptionCode, RejectReason } from '../../src/wire/codes.js';
import type { FailoverMessage } from '../../src/wire/types.js';
import { microsoftConfig } from '../microsoft/microsoft-fixtures.js';
import { RawListener, RawPartner } from './raw-partner.js';
import {
  connectOptions,
  RELATIONSHIP,
  secondsOf,
  startTestPeer,
  stateOptions,
  temporaryDirectory,
  testConfig,
  type StartedPeer,
} from './peer-fixtures.js';

interface ListeningPrimary extends StartedPeer {
  /** The scripted secondary's side of the primary's own connection. */
  outgoing: RawPartner;
  /** The CONNECT the primary sent on its own connection. */
  connect: FailoverMessage;
}

/** Opens a scripted secondary's listener that is closed, with its connections, after the test. */
async function scriptedSecondary(): Promise<RawListener> {
  const listener = await RawListener.listen();
  onTestFinished(async () => {
    listener.server.on('connection', (socket) => socket.destroy());
    while (listener.waitingConnections > 0) {
      (await listener.accept(() => 0)).close();
    }

    await listener.close();
  });
  return listener;
}

/** Starts a primary on 127.0.0.1, port 0, and accepts its own connection as a scripted secondary. */
async function startListeningPrimary(
  overrides: Record<string, unknown> = {},
): Promise<ListeningPrimary> {
  const listener = await scriptedSecondary();
  const config = testConfig('primary', join(temporaryDirectory(), 'primary.db'), {
    peer: { address: '127.0.0.1', port: listener.port },
    ...overrides,
  });
  const started = await startTestPeer(config);
  const outgoing = await listener.accept(secondsOf(started.clock));
  onTestFinished(() => outgoing.close());
  const connect = await outgoing.nextOfType(MessageType.CONNECT);
  return { ...started, outgoing, connect };
}

/** Connects to the primary's listening port as the configured partner, or from `localAddress`. */
async function connectToPrimary(started: StartedPeer, localAddress?: string): Promise<RawPartner> {
  const port = started.peer.listeningPort;
  expect(port).toBeGreaterThan(0);
  const partner = await RawPartner.connect(port ?? 0, secondsOf(started.clock), localAddress);
  onTestFinished(() => partner.close());
  return partner;
}

/** Resolves once `condition` holds; rejects after a few seconds. */
async function waitUntil(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error('condition still false after 5000 ms');
    }

    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Returns the log lines of each listen failure of the primary. */
function listenWarnings(started: StartedPeer): Record<string, unknown>[] {
  return started.log.lines.filter((line) => line['rule'] === 'FO-8.2-a');
}

describe('primary listener', () => {
  it('rejects a CONNECT with reason 8 and keeps its state (FO-8.2-a, FO-7.8.2-f, FO-7.9.1-b)', async () => {
    const primary = await startListeningPrimary();
    const stateBefore = primary.peer.state;
    const stateChangesBefore = primary.log.withEvent('state.change').length;
    const incoming = await connectToPrimary(primary);

    incoming.send(MessageType.CONNECT, connectOptions(), 0x21);
    const connectack = await incoming.next();
    await incoming.expectClosed();

    expect(connectack.type).toBe(MessageType.CONNECTACK);
    expect(connectack.xid).toBe(0x21);
    expect(findOption(connectack, OptionCode.REJECT_REASON)).toBe(
      RejectReason.INVALID_FAILOVER_PARTNER,
    );
    expect(findOption(connectack, OptionCode.RELATIONSHIP_NAME)).toBe(RELATIONSHIP);
    expect(findOption(connectack, OptionCode.PROTOCOL_VERSION)).toBe(1);
    expect(findOption(connectack, OptionCode.TLS_REPLY)).toBe(0);
    expect(findOption(connectack, OptionCode.MESSAGE)).toBe(
      `both servers are primary for relationship ${RELATIONSHIP}, so one must be secondary`,
    );
    expect(incoming.received).toHaveLength(1);
    expect(primary.peer.state).toBe(stateBefore);
    expect(primary.log.withEvent('state.change')).toHaveLength(stateChangesBefore);
    expect(primary.outgoing.isClosed).toBe(false);
    expect(primary.outgoing.received).toEqual([primary.connect]);
  });

  it('rejects a CONNECT for another relationship-name at the primary with reason 8 (FO-7.8.2-f)', async () => {
    const primary = await startListeningPrimary();
    const incoming = await connectToPrimary(primary);

    incoming.send(
      MessageType.CONNECT,
      connectOptions({
        [OptionCode.RELATIONSHIP_NAME]: option(OptionCode.RELATIONSHIP_NAME, 'fo-test2'),
      }),
      0x12,
    );
    const connectack = await incoming.next();
    await incoming.expectClosed();

    expect(findOption(connectack, OptionCode.REJECT_REASON)).toBe(
      RejectReason.INVALID_FAILOVER_PARTNER,
    );
    expect(findOption(connectack, OptionCode.MESSAGE)).toBe('unknown failover relationship name');
  });

  it('keeps its own connection usable after rejecting a CONNECT (FO-8.2-a)', async () => {
    const primary = await startListeningPrimary();
    const incoming = await connectToPrimary(primary);
    incoming.send(MessageType.CONNECT, connectOptions(), 0x21);
    await incoming.expectClosed();

    primary.outgoing.send(
      MessageType.CONNECTACK,
      [
        option(OptionCode.RELATIONSHIP_NAME, RELATIONSHIP),
        option(OptionCode.MAX_UNACKED_BNDUPD, 10),
        option(OptionCode.RECEIVE_TIMER, 30),
        option(OptionCode.PROTOCOL_VERSION, 1),
        option(OptionCode.TLS_REPLY, 0),
      ],
      primary.connect.xid,
    );
    const state = await primary.outgoing.nextOfType(MessageType.STATE);

    expect(findOption(state, OptionCode.SERVER_STATE)).toBeDefined();
    expect(primary.outgoing.isClosed).toBe(false);
  });

  it('closes a connection to the primary whose first message is not CONNECT (FO-7.8-a)', async () => {
    const primary = await startListeningPrimary();
    const incoming = await connectToPrimary(primary);

    incoming.send(MessageType.STATE, stateOptions('NORMAL', false, 0), 1);
    await incoming.expectClosed();

    expect(incoming.received).toEqual([]);
    expect(primary.outgoing.isClosed).toBe(false);
  });

  it('closes a connection to the primary that sends an unknown message type', async () => {
    const primary = await startListeningPrimary();
    const incoming = await connectToPrimary(primary);

    incoming.sendBytes(Uint8Array.of(0x00, 0x0c, 0x42, 0x0c, 0, 0, 0, 0, 0, 0, 0, 0));
    await incoming.expectClosed();

    expect(incoming.received).toEqual([]);
    expect(primary.outgoing.isClosed).toBe(false);
  });

  it('closes a connection without CONNECT after the receive-timer (FO-7.8.2-a)', async () => {
    const primary = await startListeningPrimary({ receiveTimer: 30 });
    const timersBefore = primary.clock.pendingTimers();
    const incoming = await connectToPrimary(primary);
    // The wait for CONNECT starts once the primary has accepted the connection.
    await waitUntil(() => primary.clock.pendingTimers() > timersBefore);

    primary.clock.advance(29_000);
    const openBefore = !incoming.isClosed;
    primary.clock.advance(1_000);
    await incoming.expectClosed();

    expect(openBefore).toBe(true);
    expect(incoming.received).toEqual([]);
  });

  it('closes a connection to the primary from a stranger unread (FO-7.8.2-f)', async () => {
    const primary = await startListeningPrimary();
    const stranger = await connectToPrimary(primary, '127.0.0.2');

    stranger.send(MessageType.CONNECT, connectOptions(), 0x21);
    await stranger.expectClosed();

    const refused = primary.log.withEvent('connection.refused');
    expect(stranger.received).toEqual([]);
    expect(refused.map((line) => line['remote'])).toEqual(['127.0.0.2']);
  });

  it('warns once and still connects when its port is in use (FO-8.2-a)', async () => {
    const occupied = createServer();
    await new Promise<void>((resolve) => occupied.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => occupied.close(() => resolve())));
    const address = occupied.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;

    const primary = await startListeningPrimary({ local: { address: '127.0.0.1', port } });

    const warnings = listenWarnings(primary);
    expect(primary.connect.type).toBe(MessageType.CONNECT);
    expect(primary.peer.listeningPort).toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.['level']).toBe(40);
    expect(warnings[0]?.['code']).toBe('EADDRINUSE');
    expect(warnings[0]?.['address']).toBe('127.0.0.1');
    expect(warnings[0]?.['port']).toBe(port);
  });

  it('warns once when its local address is not on this host (FO-8.2-a)', async () => {
    const listener = await scriptedSecondary();
    const config = testConfig('primary', join(temporaryDirectory(), 'primary.db'), {
      local: { address: '192.0.2.1', port: 0 },
      peer: { address: '127.0.0.1', port: listener.port },
    });

    const primary = await startTestPeer(config);

    const warnings = listenWarnings(primary);
    expect(primary.peer.listeningPort).toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.['code']).toBe('EADDRNOTAVAIL');
    expect(warnings[0]?.['address']).toBe('192.0.2.1');
  });

  it('does not listen in the microsoft profile (MSF-2.1-b)', async () => {
    const listener = await scriptedSecondary();
    const config = microsoftConfig('primary', join(temporaryDirectory(), 'primary.db'), {
      peer: { address: '127.0.0.1', port: listener.port },
    });

    const primary = await startTestPeer(config);
    const outgoing = await listener.accept(secondsOf(primary.clock));
    onTestFinished(() => outgoing.close());

    expect(primary.peer.listeningPort).toBeUndefined();
    expect(listenWarnings(primary)).toEqual([]);
  });
});
