import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { SharedSecret } from '../../src/config/shared-secret.js';
import { sampleActiveBindings } from '../../src/endpoint/sample-bindings.js';
import { checkMessageDigest } from '../../src/peer/digest.js';
import { findOption, option } from '../../src/peer/options.js';
import { ManualClock, nowSeconds } from '../../src/peer/timers.js';
import { openLeaseStore } from '../../src/store/sqlite-store.js';
import { bindingUpdatesOf } from '../../src/wire/binding-update.js';
import { MessageType, OptionCode } from '../../src/wire/codes.js';
import type { FailoverMessage, FailoverOption } from '../../src/wire/types.js';
import {
  POOL,
  secondsOf,
  startTestPeer,
  stateOptions,
  temporaryDirectory,
  type StartedPeer,
} from '../peer/peer-fixtures.js';
import { microsoftConfig, SCOPE_ID_NUMBER, SECRET, SUBNET_MASK } from './microsoft-fixtures.js';
import {
  WindowsListener,
  windowsCONNECTACKOptions,
  type WindowsPartner,
} from './windows-partner.js';

interface PrimarySession {
  started: StartedPeer;
  partner: WindowsPartner;
  connect: FailoverMessage;
  connectBytes: Uint8Array;
}

/** Starts a primary holding `leases` ACTIVE bindings and accepts its connection. */
async function startPrimary(
  leases: number,
  overrides: Record<string, unknown> = {},
): Promise<PrimarySession> {
  const clock = new ManualClock();
  const storePath = join(temporaryDirectory(), 'primary.db');
  const store = openLeaseStore(storePath);
  store.putBindings(sampleActiveBindings(leases, POOL.start, nowSeconds(clock)));
  store.close();
  const listener = await WindowsListener.listen();
  const config = microsoftConfig('primary', storePath, {
    peer: { address: '127.0.0.1', port: listener.port },
    ...overrides,
  });
  const started = await startTestPeer(config, clock);
  const partner = await listener.accept(secondsOf(clock), SECRET);
  const { message, bytes } = await partner.next();
  return { started, partner, connect: message, connectBytes: bytes };
}

/** Accepts the CONNECT, sends STATE, and waits for the primary's STATE. */
async function establish(
  session: PrimarySession,
  connectack = windowsCONNECTACKOptions(),
): Promise<void> {
  const { partner, connect, started } = session;
  partner.send(MessageType.CONNECTACK, connectack, connect.xid);
  partner.send(MessageType.STATE, stateOptions('RECOVER', true, nowSeconds(started.clock)), 1);
  await partner.nextOfType(MessageType.STATE);
}

function transactionCount(options: readonly FailoverOption[]): number {
  return options.filter((item) => item.code === OptionCode.ASSIGNED_IP_ADDRESS).length;
}

function ackOptions(message: FailoverMessage, order: 'same' | 'reversed'): FailoverOption[] {
  const addresses = bindingUpdatesOf(message).updates.map((update) => update.address);
  const listed = order === 'same' ? addresses : [...addresses].reverse();
  return listed.map((address) => option(OptionCode.ASSIGNED_IP_ADDRESS, address));
}

function pendingCount(started: StartedPeer): number {
  return started.peer.store.countPending();
}

describe('microsoft primary CONNECT', () => {
  it('sends CONNECT with a digest first and no TLS-request (MSF-3.2.7.1-b, MSF-2.2-d)', async () => {
    const { connect, connectBytes } = await startPrimary(0);
    const codes = connect.options.map((item) => item.code);

    expect(connect.type).toBe(MessageType.CONNECT);
    expect(codes[0]).toBe(OptionCode.MESSAGE_DIGEST);
    expect(codes).not.toContain(OptionCode.TLS_REQUEST);
    expect(checkMessageDigest(connectBytes, new SharedSecret(SECRET))).toBeUndefined();
  });

  it('ignores TLS-reply 1 in a CONNECTACK and sends STATE (MSF-3.2.5.1-a, MSF-3.1.7.3-a)', async () => {
    const session = await startPrimary(0);
    const connectack = [...windowsCONNECTACKOptions(), option(OptionCode.TLS_REPLY, 1)];

    session.partner.send(MessageType.CONNECTACK, connectack, session.connect.xid);
    const state = await session.partner.next();

    expect(state.message.type).toBe(MessageType.STATE);
    expect(session.partner.isClosed).toBe(false);
  });

  it('drops a CONNECT from the secondary and POOLREQ (AMB-9, MSF-3.2.5.2-a)', async () => {
    const session = await startPrimary(0);
    const { partner } = session;
    partner.send(MessageType.CONNECT, [], 7);
    await establish(session);

    partner.send(MessageType.POOLREQ, [], 8);
    partner.send(MessageType.UPDREQALL, [], 9);
    const done = await partner.nextOfType(MessageType.UPDDONE);

    expect(done.message.xid).toBe(9);
    const types = partner.received.map((frame) => frame.message.type);
    expect(types).not.toContain(MessageType.POOLRESP);
    expect(types).not.toContain(MessageType.CONNECTACK);
    expect(partner.isClosed).toBe(false);
  });
});

describe('microsoft primary BNDUPD', () => {
  it('sends IP-flags, the subnet mask and the scope ID in every update (MSF-3.1.4.2-d, MSF-3.1.5.2-b, OBS-2)', async () => {
    const session = await startPrimary(3);
    await establish(session);

    session.partner.send(MessageType.UPDREQALL, [], 9);
    const bndupd = await session.partner.nextOfType(MessageType.BNDUPD);
    const [update] = bindingUpdatesOf(bndupd.message).updates;

    expect(update?.bindingStatus).toBe(0x01);
    expect(update?.ipFlags).toBe(0);
    expect(update?.clientHardwareAddress?.scopeId).toBe(SCOPE_ID_NUMBER);
    expect(update?.otherOptions).toContainEqual({
      code: OptionCode.MS_CLIENT_SUBNET_MASK,
      value: SUBNET_MASK,
    });
  });

  it('puts at most 16 updates in one BNDUPD (MSF-3.1.4.2-c)', async () => {
    const session = await startPrimary(20, { updatesPerMessage: 16 });
    await establish(session);

    session.partner.send(MessageType.UPDREQALL, [], 9);
    const first = await session.partner.nextOfType(MessageType.BNDUPD);
    const second = await session.partner.nextOfType(MessageType.BNDUPD);

    expect(transactionCount(first.message.options)).toBe(16);
    expect(transactionCount(second.message.options)).toBe(4);
  });

  it('drops a BNDACK out of BNDUPD order and records one in order (MSF-3.1.5.3-a, MSF-3.1.5.3-b)', async () => {
    const session = await startPrimary(4, { updatesPerMessage: 4 });
    const { partner, started } = session;
    await establish(session);
    partner.send(MessageType.UPDREQALL, [], 9);
    const bndupd = await partner.nextOfType(MessageType.BNDUPD);

    partner.send(MessageType.BNDACK, ackOptions(bndupd.message, 'reversed'), bndupd.message.xid);
    partner.send(MessageType.CONTACT, [], 10);
    await waitForLog(started, 'MSF-3.1.5.3-b');

    expect(pendingCount(started)).toBe(4);
    partner.send(MessageType.BNDACK, ackOptions(bndupd.message, 'same'), bndupd.message.xid);
    const done = await partner.nextOfType(MessageType.UPDDONE);
    expect(done.message.xid).toBe(9);
    expect(pendingCount(started)).toBe(0);
    expect(findOption(done.message, OptionCode.REJECT_REASON)).toBeUndefined();
  });
});

async function waitForLog(started: StartedPeer, rule: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!started.log.lines.some((line) => line['rule'] === rule)) {
    if (Date.now() > deadline) {
      throw new Error(`no log line with rule ${rule}`);
    }

    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
