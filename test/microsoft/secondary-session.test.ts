import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { SharedSecret } from '../../src/config/shared-secret.js';
import { checkMessageDigest } from '../../src/peer/digest.js';
import { findOption, option } from '../../src/peer/options.js';
import { nowSeconds } from '../../src/peer/timers.js';
import { MessageType, OptionCode, RejectReason } from '../../src/wire/codes.js';
import type { FailoverOption } from '../../src/wire/types.js';
import {
  secondsOf,
  startTestPeer,
  temporaryDirectory,
  type StartedPeer,
} from '../peer/peer-fixtures.js';
import { microsoftConfig, SCOPE_ID_NUMBER, SECRET, SUBNET_MASK } from './microsoft-fixtures.js';
import { WindowsPartner, windowsCONNECTOptions } from './windows-partner.js';

async function startSecondary(overrides: Record<string, unknown> = {}): Promise<StartedPeer> {
  const storePath = join(temporaryDirectory(), 'secondary.db');
  return startTestPeer(microsoftConfig('secondary', storePath, overrides));
}

/** Connects a partner that signs with `secret`, or with nothing when it is null. */
async function connectPartner(
  started: StartedPeer,
  secret: string | null = SECRET,
): Promise<WindowsPartner> {
  const port = started.peer.listeningPort ?? 0;
  return WindowsPartner.connect(port, secondsOf(started.clock), secret ?? undefined);
}

/** Sends the Windows CONNECT and reads the CONNECTACK and the STATE that follows it. */
async function handshake(started: StartedPeer): Promise<WindowsPartner> {
  const partner = await connectPartner(started);
  partner.send(MessageType.CONNECT, windowsCONNECTOptions(), 0x10);
  const connectack = await partner.next();
  expect(findOption(connectack.message, OptionCode.REJECT_REASON)).toBeUndefined();
  await partner.nextOfType(MessageType.STATE);
  return partner;
}

/** Options of one Windows lease update for `address`, ACTIVE unless `status` says otherwise. */
function leaseUpdate(
  started: StartedPeer,
  address: string,
  status = 0x01,
  ipFlags = 0,
): FailoverOption[] {
  const now = nowSeconds(started.clock);
  const last = Number(address.split('.')[3]);
  return [
    option(OptionCode.ASSIGNED_IP_ADDRESS, address),
    option(OptionCode.BINDING_STATUS, status),
    option(OptionCode.IP_FLAGS, ipFlags),
    option(OptionCode.MS_CLIENT_SUBNET_MASK, SUBNET_MASK),
    option(OptionCode.CLIENT_HARDWARE_ADDRESS, {
      htype: 1,
      chaddr: Uint8Array.of(0x00, 0x15, 0x5d, 0x00, 0x00, last),
      scopeId: SCOPE_ID_NUMBER,
    }),
    option(OptionCode.CLIENT_LAST_TRANSACTION_TIME, now - 60),
    option(OptionCode.LEASE_EXPIRATION_TIME, now + 3600),
    option(OptionCode.POTENTIAL_EXPIRATION_TIME, now + 7200),
  ];
}

/** Options of one Windows redistribution update (IP-flags 0, no client, MSF-3.1.4.2-f). */
function redistribution(address: string, value: number): FailoverOption[] {
  return [
    option(OptionCode.ASSIGNED_IP_ADDRESS, address),
    option(OptionCode.BINDING_STATUS, value),
    option(OptionCode.IP_FLAGS, 0),
    option(OptionCode.MS_CLIENT_SUBNET_MASK, SUBNET_MASK),
  ];
}

function ackedAddresses(options: readonly FailoverOption[]): string[] {
  return options.flatMap((item) =>
    item.code === OptionCode.ASSIGNED_IP_ADDRESS && 'value' in item ? [String(item.value)] : [],
  );
}

describe('microsoft secondary CONNECT', () => {
  it('answers a Windows CONNECT with a signed CONNECTACK, then STATE (MSF-3.3.5.1-f, MSF-3.1.7.3-a)', async () => {
    const started = await startSecondary();
    const partner = await connectPartner(started);

    partner.send(MessageType.CONNECT, windowsCONNECTOptions(), 0x10);
    const connectack = await partner.next();
    const state = await partner.next();

    expect(connectack.message.type).toBe(MessageType.CONNECTACK);
    expect(connectack.message.xid).toBe(0x10);
    expect(findOption(connectack.message, OptionCode.REJECT_REASON)).toBeUndefined();
    expect(checkMessageDigest(connectack.bytes, new SharedSecret(SECRET))).toBeUndefined();
    expect(state.message.type).toBe(MessageType.STATE);
  });

  it('keeps its own MCLT from a CONNECT with another one (MSF-3.3.5.1-b)', async () => {
    const started = await startSecondary({ mclt: 3600 });

    await handshake(started);

    expect(started.peer.mclt).toBe(3600);
    expect(started.log.withEvent('mclt.adopted')).toEqual([]);
  });

  it('ignores TLS-request 2 in a CONNECT (MSF-3.3.5.1-d)', async () => {
    const started = await startSecondary();
    const partner = await connectPartner(started);

    partner.send(
      MessageType.CONNECT,
      windowsCONNECTOptions({ [OptionCode.TLS_REQUEST]: option(OptionCode.TLS_REQUEST, 2) }),
      0x10,
    );
    const connectack = await partner.next();

    expect(findOption(connectack.message, OptionCode.REJECT_REASON)).toBeUndefined();
  });

  it('rejects a CONNECT without vendor-class-identifier with reason 6 (MSF-3.3.5.1-a)', async () => {
    const started = await startSecondary();
    const partner = await connectPartner(started);

    partner.send(
      MessageType.CONNECT,
      windowsCONNECTOptions({ [OptionCode.VENDOR_CLASS_IDENTIFIER]: null }),
      0x10,
    );
    const connectack = await partner.next();

    expect(findOption(connectack.message, OptionCode.REJECT_REASON)).toBe(
      RejectReason.UNKNOWN_REASON_CONNECT,
    );
    await partner.expectClosed();
  });
});

describe('microsoft secondary message digest', () => {
  it('closes without a CONNECTACK when the CONNECT has no digest (MSF-3.1.5-a)', async () => {
    const started = await startSecondary();
    const partner = await connectPartner(started);

    partner.send(MessageType.CONNECT, windowsCONNECTOptions(), 0x10, { secret: null });
    await partner.expectClosed();

    expect(partner.received).toEqual([]);
    expect(started.log.withEvent('auth.failed')[0]?.['code']).toBe('FO_ERR_DIGEST_MISSING');
  });

  it('closes without a CONNECTACK when the digest does not match (MSF-3.1.5-a)', async () => {
    const started = await startSecondary();
    const partner = await connectPartner(started);

    partner.send(MessageType.CONNECT, windowsCONNECTOptions(), 0x10, {
      secret: new SharedSecret('another secret'),
    });
    await partner.expectClosed();

    expect(partner.received).toEqual([]);
    const failure = started.log.withEvent('auth.failed')[0];
    expect(failure?.['code']).toBe('FO_ERR_DIGEST_MISMATCH');
    expect(JSON.stringify(started.log.lines)).not.toContain(SECRET);
    expect(JSON.stringify(started.log.lines)).not.toContain('another secret');
  });

  it('closes when a digest arrives and no secret is configured (FO-11.1-c)', async () => {
    const started = await startSecondary({ sharedSecret: undefined });
    const partner = await connectPartner(started);

    partner.send(MessageType.CONNECT, windowsCONNECTOptions(), 0x10);
    await partner.expectClosed();

    expect(partner.received).toEqual([]);
    expect(started.log.withEvent('auth.failed')[0]?.['code']).toBe('FO_ERR_DIGEST_NOT_CONFIGURED');
  });

  it('sends no digest and accepts none when no secret is configured (FO-11.1-c)', async () => {
    const started = await startSecondary({ sharedSecret: undefined });
    const partner = await connectPartner(started, null);

    partner.send(MessageType.CONNECT, windowsCONNECTOptions(), 0x10);
    const connectack = await partner.next();

    expect(findOption(connectack.message, OptionCode.REJECT_REASON)).toBeUndefined();
    expect(connectack.message.options.map((item) => item.code)).not.toContain(
      OptionCode.MESSAGE_DIGEST,
    );
  });
});

describe('microsoft secondary on an established connection', () => {
  it('closes without DISCONNECT when a message is 61 s off our clock (MSF-3.1.5-c, AMB-24)', async () => {
    const started = await startSecondary();
    const partner = await handshake(started);
    const now = nowSeconds(started.clock);

    partner.send(MessageType.CONTACT, [], 0x11, { time: now + 60 });
    partner.send(MessageType.UPDREQALL, [], 0x12, { time: now - 60 });
    await partner.nextOfType(MessageType.UPDDONE);
    partner.send(MessageType.CONTACT, [], 0x13, { time: now + 61 });
    await partner.expectClosed();

    const types = partner.received.map((frame) => frame.message.type);
    expect(types).not.toContain(MessageType.DISCONNECT);
    const rejection = started.log.withEvent('message.rejected').at(-1);
    expect(rejection?.['code']).toBe('FO_ERR_CLOCK_SKEW');
    expect(rejection?.['rule']).toBe('MSF-3.1.5-c');
  });

  it('drops DISCONNECT and POOLRESP and keeps the connection (MSF-3.1.5.8-a, MSF-3.3.5.2-a)', async () => {
    const started = await startSecondary();
    const partner = await handshake(started);

    partner.send(MessageType.DISCONNECT, [option(OptionCode.REJECT_REASON, 254)], 0x11);
    partner.send(MessageType.POOLRESP, [option(OptionCode.ADDRESSES_TRANSFERRED, 5)], 0x12);
    partner.send(MessageType.UPDREQALL, [], 0x13);
    const done = await partner.nextOfType(MessageType.UPDDONE);

    expect(done.message.xid).toBe(0x13);
    expect(partner.isClosed).toBe(false);
    expect(started.log.withEvent('disconnect.received')).toEqual([]);
  });

  it('processes the first 16 updates of a BNDUPD and acks them in its order (MSF-3.1.5.2-h, MSF-3.1.5.2-j, AMB-13)', async () => {
    const started = await startSecondary();
    const partner = await handshake(started);
    const addresses = Array.from({ length: 17 }, (_, index) => `192.0.2.${90 - index}`);

    partner.send(
      MessageType.BNDUPD,
      addresses.flatMap((address) => redistribution(address, 0x02)),
      0x20,
    );
    const bndack = await partner.nextOfType(MessageType.BNDACK);

    expect(bndack.message.xid).toBe(0x20);
    expect(ackedAddresses(bndack.message.options)).toEqual(addresses.slice(0, 16));
    expect(started.peer.store.getBinding(addresses[15] ?? '')?.bindingStatus).toBe('BACKUP');
    expect(started.peer.store.getBinding(addresses[16] ?? '')).toBeUndefined();
  });

  it('rejects an update without subnet mask with reason 3 (MSF-3.1.5.2-c)', async () => {
    const started = await startSecondary();
    const partner = await handshake(started);
    const update = leaseUpdate(started, '192.0.2.40').filter(
      (item) => item.code !== OptionCode.MS_CLIENT_SUBNET_MASK,
    );

    partner.send(MessageType.BNDUPD, update, 0x20);
    const bndack = await partner.nextOfType(MessageType.BNDACK);

    expect(findOption(bndack.message, OptionCode.REJECT_REASON)).toBe(
      RejectReason.MISSING_BINDING_INFORMATION,
    );
    expect(started.peer.store.getBinding('192.0.2.40')).toBeUndefined();
  });

  // RELEASED and EXPIRED are stored as FREE (FO-5.11-e).
  it.each([
    ['a redistribution BACKUP', 'BACKUP', 0x02, 0, false],
    ['a redistribution FREE', 'FREE', 0x01, 0, false],
    ['a redistribution RECONCILE', 'FREE', 0x04, 0, false],
    ['a lease in address state ACTIVE', 'ACTIVE', 0x01, 0, true],
    ['a lease with DNS and DHCID bits set', 'ACTIVE', 0x91, 0, true],
    ['a lease with the RELEASED flag', 'FREE', 0x01, 0x02, true],
    ['a lease in address state DOOM', 'FREE', 0x03, 0, true],
    ['a lease in address state DECLINED', 'FREE', 0x02, 0, true],
  ] as const)('stores %s as %s (MSF-3.1.4.2-h)', async (_title, stored, status, ipFlags, lease) => {
    const started = await startSecondary();
    const partner = await handshake(started);
    const options = lease
      ? leaseUpdate(started, '192.0.2.41', status, ipFlags)
      : redistribution('192.0.2.41', status);

    partner.send(MessageType.BNDUPD, options, 0x20);
    const bndack = await partner.nextOfType(MessageType.BNDACK);

    expect(findOption(bndack.message, OptionCode.REJECT_REASON)).toBeUndefined();
    expect(started.peer.store.getBinding('192.0.2.41')?.bindingStatus).toBe(stored);
  });

  it('frees an ACTIVE lease that a DELETED update removes (MSF-3.1.4.2-d, AMB-3)', async () => {
    const started = await startSecondary();
    const partner = await handshake(started);
    partner.send(MessageType.BNDUPD, leaseUpdate(started, '192.0.2.42'), 0x20);
    await partner.nextOfType(MessageType.BNDACK);

    partner.send(MessageType.BNDUPD, leaseUpdate(started, '192.0.2.42', 0x01, 0x01), 0x21);
    const bndack = await partner.nextOfType(MessageType.BNDACK);

    expect(findOption(bndack.message, OptionCode.REJECT_REASON)).toBeUndefined();
    expect(started.peer.store.getBinding('192.0.2.42')?.bindingStatus).toBe('FREE');
  });

  it('accepts a DELETED_COMM_DOWN update that lacks every other option (MSF-3.1.5.2-f)', async () => {
    const started = await startSecondary();
    const partner = await handshake(started);

    partner.send(
      MessageType.BNDUPD,
      [
        option(OptionCode.ASSIGNED_IP_ADDRESS, '192.0.2.43'),
        option(OptionCode.BINDING_STATUS, 0x01),
        option(OptionCode.IP_FLAGS, 0x04),
      ],
      0x20,
    );
    const bndack = await partner.nextOfType(MessageType.BNDACK);

    expect(findOption(bndack.message, OptionCode.REJECT_REASON)).toBeUndefined();
    expect(started.peer.store.getBinding('192.0.2.43')?.bindingStatus).toBe('FREE');
  });

  it('rejects a redistribution FREE over an ACTIVE lease record (MSF-3.1.4.2-h, AMB-3)', async () => {
    const started = await startSecondary();
    const partner = await handshake(started);
    partner.send(MessageType.BNDUPD, leaseUpdate(started, '192.0.2.44'), 0x20);
    await partner.nextOfType(MessageType.BNDACK);

    partner.send(MessageType.BNDUPD, redistribution('192.0.2.44', 0x01), 0x21);
    const bndack = await partner.nextOfType(MessageType.BNDACK);

    expect(findOption(bndack.message, OptionCode.REJECT_REASON)).toBe(
      RejectReason.MISSING_BINDING_INFORMATION,
    );
    expect(started.peer.store.getBinding('192.0.2.44')?.bindingStatus).toBe('ACTIVE');
  });
});
