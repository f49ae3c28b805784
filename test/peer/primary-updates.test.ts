import { describe, expect, it, onTestFinished } from 'vitest';
import { join } from 'node:path';
import { sampleActiveBindings } from '../../src/endpoint/sample-bindings.js';
import { findOption, option } from '../../src/peer/options.js';
import { nowSeconds } from '../../src/peer/timers.js';
import { openLeaseStore } from '../../src/store/sqlite-store.js';
import { MessageType, OptionCode, RejectReason } from '../../src/wire/codes.js';
import type { FailoverMessage } from '../../src/wire/types.js';
import { RawListener, type RawPartner } from './raw-partner.js';
import {
  connectackOptions,
  POOL,
  RELATIONSHIP,
  secondsOf,
  startTestPeer,
  stateOptions,
  temporaryDirectory,
  testConfig,
  type StartedPeer,
} from './peer-fixtures.js';

interface PrimaryUnderTest extends StartedPeer {
  listener: RawListener;
  partner: RawPartner;
  connect: FailoverMessage;
  storePath: string;
}

async function listen(): Promise<RawListener> {
  const listener = await RawListener.listen();
  onTestFinished(() => listener.close());
  return listener;
}

/** Starts a primary with `leases` pending ACTIVE bindings and accepts its connection. */
async function connectedPrimary(leases: number, listener?: RawListener): Promise<PrimaryUnderTest> {
  const secondary = listener ?? (await listen());
  const storePath = join(temporaryDirectory(), 'primary.db');
  const seed = openLeaseStore(storePath);
  seed.putBindings(
    sampleActiveBindings(leases, POOL.start, Math.floor(Date.UTC(2026, 0, 1) / 1000)),
  );
  seed.close();
  const started = await startTestPeer(
    testConfig('primary', storePath, {
      peer: { address: '127.0.0.1', port: secondary.port },
      mclt: 600,
    }),
  );
  const partner = await secondary.accept(secondsOf(started.clock));
  const connect = await partner.next();
  return { ...started, listener: secondary, partner, connect, storePath };
}

/** Replies to CONNECT and STATE, so the primary enters RECOVER and sends its UPDREQALL. */
async function syncing(primary: PrimaryUnderTest, maxUnacked: number): Promise<void> {
  const { partner, connect, clock } = primary;
  partner.send(MessageType.CONNECTACK, connectackOptions(maxUnacked), connect.xid);
  await partner.nextOfType(MessageType.STATE);
  partner.send(MessageType.STATE, stateOptions('RECOVER', false, nowSeconds(clock)), 1);
  await partner.nextOfType(MessageType.UPDREQALL);
}

function addressesOf(message: FailoverMessage): string[] {
  return message.options.flatMap((item) =>
    item.code === OptionCode.ASSIGNED_IP_ADDRESS && 'value' in item ? [item.value] : [],
  );
}

describe('primary CONNECT', () => {
  it('sends CONNECT first, xid 0, with the options in ISC order (ISC-2, ISC-3)', async () => {
    const { connect, partner } = await connectedPrimary(0);

    expect(connect.type).toBe(MessageType.CONNECT);
    expect(connect.xid).toBe(0);
    expect(connect.options.map((item) => item.code)).toEqual([22, 14, 19, 28, 20, 27, 15, 11]);
    expect(findOption(connect, OptionCode.RELATIONSHIP_NAME)).toBe(RELATIONSHIP);
    expect(findOption(connect, OptionCode.MCLT)).toBe(600);
    expect(findOption(connect, OptionCode.TLS_REQUEST)).toBe(0);
    expect(findOption(connect, OptionCode.VENDOR_CLASS_IDENTIFIER)).toMatch(/^dhcpf-/);
    partner.close();
  });

  it('sends the split 128 map: buckets 0-127 set for the primary (ISC-6)', async () => {
    const { connect, partner } = await connectedPrimary(0);

    const map = findOption(connect, OptionCode.HASH_BUCKET_ASSIGNMENT);

    expect(Array.from(map ?? [])).toEqual([...Array(16).fill(0xff), ...Array(16).fill(0)]);
    partner.close();
  });

  it('sends DISCONNECT 4 for a CONNECTACK 61 s off and closes (FO-7.9.2-f)', async () => {
    const { connect, partner, clock } = await connectedPrimary(0);

    partner.send(MessageType.CONNECTACK, connectackOptions(), connect.xid, nowSeconds(clock) - 61);
    const disconnect = await partner.nextOfType(MessageType.DISCONNECT);
    await partner.expectClosed();

    expect(findOption(disconnect, OptionCode.REJECT_REASON)).toBe(
      RejectReason.TIME_MISMATCH_TOO_GREAT,
    );
  });

  it('closes on a rejecting CONNECTACK and waits a minute to retry (FO-7.9.2-c, FO-7.9-a)', async () => {
    const { connect, partner, clock, listener } = await connectedPrimary(0);

    partner.send(
      MessageType.CONNECTACK,
      [
        option(OptionCode.RELATIONSHIP_NAME, RELATIONSHIP),
        option(OptionCode.PROTOCOL_VERSION, 1),
        option(OptionCode.REJECT_REASON, RejectReason.INVALID_FAILOVER_PARTNER),
        option(OptionCode.MESSAGE, 'unknown failover relationship name'),
      ],
      connect.xid,
    );
    await partner.expectClosed();
    clock.advance(59_000);
    await new Promise((resolve) => setTimeout(resolve, 30));
    const earlyAttempts = listener.waitingConnections;
    clock.advance(1_000);
    const retry = await listener.accept(secondsOf(clock));
    const second = await retry.next();

    expect(earlyAttempts).toBe(0);
    expect(second.type).toBe(MessageType.CONNECT);
    retry.close();
  });

  it('retries a refused connection every connectRetrySeconds (FO-8.2-b)', async () => {
    const placeholder = await RawListener.listen();
    const port = placeholder.port;
    await placeholder.close();
    const storePath = join(temporaryDirectory(), 'primary.db');
    const { clock } = await startTestPeer(
      testConfig('primary', storePath, {
        peer: { address: '127.0.0.1', port },
        connectRetrySeconds: 5,
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    const listener = await RawListener.listenOn(port);
    onTestFinished(() => listener.close());

    clock.advance(5_000);
    const partner = await listener.accept(secondsOf(clock));
    const connect = await partner.next();

    expect(connect.type).toBe(MessageType.CONNECT);
    partner.close();
  });
});

describe('primary BNDUPD window', () => {
  it('never has more BNDUPDs outstanding than max-unacked-bndupd (FO-8.4-a, FO-7.3.2-d)', async () => {
    const primary = await connectedPrimary(40);
    const { partner } = primary;
    await syncing(primary, 4);

    partner.send(MessageType.UPDREQALL, [], 77);
    let outstanding: FailoverMessage[] = [];
    let maxOutstanding = 0;
    let acked = 0;
    let done: FailoverMessage | undefined;
    while (done === undefined) {
      const message = await partner.next();
      if (message.type === MessageType.UPDDONE) {
        done = message;
      } else if (message.type === MessageType.BNDUPD) {
        outstanding.push(message);
        maxOutstanding = Math.max(maxOutstanding, outstanding.length);
      }

      if (outstanding.length === 4) {
        for (const bndupd of outstanding) {
          partner.send(
            MessageType.BNDACK,
            [option(OptionCode.ASSIGNED_IP_ADDRESS, addressesOf(bndupd)[0] ?? '')],
            bndupd.xid,
          );
        }
        acked += outstanding.length;
        outstanding = [];
      }
    }

    expect(maxOutstanding).toBe(4);
    expect(acked).toBe(40);
    expect(done.xid).toBe(77);
    expect(primary.peer.store.countPending()).toBe(0);
    partner.close();
  });

  it('skips xid 0 for BNDUPD and gives every message its own xid (ISC-2, FO-6.1-f)', async () => {
    const primary = await connectedPrimary(3);
    const { partner } = primary;
    await syncing(primary, 10);

    partner.send(MessageType.UPDREQALL, [], 78);
    const bndupds = [
      await partner.nextOfType(MessageType.BNDUPD),
      await partner.nextOfType(MessageType.BNDUPD),
      await partner.nextOfType(MessageType.BNDUPD),
    ];
    const ownXids = partner.received
      .filter((message) => message.type !== MessageType.UPDDONE)
      .map((message) => message.xid);

    expect(bndupds.every((message) => message.xid !== 0)).toBe(true);
    expect(new Set(ownXids).size).toBe(ownXids.length);
    partner.close();
  });

  it('records the acknowledged potential-expiration-time (FO-7.2.2-a)', async () => {
    const primary = await connectedPrimary(1);
    const { partner } = primary;
    await syncing(primary, 10);

    partner.send(MessageType.UPDREQALL, [], 79);
    const bndupd = await partner.nextOfType(MessageType.BNDUPD);
    partner.send(
      MessageType.BNDACK,
      [option(OptionCode.ASSIGNED_IP_ADDRESS, POOL.start)],
      bndupd.xid,
    );
    await partner.nextOfType(MessageType.UPDDONE);
    const stored = primary.peer.store.getBinding(POOL.start);

    expect(stored?.ackedPet).toBe(findOption(bndupd, OptionCode.POTENTIAL_EXPIRATION_TIME));
    expect(stored?.pendingUpdate).toBe(false);
    partner.close();
  });

  it('does not resend a rejected update until the next request (FO-7.2.2-b, FO-7.5-b)', async () => {
    const primary = await connectedPrimary(1);
    const { partner } = primary;
    await syncing(primary, 10);

    partner.send(MessageType.UPDREQALL, [], 80);
    const bndupd = await partner.nextOfType(MessageType.BNDUPD);
    partner.send(
      MessageType.BNDACK,
      [
        option(OptionCode.ASSIGNED_IP_ADDRESS, POOL.start),
        option(OptionCode.REJECT_REASON, RejectReason.OUTDATED_BINDING_INFORMATION),
        option(OptionCode.MESSAGE, 'outdated'),
      ],
      bndupd.xid,
    );
    const afterReject = await partner.next();
    partner.send(MessageType.UPDREQ, [], 81);
    const resent = await partner.next();
    partner.send(
      MessageType.BNDACK,
      [option(OptionCode.ASSIGNED_IP_ADDRESS, POOL.start)],
      resent.xid,
    );
    const secondDone = await partner.nextOfType(MessageType.UPDDONE);

    expect(afterReject.type).toBe(MessageType.UPDDONE);
    expect(afterReject.xid).toBe(80);
    expect(resent.type).toBe(MessageType.BNDUPD);
    expect(addressesOf(resent)).toEqual([POOL.start]);
    expect(secondDone.xid).toBe(81);
    expect(primary.peer.store.getBinding(POOL.start)?.pendingUpdate).toBe(false);
    partner.close();
  });

  it('answers POOLREQ with addresses-transferred 0 (FO-7.7.1-a)', async () => {
    const primary = await connectedPrimary(0);
    const { partner } = primary;
    await syncing(primary, 10);

    partner.send(MessageType.POOLREQ, [], 82);
    const poolresp = await partner.nextOfType(MessageType.POOLRESP);

    expect(poolresp.xid).toBe(82);
    expect(findOption(poolresp, OptionCode.ADDRESSES_TRANSFERRED)).toBe(0);
    partner.close();
  });
});
