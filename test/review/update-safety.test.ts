import { describe, expect, it, onTestFinished } from 'vitest';
import { join } from 'node:path';
import { startPeer } from '../../src/endpoint/peer.js';
import { sampleActiveBindings } from '../../src/endpoint/sample-bindings.js';
import { findOption, option } from '../../src/peer/options.js';
import { openLeaseStore } from '../../src/store/sqlite-store.js';
import { BindingStatus, IP_FLAG_BOOTP, MessageType, OptionCode } from '../../src/wire/codes.js';
import type { FailoverMessage } from '../../src/wire/types.js';
import { RawListener, type RawPartner } from '../peer/raw-partner.js';
import {
  connectackOptions,
  connectOptions,
  POOL,
  secondsOf,
  startTestPeer,
  stateOptions,
  temporaryDirectory,
  testConfig,
} from '../peer/peer-fixtures.js';
import {
  activeTransaction,
  connectFromPartner,
  establishedSecondary,
  nowOf,
  settle,
  storedBindings,
} from './review-fixtures.js';

function addressesOf(message: FailoverMessage): string[] {
  return message.options.flatMap((item) =>
    item.code === OptionCode.ASSIGNED_IP_ADDRESS && 'value' in item ? [item.value] : [],
  );
}

function acknowledge(partner: RawPartner, bndupd: FailoverMessage): void {
  const addresses = addressesOf(bndupd).map((address) =>
    option(OptionCode.ASSIGNED_IP_ADDRESS, address),
  );
  partner.send(MessageType.BNDACK, addresses, bndupd.xid);
}

/** Starts a primary holding `leases` pending ACTIVE bindings, connected to a scripted secondary. */
async function primaryInRecover(leases: number, maxUnacked: number) {
  const listener = await RawListener.listen();
  onTestFinished(() => listener.close());
  const storePath = join(temporaryDirectory(), 'primary.db');
  const seed = openLeaseStore(storePath);
  seed.putBindings(sampleActiveBindings(leases, POOL.start, Date.UTC(2026, 0, 1) / 1000));
  seed.close();
  const started = await startTestPeer(
    testConfig('primary', storePath, { peer: { address: '127.0.0.1', port: listener.port } }),
  );
  const partner = await listener.accept(secondsOf(started.clock));
  const connect = await partner.next();
  partner.send(MessageType.CONNECTACK, connectackOptions(maxUnacked), connect.xid);
  await partner.nextOfType(MessageType.STATE);
  partner.send(MessageType.STATE, stateOptions('RECOVER', false, nowOf(started)), 1);
  await partner.nextOfType(MessageType.UPDREQALL);
  return { ...started, partner };
}

describe('BNDACK only after commit, only on the same connection', () => {
  it('commits a BNDUPD cut off by a close and never acks it on the next connection (FO-7.2-b)', async () => {
    const started = await establishedSecondary();
    const { partner, storePath } = started;

    partner.send(MessageType.BNDUPD, activeTransaction('192.0.2.60', nowOf(started) + 600), 61);
    partner.socket.end();
    await partner.closed;
    const next = await connectFromPartner(started);
    next.send(MessageType.CONNECT, connectOptions(), 0);
    await next.nextOfType(MessageType.CONNECTACK);
    next.send(MessageType.BNDUPD, activeTransaction('192.0.2.61', nowOf(started) + 600, 2), 62);
    await next.nextOfType(MessageType.BNDACK);
    await settle();
    const bndacks = next.received.filter((message) => message.type === MessageType.BNDACK);

    expect(bndacks.map((message) => message.xid)).toEqual([62]);
    expect(storedBindings(storePath).map((binding) => binding.address)).toEqual([
      '192.0.2.60',
      '192.0.2.61',
    ]);
    next.close();
  });

  it('keeps every acknowledged binding and the adopted MCLT across a restart (FO-5.2.1-f, FO-7.8.2-h)', async () => {
    const started = await establishedSecondary();
    const { partner, peer, storePath, clock } = started;
    const now = nowOf(started);
    for (let index = 0; index < 5; index++) {
      const address = `192.0.2.${70 + index}`;
      partner.send(MessageType.BNDUPD, activeTransaction(address, now + 600, index), 70 + index);
      await partner.nextOfType(MessageType.BNDACK);
    }
    const acknowledged = storedBindings(storePath);

    partner.close();
    await peer.stop();
    const restarted = await startPeer(peer.config, { clock });
    onTestFinished(() => restarted.stop());

    expect(acknowledged).toHaveLength(5);
    expect([...restarted.store.allBindings()]).toEqual(acknowledged);
    expect(restarted.mclt).toBe(600);
  });
});

describe('max-unacked-bndupd and UPDDONE against a hostile secondary', () => {
  it('stays within the window and sends UPDDONE only after the last BNDACK (FO-8.4-a, FO-7.3.2-b)', async () => {
    const { partner, peer } = await primaryInRecover(9, 3);

    partner.send(MessageType.UPDREQALL, [], 90);
    const answered = new Set<number>();
    let maxOutstanding = 0;
    let doneTooEarly = false;
    let withheld: FailoverMessage | undefined;
    for (let round = 0; round < 3; round++) {
      const batch = [
        await partner.nextOfType(MessageType.BNDUPD),
        await partner.nextOfType(MessageType.BNDUPD),
        await partner.nextOfType(MessageType.BNDUPD),
      ];
      await settle();
      const outstanding = partner.received.filter(
        (message) => message.type === MessageType.BNDUPD && !answered.has(message.xid),
      );
      maxOutstanding = Math.max(maxOutstanding, outstanding.length);
      // An ack for an xid never sent and a repeated ack must not open the window further.
      partner.send(MessageType.BNDACK, [option(OptionCode.ASSIGNED_IP_ADDRESS, POOL.start)], 9999);
      withheld = round === 2 ? batch.pop() : undefined;
      for (const bndupd of batch) {
        acknowledge(partner, bndupd);
        acknowledge(partner, bndupd);
        answered.add(bndupd.xid);
      }
      await settle();
      doneTooEarly ||= partner.received.some((message) => message.type === MessageType.UPDDONE);
    }
    if (withheld !== undefined) {
      acknowledge(partner, withheld);
    }
    const done = await partner.nextOfType(MessageType.UPDDONE);

    expect(maxOutstanding).toBe(3);
    expect(doneTooEarly).toBe(false);
    expect(done.xid).toBe(90);
    expect(peer.store.countPending()).toBe(0);
    partner.close();
  });
});

describe('UPDREQALL', () => {
  it('sends every binding again after an UPDREQALL cut off by a reconnect (FO-7.4.2-b, FO-5.17-b)', async () => {
    const started = await establishedSecondary();
    const { partner } = started;
    const now = nowOf(started);
    for (let index = 0; index < 3; index++) {
      const address = `192.0.2.${80 + index}`;
      partner.send(MessageType.BNDUPD, activeTransaction(address, now + 600, index), 80 + index);
      await partner.nextOfType(MessageType.BNDACK);
    }

    partner.send(MessageType.UPDREQALL, [], 84);
    acknowledge(partner, await partner.nextOfType(MessageType.BNDUPD));
    await settle();
    partner.close();
    await settle();
    const next = await connectFromPartner(started);
    next.send(MessageType.CONNECT, connectOptions(), 0);
    await next.nextOfType(MessageType.CONNECTACK);
    next.send(MessageType.UPDREQ, [], 85);
    const resent: string[] = [];
    for (let count = 0; count < 10; count++) {
      const message = await next.next();
      if (message.type === MessageType.UPDDONE) {
        break;
      }
      if (message.type === MessageType.BNDUPD) {
        resent.push(...addressesOf(message));
        acknowledge(next, message);
      }
    }

    expect(resent.sort()).toEqual(['192.0.2.81', '192.0.2.82']);
    next.close();
  });

  // An infinite lease's PET stays at the infinite time rather than the lease end plus MCLT, which
  // would not fit the 4-byte option or the store.
  it('sends a stored infinite BOOTP lease with an infinite PET on UPDREQALL (FO-7.4.2-a, FO-5.14-a)', async () => {
    const started = await establishedSecondary();
    const { partner, log } = started;
    const infinite = 0xffff_ffff;
    const bootp = [
      ...activeTransaction('192.0.2.90', infinite, 9, infinite),
      option(OptionCode.IP_FLAGS, IP_FLAG_BOOTP),
    ];

    partner.send(MessageType.BNDUPD, bootp, 91);
    const bndack = await partner.nextOfType(MessageType.BNDACK);
    partner.send(MessageType.UPDREQALL, [], 92);
    const reply = await partner.next();
    partner.close();

    expect(findOption(bndack, OptionCode.REJECT_REASON)).toBeUndefined();
    expect(log.withEvent('store.failed')).toEqual([]);
    expect(reply.type).toBe(MessageType.BNDUPD);
    expect(findOption(reply, OptionCode.BINDING_STATUS)).toBe(BindingStatus.ACTIVE);
    expect(findOption(reply, OptionCode.LEASE_EXPIRATION_TIME)).toBe(infinite);
    expect(findOption(reply, OptionCode.POTENTIAL_EXPIRATION_TIME)).toBe(infinite);
  });
});
