// Paths through the binding-update flow machine (model/update-flow.ts) on a real primary: pending
// bindings go out as BNDUPDs within the partner's window, the raw partner acknowledges them, requests them
// with UPDREQ and UPDREQALL, interrupts one request with another, and drops the connection.

import { expect } from 'vitest';
import { sampleActiveBindings } from '../../../src/endpoint/sample-bindings.js';
import { option } from '../../../src/peer/options.js';
import { bindingUpdatesOf } from '../../../src/wire/binding-update.js';
import { MessageType, OptionCode } from '../../../src/wire/codes.js';
import type { FailoverMessage } from '../../../src/wire/types.js';
import { POOL } from '../../peer/peer-fixtures.js';
import type { RawPartner } from '../../peer/raw-partner.js';
import { recorder } from '../coverage/recorder.js';
import { PeerUnderTest } from '../harness/peer-under-test.js';
import { expectTaken, type ScriptedPath } from './scripted-path.js';

const u = (id: string): string => `update-flow:${id}`;

const BINDINGS = 3;

function addressesOf(message: FailoverMessage): string[] {
  return message.options.flatMap((item) =>
    item.code === OptionCode.ASSIGNED_IP_ADDRESS && 'value' in item ? [String(item.value)] : [],
  );
}

function leaseExpirationOf(message: FailoverMessage): number | undefined {
  return bindingUpdatesOf(message).updates[0]?.leaseExpirationTime;
}

function acknowledge(partner: RawPartner, bndupd: FailoverMessage): void {
  const addresses = addressesOf(bndupd).map((address) =>
    option(OptionCode.ASSIGNED_IP_ADDRESS, address),
  );
  partner.send(MessageType.BNDACK, addresses, bndupd.xid);
}

/** Acknowledges every BNDUPD until UPDDONE arrives; returns the UPDDONE. */
async function acknowledgeUntilUPDDONE(partner: RawPartner): Promise<FailoverMessage> {
  for (;;) {
    const message = await partner.next();
    if (message.type === MessageType.UPDDONE) {
      return message;
    }

    if (message.type === MessageType.BNDUPD) {
      acknowledge(partner, message);
    }
  }
}

/** Starts a primary in NORMAL with BINDINGS pending bindings and a partner window of one BNDUPD. */
async function primaryInNORMAL(): Promise<PeerUnderTest> {
  const harness = await PeerUnderTest.start({
    role: 'primary',
    recordedState: 'NORMAL',
    bindings: sampleActiveBindings(BINDINGS, POOL.start, Math.floor(Date.UTC(2026, 0, 1) / 1000)),
  });
  harness.partnerWindow = 1;
  await harness.connect();
  harness.sendSTATE('NORMAL', false, harness.t0);
  return harness;
}

async function requestsInterrupted(): Promise<void> {
  const mark = recorder.mark;
  const harness = await primaryInNORMAL();
  const partner = harness.requirePartner();
  // FO-9.8.1-a: NORMAL sends what the partner has not acknowledged, one BNDUPD per window slot.
  const first = await partner.nextOfType(MessageType.BNDUPD);
  await expectTaken(mark, [u('disconnected.CONNECTED[0]'), u('idle.BNDUPD_SENT[0]')]);
  acknowledge(partner, first);
  const second = await partner.nextOfType(MessageType.BNDUPD);
  await expectTaken(mark, [u('idle.BNDACK[0]'), u('idle.BNDUPD_SENT[0]')]);

  partner.send(MessageType.UPDREQ, [], 50);
  await expectTaken(mark, [u('idle.UPDREQ[0]'), u('counting.COUNTED[0]')]);
  acknowledge(partner, second);
  const third = await partner.nextOfType(MessageType.BNDUPD);
  await expectTaken(mark, [u('answering.BNDACK[0]'), u('answering.BNDUPD_SENT[0]')]);

  // A newer request replaces the one in progress, and UPDDONE carries its xid (FO-7.5-a).
  partner.send(MessageType.UPDREQALL, [], 51);
  await expectTaken(mark, [u('answering.UPDREQALL[0]')]);
  partner.send(MessageType.UPDREQ, [], 52);
  await expectTaken(mark, [u('answering.UPDREQ[0]')]);
  acknowledge(partner, third);
  const done = await acknowledgeUntilUPDDONE(partner);

  expect(done.xid).toBe(52);
  expect(harness.peer.store.countPending()).toBe(0);
  await expectTaken(mark, [u('answering.ANSWERED[0]'), u('answering.PUMP_FINISHED[0]')]);

  partner.send(MessageType.UPDREQALL, [], 53);
  const all = await acknowledgeUntilUPDDONE(partner);

  expect(all.xid).toBe(53);
  expect(harness.peer.store.countPending()).toBe(0);
  await expectTaken(mark, [u('idle.UPDREQALL[0]')]);
  await harness.dropConnection();
  await expectTaken(mark, [u('idle.CONNECTION_LOST[0]')]);
}

async function connectionLostWhileAnswering(): Promise<void> {
  const mark = recorder.mark;
  const harness = await primaryInNORMAL();
  const partner = harness.requirePartner();
  await partner.nextOfType(MessageType.BNDUPD);
  partner.send(MessageType.UPDREQALL, [], 60);
  await expectTaken(mark, [u('idle.UPDREQALL[0]'), u('counting.COUNTED[0]')]);
  await harness.dropConnection();
  await expectTaken(mark, [u('answering.CONNECTION_LOST[0]')]);

  // FO-7.2-b: the unacknowledged bindings stay pending for the next connection.
  expect(harness.peer.store.countPending()).toBe(BINDINGS);
}

/** Renews the lease of `address` in the store, as the DHCP front end does, and sends it. */
function renew(harness: PeerUnderTest, address: string): number {
  const store = harness.peer.store;
  const binding = store.getBinding(address);
  if (binding === undefined) {
    throw new Error(`no binding of ${address} to renew`);
  }

  const leaseExpirationTime = (binding.leaseExpirationTime ?? 0) + 3600;
  store.putBindings([
    { ...binding, leaseExpirationTime, pendingUpdate: true, updateSeq: binding.updateSeq + 1 },
  ]);
  harness.peer.sendPendingUpdates();
  return leaseExpirationTime;
}

async function changedWhileInFlight(): Promise<void> {
  const mark = recorder.mark;
  const harness = await primaryInNORMAL();
  const partner = harness.requirePartner();
  const inFlight = await partner.nextOfType(MessageType.BNDUPD);
  const [address] = addressesOf(inFlight);
  const renewed = renew(harness, address ?? '');
  partner.send(MessageType.UPDREQALL, [], 70);
  await expectTaken(mark, [u('idle.UPDREQALL[0]'), u('counting.COUNTED[0]')]);
  acknowledge(partner, inFlight);

  // FO-7.3.2-c: the change made while the older BNDUPD was in flight goes out before UPDDONE.
  const updates: FailoverMessage[] = [];
  for (;;) {
    const message = await partner.next();
    if (message.type === MessageType.UPDDONE) {
      break;
    }

    if (message.type === MessageType.BNDUPD) {
      updates.push(message);
      acknowledge(partner, message);
    }
  }

  const resent = updates.find((message) => addressesOf(message)[0] === address);
  expect(resent === undefined ? undefined : leaseExpirationOf(resent)).toBe(renewed);
  expect(harness.peer.store.countPending()).toBe(0);
}

export const updateFlowPaths: ScriptedPath[] = [
  {
    id: u('requests-interrupted'),
    title:
      'primary answers UPDREQ, then UPDREQALL and UPDREQ in its place, within a window of one (FO-7.3.2-a, FO-8.4-b, FO-9.8.1-a)',
    run: requestsInterrupted,
  },
  {
    id: u('changed-in-flight'),
    title:
      'primary sends a change made while the older BNDUPD was in flight before UPDDONE (FO-7.3.2-c)',
    run: changedWhileInFlight,
  },
  {
    id: u('lost-while-answering'),
    title:
      'primary keeps the bindings pending when the connection ends during UPDREQALL (FO-7.2-b)',
    run: connectionLostWhileAnswering,
  },
];
