// Paths through the connection machine (model/connection.ts) on a real peer. A raw partner opens,
// refuses and closes TCP connections and sends CONNECT and CONNECTACK that are accepted or rejected.
// The CONNECT wait, retry, tSend and tReceive timers run out on the manual clock.

import { expect } from 'vitest';
import { startPeer } from '../../../src/endpoint/peer.js';
import { findOption, option } from '../../../src/peer/options.js';
import { nowSeconds } from '../../../src/peer/timers.js';
import { MessageType, OptionCode, RejectReason } from '../../../src/wire/codes.js';
import {
  connectackOptions,
  connectOptions,
  RELATIONSHIP,
  stateOptions,
  temporaryDirectory,
  testConfig,
} from '../../peer/peer-fixtures.js';
import { RawListener, type RawPartner } from '../../peer/raw-partner.js';
import { recorder } from '../coverage/recorder.js';
import { PeerUnderTest, serverStateOf } from '../harness/peer-under-test.js';
import { expectTaken, type ScriptedPath } from './scripted-path.js';

/** A receive-timer short enough for a path to run it out: tSend is a third of it (E-10). */
const SHORT_RECEIVE_TIMER = { receiveTimer: 30 };

function secondary(config: Record<string, unknown> = SHORT_RECEIVE_TIMER) {
  return PeerUnderTest.start({ role: 'secondary', recordedState: 'NORMAL', config });
}

function primary(config: Record<string, unknown> = SHORT_RECEIVE_TIMER) {
  return PeerUnderTest.start({ role: 'primary', recordedState: 'NORMAL', config });
}

const c = (id: string): string => `connection:${id}`;

async function secondaryLifecycle(): Promise<void> {
  const mark = recorder.mark;
  const harness = await secondary();
  const partner = await harness.openConnection();
  await expectTaken(mark, [c('idle.START[1]'), c('listening.SOCKET_ACCEPTED[0]')]);

  partner.send(MessageType.CONNECT, connectOptions(), 1);
  await partner.nextOfType(MessageType.CONNECTACK);
  partner.send(MessageType.STATE, stateOptions('NORMAL', false, harness.t0), 2);
  await expectTaken(mark, [
    c('awaiting-CONNECT.CONNECT_RECEIVED[0]'),
    c('awaiting-STATE.STATE_RECEIVED[0]'),
  ]);

  // tSend: a third of the partner's receive-timer of 30 s without sending (FO-7.9.1-h).
  harness.advance(10);
  await partner.nextOfType(MessageType.CONTACT);
  await expectTaken(mark, [c('communications-ok.TSEND_EXPIRED[0]')]);

  partner.close();
  await expectTaken(mark, [c('communications-ok.SOCKET_CLOSED[0]')]);
  await harness.peer.stop();
  await expectTaken(mark, [c('listening.STOP[0]')]);
}

async function secondaryTimersBeforeSTATE(): Promise<void> {
  const mark = recorder.mark;
  const harness = await secondary();
  const partner = await harness.openConnection();
  partner.send(MessageType.CONNECT, connectOptions(), 1);
  await partner.nextOfType(MessageType.CONNECTACK);
  // STARTUP ends first, and its STATE restarts tSend.
  harness.advance(5);
  harness.advance(10);
  await partner.nextOfType(MessageType.CONTACT);
  await expectTaken(mark, [c('awaiting-STATE.TSEND_EXPIRED[0]')]);

  // tReceive: our receive-timer of 30 s with nothing received ends it with DISCONNECT 17 (FO-8.3-c).
  harness.advance(15);
  const disconnect = await partner.nextOfType(MessageType.DISCONNECT);
  await partner.expectClosed();

  expect(findOption(disconnect, OptionCode.REJECT_REASON)).toBe(RejectReason.NO_TRAFFIC);
  await expectTaken(mark, [c('awaiting-STATE.TRECEIVE_EXPIRED[0]'), c('closing.SOCKET_CLOSED[0]')]);
}

async function secondaryReceiveTimerAfterSTATE(): Promise<void> {
  const mark = recorder.mark;
  const harness = await secondary();
  await harness.connect();
  harness.sendSTATE('NORMAL', false, harness.t0);
  await expectTaken(mark, [c('awaiting-STATE.STATE_RECEIVED[0]')]);
  harness.advance(30);
  const disconnect = await harness.requirePartner().nextOfType(MessageType.DISCONNECT);

  expect(findOption(disconnect, OptionCode.REJECT_REASON)).toBe(RejectReason.NO_TRAFFIC);
  await expectTaken(mark, [c('communications-ok.TRECEIVE_EXPIRED[0]')]);
}

async function secondaryDISCONNECT(afterSTATE: boolean): Promise<void> {
  const mark = recorder.mark;
  const harness = await secondary();
  await harness.connect();
  const state = afterSTATE ? 'communications-ok' : 'awaiting-STATE';
  if (afterSTATE) {
    harness.sendSTATE('NORMAL', false, harness.t0);
    await expectTaken(mark, [c('awaiting-STATE.STATE_RECEIVED[0]')]);
  }

  const partner = harness.requirePartner();
  partner.send(MessageType.DISCONNECT, [option(OptionCode.REJECT_REASON, 0)], 3);
  await partner.expectClosed();
  await expectTaken(mark, [c(`${state}.DISCONNECT_RECEIVED[0]`), c('closing.SOCKET_CLOSED[0]')]);
}

async function secondaryStops(afterSTATE: boolean): Promise<void> {
  const mark = recorder.mark;
  const harness = await secondary();
  await harness.connect();
  if (afterSTATE) {
    harness.sendSTATE('NORMAL', false, harness.t0);
    await expectTaken(mark, [c('awaiting-STATE.STATE_RECEIVED[0]')]);
  }

  const partner = harness.requirePartner();
  await harness.peer.stop();
  // FO-8.6-c: a stopping server sends DISCONNECT on the established connection.
  await partner.nextOfType(MessageType.DISCONNECT);
  await expectTaken(mark, [c(`${afterSTATE ? 'communications-ok' : 'awaiting-STATE'}.STOP[0]`)]);
}

/** Sends a STATE with server-state twice, which ends the connection through CLOSE (FO-8.6-c). */
async function secondaryClosesOnRepeatedOption(afterSTATE: boolean): Promise<void> {
  const mark = recorder.mark;
  const harness = await secondary();
  await harness.connect();
  const state = afterSTATE ? 'communications-ok' : 'awaiting-STATE';
  if (afterSTATE) {
    harness.sendSTATE('NORMAL', false, harness.t0);
    await expectTaken(mark, [c('awaiting-STATE.STATE_RECEIVED[0]')]);
  }

  const partner = harness.requirePartner();
  partner.send(
    MessageType.STATE,
    [...stateOptions('NORMAL', false, harness.t0), option(OptionCode.SERVER_STATE, 2)],
    2,
  );
  const disconnect = await partner.nextOfType(MessageType.DISCONNECT);
  await partner.expectClosed();

  expect(findOption(disconnect, OptionCode.REJECT_REASON)).toBe(RejectReason.UNKNOWN);
  await expectTaken(mark, [c(`${state}.CLOSE[0]`), c('closing.SOCKET_CLOSED[0]')]);
}

/** Pauses a primary before the partner's STATE, and PAUSED closes the connection (FO-9.13-a). */
async function primaryPausedBeforeSTATE(): Promise<void> {
  const mark = recorder.mark;
  const harness = await primary();
  await harness.connect();
  const partner = harness.requirePartner();
  const from = partner.received.length;
  harness.peer.pause();
  await partner.expectClosed();
  const [state, disconnect] = partner.received.slice(from);

  expect(partner.received.slice(from).map((message) => message.type)).toEqual([
    MessageType.STATE,
    MessageType.DISCONNECT,
  ]);
  expect(state === undefined ? undefined : serverStateOf(state)).toBe('PAUSED');
  expect(
    disconnect === undefined ? undefined : findOption(disconnect, OptionCode.REJECT_REASON),
  ).toBe(RejectReason.UNKNOWN);
  await expectTaken(mark, [c('awaiting-STATE.CLOSE[0]'), c('closing.SOCKET_CLOSED[2]')]);
}

async function secondaryClosedBeforeSTATE(): Promise<void> {
  const mark = recorder.mark;
  const harness = await secondary();
  await harness.connect();
  await harness.dropConnection();
  await expectTaken(mark, [c('awaiting-STATE.SOCKET_CLOSED[0]')]);
}

async function secondaryRejectsCONNECT(): Promise<void> {
  const mark = recorder.mark;
  const harness = await secondary();
  const partner = await harness.openConnection();
  partner.send(
    MessageType.CONNECT,
    connectOptions({ [OptionCode.RELATIONSHIP_NAME]: option(OptionCode.RELATIONSHIP_NAME, 'x') }),
    1,
  );
  const connectack = await partner.nextOfType(MessageType.CONNECTACK);
  await partner.expectClosed();

  expect(findOption(connectack, OptionCode.REJECT_REASON)).toBe(
    RejectReason.INVALID_FAILOVER_PARTNER,
  );
  await expectTaken(mark, [
    c('awaiting-CONNECT.CONNECT_RECEIVED[1]'),
    c('closing.SOCKET_CLOSED[0]'),
  ]);
}

/** Opens a connection to a secondary and waits until its connection machine took it. */
async function acceptedConnection(harness: PeerUnderTest, from: string): Promise<RawPartner> {
  const mark = recorder.mark;
  const partner = await harness.openConnection();
  await expectTaken(mark, [c(`${from}.SOCKET_ACCEPTED[0]`)]);
  return partner;
}

async function secondaryHandshakeFailures(): Promise<void> {
  const mark = recorder.mark;
  const harness = await secondary();
  const first = await acceptedConnection(harness, 'listening');
  // A newer connection replaces one still without CONNECT (FO-8.1-a).
  const second = await acceptedConnection(harness, 'awaiting-CONNECT');
  await first.expectClosed();

  // FO-7.8-a: a message other than CONNECT first closes the connection.
  second.send(MessageType.STATE, stateOptions('NORMAL', false, harness.t0), 1);
  await second.expectClosed();
  await expectTaken(mark, [c('awaiting-CONNECT.UNEXPECTED_MESSAGE[0]')]);

  // FO-7.8.2-a: no CONNECT within the receive-timer.
  const silent = await acceptedConnection(harness, 'listening');
  harness.advance(30);
  await silent.expectClosed();
  await expectTaken(mark, [c('awaiting-CONNECT.CONNECT_WAIT_EXPIRED[0]')]);

  const closing = await acceptedConnection(harness, 'listening');
  closing.close();
  await expectTaken(mark, [c('awaiting-CONNECT.SOCKET_CLOSED[0]')]);

  await acceptedConnection(harness, 'listening');
  await harness.peer.stop();
  await expectTaken(mark, [c('awaiting-CONNECT.STOP[0]')]);
}

/** Listening on a port in use fails the start, and the peer stops a link it never started. */
async function secondaryCannotListen(): Promise<void> {
  const mark = recorder.mark;
  const occupied = await RawListener.listen();
  const config = testConfig('secondary', `${temporaryDirectory()}/secondary.db`, {
    local: { address: '127.0.0.1', port: occupied.port },
  });
  try {
    await expect(startPeer(config, { inspect: recorder.inspect })).rejects.toThrow(/EADDRINUSE/);
  } finally {
    await occupied.close();
  }

  await expectTaken(mark, [c('idle.STOP[0]')]);
}

async function primaryLifecycle(): Promise<void> {
  const mark = recorder.mark;
  const harness = await primary();
  await harness.connect();
  await expectTaken(mark, [
    c('idle.START[0]'),
    c('connecting.SOCKET_CONNECTED[0]'),
    c('awaiting-CONNECTACK.CONNECTACK_RECEIVED[0]'),
  ]);
  harness.sendSTATE('NORMAL', false, harness.t0);
  await expectTaken(mark, [c('awaiting-STATE.STATE_RECEIVED[0]')]);
  await harness.dropConnection();
  await expectTaken(mark, [c('communications-ok.SOCKET_CLOSED[1]')]);

  // FO-8.6-a: after losing an established connection the primary connects again at once.
  await harness.connect();
  await expectTaken(mark, [c('retry-wait.RETRY_EXPIRED[0]'), c('connecting.SOCKET_CONNECTED[0]')]);
  await harness.dropConnection();
  await expectTaken(mark, [c('awaiting-STATE.SOCKET_CLOSED[1]')]);
}

async function primaryReceiveTimer(): Promise<void> {
  const mark = recorder.mark;
  const harness = await primary();
  await harness.connect();
  harness.sendSTATE('NORMAL', false, harness.t0);
  await expectTaken(mark, [c('awaiting-STATE.STATE_RECEIVED[0]')]);
  harness.advance(30);
  await harness.requirePartner().nextOfType(MessageType.DISCONNECT);
  await expectTaken(mark, [
    c('communications-ok.TRECEIVE_EXPIRED[0]'),
    c('closing.SOCKET_CLOSED[2]'),
  ]);
}

async function primaryRejectedCONNECTACK(by: 'us' | 'partner'): Promise<void> {
  const mark = recorder.mark;
  const harness = await primary();
  const { partner, connect } = await harness.acceptConnection();
  if (by === 'us') {
    // FO-7.9.2-f: a CONNECTACK 61 s off gets DISCONNECT 4 from us.
    const time = nowSeconds(harness.clock) - 61;
    partner.send(MessageType.CONNECTACK, connectackOptions(), connect.xid, time);
    const disconnect = await partner.nextOfType(MessageType.DISCONNECT);
    expect(findOption(disconnect, OptionCode.REJECT_REASON)).toBe(
      RejectReason.TIME_MISMATCH_TOO_GREAT,
    );
  } else {
    partner.send(
      MessageType.CONNECTACK,
      [
        option(OptionCode.RELATIONSHIP_NAME, RELATIONSHIP),
        option(OptionCode.PROTOCOL_VERSION, 1),
        option(OptionCode.REJECT_REASON, RejectReason.INVALID_FAILOVER_PARTNER),
      ],
      connect.xid,
    );
  }

  await partner.expectClosed();
  const index = by === 'us' ? 1 : 2;
  await expectTaken(mark, [
    c(`awaiting-CONNECTACK.CONNECTACK_RECEIVED[${index}]`),
    c('closing.SOCKET_CLOSED[1]'),
  ]);
  if (by === 'partner') {
    await harness.peer.stop();
    await expectTaken(mark, [c('backing-off.STOP[0]')]);
    return;
  }

  // FO-7.9-a: a minute before the next attempt.
  harness.advance(60);
  await harness.acceptConnection();
  await expectTaken(mark, [c('backing-off.RETRY_EXPIRED[0]')]);
}

async function primaryHandshakeFailures(): Promise<void> {
  const mark = recorder.mark;
  const harness = await primary();
  const first = await harness.acceptConnection();
  // FO-7.9.2-a: no CONNECTACK within the receive-timer.
  harness.advance(30);
  await first.partner.expectClosed();
  await expectTaken(mark, [
    c('awaiting-CONNECTACK.CONNECT_WAIT_EXPIRED[0]'),
    c('closing.SOCKET_CLOSED[3]'),
  ]);

  harness.advance(5);
  const second = await harness.acceptConnection();
  second.partner.send(MessageType.STATE, stateOptions('NORMAL', false, harness.t0), 1);
  await second.partner.expectClosed();
  await expectTaken(mark, [c('awaiting-CONNECTACK.UNEXPECTED_MESSAGE[0]')]);

  harness.advance(5);
  const third = await harness.acceptConnection();
  third.partner.close();
  await expectTaken(mark, [c('awaiting-CONNECTACK.SOCKET_CLOSED[0]')]);

  harness.advance(5);
  await harness.acceptConnection();
  await harness.peer.stop();
  await expectTaken(mark, [c('awaiting-CONNECTACK.STOP[0]')]);
}

async function primaryRefused(): Promise<void> {
  const mark = recorder.mark;
  const closed = await RawListener.listen();
  const port = closed.port;
  await closed.close();
  const config = testConfig('primary', `${temporaryDirectory()}/primary.db`, {
    peer: { address: '127.0.0.1', port },
  });
  const peer = await startPeer(config, { inspect: recorder.inspect });
  try {
    await expectTaken(mark, [c('connecting.SOCKET_FAILED[0]')]);
  } finally {
    await peer.stop();
  }

  await expectTaken(mark, [c('retry-wait.STOP[0]')]);
}

async function primaryStopsWhileConnecting(): Promise<void> {
  const mark = recorder.mark;
  const listener = await RawListener.listen();
  const config = testConfig('primary', `${temporaryDirectory()}/primary.db`, {
    peer: { address: '127.0.0.1', port: listener.port },
  });
  const peer = await startPeer(config, { inspect: recorder.inspect });
  await peer.stop();
  await listener.close();
  await expectTaken(mark, [c('connecting.STOP[0]')]);
}

export const connectionPaths: ScriptedPath[] = [
  {
    id: c('secondary-lifecycle'),
    title: 'secondary is ok on the first STATE and sends CONTACT after tSend (FO-8.3-a, ISC-5)',
    run: secondaryLifecycle,
  },
  {
    id: c('secondary-timers'),
    title: 'secondary sends CONTACT and DISCONNECT 17 before any STATE (FO-7.9.1-h, FO-8.3-c)',
    run: secondaryTimersBeforeSTATE,
  },
  {
    id: c('secondary-receive-timer'),
    title: 'secondary sends DISCONNECT 17 after STATE and silence (FO-8.3-c)',
    run: secondaryReceiveTimerAfterSTATE,
  },
  {
    id: c('secondary-disconnect-early'),
    title: 'secondary closes on DISCONNECT before STATE (FO-7.12.2-a)',
    run: () => secondaryDISCONNECT(false),
  },
  {
    id: c('secondary-disconnect'),
    title: 'secondary closes on DISCONNECT after STATE (FO-7.12.2-a)',
    run: () => secondaryDISCONNECT(true),
  },
  {
    id: c('secondary-stop-early'),
    title: 'secondary stops before STATE with DISCONNECT (FO-8.6-c)',
    run: () => secondaryStops(false),
  },
  {
    id: c('secondary-stop'),
    title: 'secondary stops after STATE with DISCONNECT (FO-8.6-c)',
    run: () => secondaryStops(true),
  },
  {
    id: c('secondary-closed-early'),
    title: 'secondary listens again after a close before STATE (FO-8.2-j)',
    run: secondaryClosedBeforeSTATE,
  },
  {
    id: c('secondary-close-early'),
    title: 'secondary sends DISCONNECT 254 and closes on a malformed first STATE (FO-8.6-c)',
    run: () => secondaryClosesOnRepeatedOption(false),
  },
  {
    id: c('secondary-close'),
    title: 'secondary sends DISCONNECT 254 and closes on a second, malformed STATE (FO-8.6-c)',
    run: () => secondaryClosesOnRepeatedOption(true),
  },
  {
    id: c('primary-pause'),
    title: 'primary sends STATE(PAUSED), then DISCONNECT, and closes when paused (FO-9.13-a)',
    run: primaryPausedBeforeSTATE,
  },
  {
    id: c('secondary-reject'),
    title: 'secondary rejects a CONNECT for another relationship',
    run: secondaryRejectsCONNECT,
  },
  {
    id: c('secondary-handshake'),
    title: 'secondary drops replaced, early-talking and silent connections (FO-7.8.2-a, FO-7.8-a)',
    run: secondaryHandshakeFailures,
  },
  {
    id: c('secondary-port-in-use'),
    title: 'secondary stops unstarted when its port is in use',
    run: secondaryCannotListen,
  },
  {
    id: c('primary-lifecycle'),
    title: 'primary sends CONNECT first and reconnects at once after a loss (FO-8.2-c, FO-8.6-a)',
    run: primaryLifecycle,
  },
  {
    id: c('primary-receive-timer'),
    title: 'primary sends DISCONNECT 17 after silence and retries (FO-8.3-c)',
    run: primaryReceiveTimer,
  },
  {
    id: c('primary-rejects-connectack'),
    title: 'primary rejects a skewed CONNECTACK and backs off (FO-7.9.2-f, FO-7.9-a)',
    run: () => primaryRejectedCONNECTACK('us'),
  },
  {
    id: c('primary-rejected'),
    title: 'primary backs off after a rejecting CONNECTACK (FO-7.9.2-c, FO-7.9-a)',
    run: () => primaryRejectedCONNECTACK('partner'),
  },
  {
    id: c('primary-handshake'),
    title: 'primary drops silent, early-talking and closed connections (FO-7.9.2-a)',
    run: primaryHandshakeFailures,
  },
  {
    id: c('primary-refused'),
    title: 'primary waits connect-retry after a refused connection (FO-8.2-b)',
    run: primaryRefused,
  },
  {
    id: c('primary-stop-connecting'),
    title: 'primary stops while its connection is opening',
    run: primaryStopsWhileConnecting,
  },
];
