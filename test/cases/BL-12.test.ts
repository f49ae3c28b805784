// BL-12: partners that disagree about who they are (relationship name, both secondary, both
// primary) never reach NORMAL: a mismatched CONNECT gets reject-reason 8, and a server that never
// sees its partner connect raises an alarm when STARTUP ends.

import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { findOption, option } from '../../src/peer/options.js';
import type { ManualClock } from '../../src/peer/timers.js';
import { MessageType, OptionCode, RejectReason } from '../../src/wire/codes.js';
import { RawPartner } from '../peer/raw-partner.js';
import {
  connectOptions,
  RELATIONSHIP,
  secondsOf,
  startTestPeer,
  temporaryDirectory,
  testConfig,
  type StartedPeer,
} from '../peer/peer-fixtures.js';
import {
  caseConnectOptions,
  clockAt,
  expectReplyLike,
  hexBytes,
  NORMAL_BEFORE_T0,
  primaryWithPartner,
  secondaryWithPartner,
  seedStore,
  settle,
} from './case-support.js';

const CONNECT_NAME_FO_TEST2 =
  '00 66 05 0c 65 53 f1 00 00 00 00 12 00 16 00 08 66 6f 2d 74 65 73 74 32 00 0e 00 04 00 00 00 0a 00 13 00 04 00 00 00 1e 00 1c 00 04 74 65 73 74 00 14 00 01 01 00 1b 00 01 00 00 0f 00 04 00 00 0e 10 00 0b 00 20 ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00';
// dhcpd's rejecting CONNECTACK, except that dhcpd echoes the CONNECT's relationship-name fo-test2
// where this server sends its own, fo-test, so the reply cannot grow with a long received name.
const CONNECTACK_REJECT_8 =
  '00 4c 06 0c 65 53 f1 00 00 00 00 12 00 16 00 07 66 6f 2d 74 65 73 74 00 14 00 01 01 00 1a 00 01 00 00 15 00 01 08 00 10 00 22 75 6e 6b 6e 6f 77 6e 20 66 61 69 6c 6f 76 65 72 20 72 65 6c 61 74 69 6f 6e 73 68 69 70 20 6e 61 6d 65';
const CONNECT_NAME_FO_TEST =
  '00 65 05 0c 65 53 f1 00 00 00 00 10 00 16 00 07 66 6f 2d 74 65 73 74 00 0e 00 04 00 00 00 0a 00 13 00 04 00 00 00 1e 00 1c 00 04 74 65 73 74 00 14 00 01 01 00 1b 00 01 00 00 0f 00 04 00 00 0e 10 00 0b 00 20 ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00';

/** Starts a server of `role` that was in NORMAL before T0, with no partner that answers. */
async function lonePeer(role: 'primary' | 'secondary', name: string): Promise<StartedPeer> {
  const storePath = join(temporaryDirectory(), `${name}.db`);
  seedStore(storePath, { record: NORMAL_BEFORE_T0 });
  return startTestPeer(testConfig(role, storePath), clockAt());
}

describe('BL-12 relationship name', () => {
  it('BL-12: rejects a CONNECT named fo-test2 with reject-reason 8 and no state change (FO-7.8.2-f, FO-7.9.1-b)', async () => {
    const { peer, partner } = await secondaryWithPartner({ seed: { record: NORMAL_BEFORE_T0 } });

    partner.sendBytes(hexBytes(CONNECT_NAME_FO_TEST2));
    const connectack = await partner.next();
    await partner.expectClosed();

    expectReplyLike(connectack, CONNECTACK_REJECT_8);
    expect(findOption(connectack, OptionCode.RELATIONSHIP_NAME)).toBe(RELATIONSHIP);
    expect(peer.state).toBe('STARTUP');
  });

  it('BL-12: accepts the control CONNECT named fo-test after rejecting fo-test2 (FO-7.9.1-a)', async () => {
    const { peer, partner, clock } = await secondaryWithPartner();
    partner.sendBytes(hexBytes(CONNECT_NAME_FO_TEST2));
    await partner.expectClosed();

    const control = await RawPartner.connect(peer.listeningPort ?? 0, secondsOf(clock));
    control.sendBytes(hexBytes(CONNECT_NAME_FO_TEST));
    const connectack = await control.next();

    expect(connectack.xid).toBe(0x10);
    expect(findOption(connectack, OptionCode.RELATIONSHIP_NAME)).toBe(RELATIONSHIP);
    expect(findOption(connectack, OptionCode.REJECT_REASON)).toBeUndefined();
    control.close();
  });

  it.each([
    ['no relationship-name', null],
    ['relationship-name FO-TEST', option(OptionCode.RELATIONSHIP_NAME, 'FO-TEST')],
    [
      'relationship-name fo-test with a trailing NUL',
      option(OptionCode.RELATIONSHIP_NAME, 'fo-test\0'),
    ],
  ])('BL-12: rejects a CONNECT with %s with reject-reason 8 (FO-7.8.2-f)', async (_, name) => {
    const { partner } = await secondaryWithPartner();

    partner.send(
      MessageType.CONNECT,
      connectOptions({ [OptionCode.RELATIONSHIP_NAME]: name }),
      0x12,
    );
    const connectack = await partner.next();
    await partner.expectClosed();

    expect(findOption(connectack, OptionCode.REJECT_REASON)).toBe(
      RejectReason.INVALID_FAILOVER_PARTNER,
    );
  });

  it('BL-12: closes a connection from an address other than the configured partner unread (FO-7.8.2-f)', async () => {
    const { peer, clock } = await secondaryWithPartner();

    const stranger = await RawPartner.connect(
      peer.listeningPort ?? 0,
      secondsOf(clock),
      '127.0.0.2',
    );
    stranger.sendBytes(hexBytes(CONNECT_NAME_FO_TEST));
    await stranger.expectClosed();

    expect(stranger.received).toEqual([]);
  });
});

describe('BL-12 both servers secondary', () => {
  it('BL-12: leaves STARTUP for COMMUNICATIONS-INTERRUPTED with an alarm and never reaches NORMAL (FO-7.8-a, FO-9.3.2-g)', async () => {
    const first = await lonePeer('secondary', 'first');
    const second = await lonePeer('secondary', 'second');

    for (const { clock } of [first, second]) {
      clock.advance(5_000);
    }
    for (const { clock } of [first, second]) {
      clock.advance(3_600_000);
    }

    for (const { peer, log } of [first, second]) {
      const alarm = log.withEvent('alarm.raised').find((line) => line['state'] === 'STARTUP');
      expect(peer.state).toBe('COMMUNICATIONS-INTERRUPTED');
      expect(alarm?.['awaited']).toBe('CONNECT');
      expect(log.withEvent('state.change').map((line) => line['to'])).not.toContain('NORMAL');
      expect(log.withEvent('message.sent')).toEqual([]);
    }
  });

  it('BL-12: keeps listening after STARTUP ends without a CONNECT (FO-7.8.2-a)', async () => {
    const { peer, clock } = await lonePeer('secondary', 'lone');
    clock.advance(5_000);

    const late = await RawPartner.connect(peer.listeningPort ?? 0, secondsOf(clock));
    late.send(MessageType.CONNECT, caseConnectOptions(), 0x13);
    const connectack = await late.next();

    expect(findOption(connectack, OptionCode.REJECT_REASON)).toBeUndefined();
    late.close();
  });
});

describe('BL-12 both servers primary', () => {
  it('BL-12: waits a minute before connecting again after a CONNECTACK with reject-reason 8 (FO-7.9-a)', async () => {
    const { peer, partner, connect, clock, listener } = await primaryWithPartner({
      seed: { record: NORMAL_BEFORE_T0 },
    });

    partner.send(
      MessageType.CONNECTACK,
      [
        option(OptionCode.RELATIONSHIP_NAME, RELATIONSHIP),
        option(OptionCode.PROTOCOL_VERSION, 1),
        option(OptionCode.TLS_REPLY, 0),
        option(OptionCode.REJECT_REASON, RejectReason.INVALID_FAILOVER_PARTNER),
        option(OptionCode.MESSAGE, 'unknown failover relationship name'),
      ],
      connect.xid,
    );
    await partner.expectClosed();
    clock.advance(59_000);
    await settle();
    const waitingBefore = listener.waitingConnections;
    clock.advance(1_000);
    const retry = await listener.accept(secondsOf(clock));
    await retry.nextOfType(MessageType.CONNECT);

    expect(waitingBefore).toBe(0);
    expect(peer.state).toBe('COMMUNICATIONS-INTERRUPTED');
    retry.close();
  });

  it('BL-12: leaves STARTUP with an alarm when no partner accepts its CONNECT (FO-9.3.2-g)', async () => {
    const first = await lonePeer('primary', 'first');
    const second = await lonePeer('primary', 'second');

    for (const { clock } of [first, second]) {
      clock.advance(5_000);
    }

    for (const { peer, log } of [first, second]) {
      const alarm = log.withEvent('alarm.raised').find((line) => line['state'] === 'STARTUP');
      expect(peer.state).toBe('COMMUNICATIONS-INTERRUPTED');
      expect(alarm?.['awaited']).toBe('accepting CONNECTACK');
    }
  });

  it('BL-12: answers a CONNECT that reaches a primary with reject-reason 8 (FO-8.2-a, FO-7.8.2-f)', async () => {
    const { peer, clock, log } = await primaryWithPartner({ seed: { record: NORMAL_BEFORE_T0 } });
    const stateChangesBefore = log.withEvent('state.change').length;
    const incoming = await RawPartner.connect(peer.listeningPort ?? 0, secondsOf(clock));
    onTestFinished(() => incoming.close());

    incoming.sendBytes(hexBytes(CONNECT_NAME_FO_TEST));
    const connectack = await incoming.next();
    await incoming.expectClosed();

    expect(connectack.type).toBe(MessageType.CONNECTACK);
    expect(connectack.xid).toBe(0x10);
    expect(findOption(connectack, OptionCode.REJECT_REASON)).toBe(
      RejectReason.INVALID_FAILOVER_PARTNER,
    );
    expect(findOption(connectack, OptionCode.RELATIONSHIP_NAME)).toBe(RELATIONSHIP);
    expect(findOption(connectack, OptionCode.MESSAGE)).toMatch(/both servers are primary/);
    expect(peer.state).toBe('STARTUP');
    expect(log.withEvent('state.change')).toHaveLength(stateChangesBefore);
  });

  it('BL-12: two primaries stay out of NORMAL, retrying once a minute (FO-8.2-a, FO-7.9-a)', async () => {
    const clock = clockAt();
    const relay = await Relay.open();
    const first = await primaryTowards(relay.port, 'first', clock);
    const second = await primaryTowards(first.peer.listeningPort ?? 0, 'second', clock);
    relay.forwardTo(second.peer.listeningPort ?? 0);
    const both = [first, second];

    await waitUntil(() => both.every((started) => rejectedCONNECTs(started) === 1));
    clock.advance(59_000);
    await settle();
    const attemptsBeforeMinute = both.map(rejectedCONNECTs);
    clock.advance(1_000);
    await waitUntil(() => both.every((started) => rejectedCONNECTs(started) === 2));

    expect(attemptsBeforeMinute).toEqual([1, 1]);
    for (const { peer, log } of both) {
      const rejected = log.withEvent('message.rejected').find((line) => {
        return line['messageType'] === 'CONNECTACK';
      });
      expect(rejected?.['rejectReason']).toBe(RejectReason.INVALID_FAILOVER_PARTNER);
      expect(peer.state).toBe('COMMUNICATIONS-INTERRUPTED');
      expect(log.withEvent('state.change').map((line) => line['to'])).not.toContain('NORMAL');
    }
  });
});

/** Starts a primary that was in NORMAL before T0 and connects to `peerPort` on 127.0.0.1. */
async function primaryTowards(
  peerPort: number,
  name: string,
  clock: ManualClock,
): Promise<StartedPeer> {
  const storePath = join(temporaryDirectory(), `${name}.db`);
  seedStore(storePath, { record: NORMAL_BEFORE_T0 });
  const config = testConfig('primary', storePath, {
    peer: { address: '127.0.0.1', port: peerPort },
  });
  return startTestPeer(config, clock);
}

/** Counts the CONNECTs a server rejected, which are its partner's connection attempts. */
function rejectedCONNECTs({ log }: StartedPeer): number {
  return log.withEvent('message.rejected').filter((line) => line['messageType'] === 'CONNECT')
    .length;
}

/** Resolves once `condition` holds; rejects after a few seconds. */
async function waitUntil(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error('condition still false after 5000 ms');
    }

    await settle(10);
  }
}

/**
 * A TCP relay on 127.0.0.1 that holds each connection until `forwardTo` names the port to pass it
 * to. Two primaries each need the other's listening port in their config, so the first one
 * started connects to the relay, which forwards to the second once that one listens.
 */
class Relay {
  private readonly sockets = new Set<Socket>();
  private resolveTarget: (port: number) => void = () => undefined;
  private readonly target = new Promise<number>((resolve) => {
    this.resolveTarget = resolve;
  });

  private constructor(private readonly server: Server) {
    server.on('connection', (socket) => void this.relay(socket));
  }

  static async open(): Promise<Relay> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const relay = new Relay(server);
    onTestFinished(() => relay.close());
    return relay;
  }

  get port(): number {
    const address = this.server.address();
    return typeof address === 'object' && address !== null ? address.port : 0;
  }

  forwardTo(port: number): void {
    this.resolveTarget(port);
  }

  private async relay(incoming: Socket): Promise<void> {
    this.track(incoming);
    const port = await this.target;
    const outgoing = connect({ host: '127.0.0.1', port });
    this.track(outgoing);
    incoming.pipe(outgoing).pipe(incoming);
    for (const [socket, other] of [
      [incoming, outgoing],
      [outgoing, incoming],
    ] as const) {
      socket.on('close', () => other.destroy());
      socket.on('error', () => other.destroy());
    }
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
  }

  private close(): Promise<void> {
    for (const socket of this.sockets) {
      socket.destroy();
    }

    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
