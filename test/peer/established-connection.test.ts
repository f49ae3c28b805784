import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { findOption, option } from '../../src/peer/options.js';
import { nowSeconds } from '../../src/peer/timers.js';
import { StoreError } from '../../src/errors.js';
import { openLeaseStore } from '../../src/store/sqlite-store.js';
import { BindingStatus, MessageType, OptionCode, RejectReason } from '../../src/wire/codes.js';
import { encodeMessage } from '../../src/wire/message.js';
import type { FailoverOption } from '../../src/wire/types.js';
import { RawPartner } from './raw-partner.js';
import {
  connectOptions,
  secondsOf,
  startTestPeer,
  stateOptions,
  temporaryDirectory,
  testConfig,
  waitForState,
  type StartedPeer,
} from './peer-fixtures.js';

interface Established extends StartedPeer {
  partner: RawPartner;
  storePath: string;
}

/** Starts a secondary and a scripted primary that has exchanged CONNECT, CONNECTACK and STATE. */
async function establishedSecondary(
  connectTimeOffset = 0,
  overrides: Record<string, unknown> = {},
): Promise<Established> {
  const storePath = join(temporaryDirectory(), 'secondary.db');
  const started = await startTestPeer(testConfig('secondary', storePath, overrides));
  const partner = await RawPartner.connect(
    started.peer.listeningPort ?? 0,
    secondsOf(started.clock),
  );
  partner.send(
    MessageType.CONNECT,
    connectOptions(),
    0,
    nowSeconds(started.clock) + connectTimeOffset,
  );
  await partner.nextOfType(MessageType.CONNECTACK);
  await partner.nextOfType(MessageType.STATE);
  return { ...started, partner, storePath };
}

function activeUpdate(address: string, leaseExpiration: number, clientByte = 1): FailoverOption[] {
  return [
    option(OptionCode.ASSIGNED_IP_ADDRESS, address),
    option(OptionCode.BINDING_STATUS, BindingStatus.ACTIVE),
    option(OptionCode.CLIENT_HARDWARE_ADDRESS, {
      htype: 1,
      chaddr: new Uint8Array([0, 0, 0x5e, 0, 0x53, clientByte]),
    }),
    option(OptionCode.LEASE_EXPIRATION_TIME, leaseExpiration),
    option(OptionCode.POTENTIAL_EXPIRATION_TIME, leaseExpiration + 1800),
    option(OptionCode.START_TIME_OF_STATE, leaseExpiration - 3600),
    option(OptionCode.CLIENT_LAST_TRANSACTION_TIME, leaseExpiration - 3600),
  ];
}

function encodeBNDUPD(xid: number, time: number, options: FailoverOption[]): Uint8Array {
  return encodeMessage(
    {
      type: MessageType.BNDUPD,
      payloadOffset: 12,
      time,
      xid,
      extraHeader: new Uint8Array(0),
      options,
    },
    'isc',
  );
}

describe('established connection timers', () => {
  it('BL-08: sends CONTACT every third of the partner receive-timer (FO-7.9.1-h, E-10)', async () => {
    // A long STARTUP, so that no STATE from its expiry moves the CONTACT times.
    const { partner, clock } = await establishedSecondary(0, { startupSeconds: 3600 });

    clock.advance(10_000);
    const first = await partner.next();
    clock.advance(10_000);
    const second = await partner.next();

    expect(first.type).toBe(MessageType.CONTACT);
    expect(second.type).toBe(MessageType.CONTACT);
    partner.close();
  });

  it('BL-08: sends DISCONNECT 17 and closes when tReceive expires (FO-8.3-c)', async () => {
    const { partner, clock } = await establishedSecondary();

    clock.advance(30_000);
    const disconnect = await partner.nextOfType(MessageType.DISCONNECT);
    await partner.expectClosed();

    expect(findOption(disconnect, OptionCode.REJECT_REASON)).toBe(RejectReason.NO_TRAFFIC);
  });

  it('restarts tReceive on every received message (FO-7.9.1-h)', async () => {
    const { partner, clock } = await establishedSecondary();

    clock.advance(20_000);
    partner.send(MessageType.CONTACT, [], 5);
    await partner.next();
    await new Promise((resolve) => setTimeout(resolve, 20));
    clock.advance(20_000);

    expect(partner.received.some((message) => message.type === MessageType.DISCONNECT)).toBe(false);
    expect(partner.isClosed).toBe(false);
    partner.close();
  });
});

describe('received message types', () => {
  it('closes the connection on unknown message type 13 (FO-6.1-d)', async () => {
    const { partner, peer } = await establishedSecondary();

    partner.send(13, [], 7);
    await partner.expectClosed();

    expect(peer.state).toBe('STARTUP');
  });

  it('ignores unknown optional message type 200 (FO-6.1-d)', async () => {
    const { partner, peer, clock } = await establishedSecondary();

    partner.send(200, [], 7);
    partner.send(MessageType.STATE, stateOptions('RECOVER', false, nowSeconds(clock)), 8);
    const request = await partner.nextOfType(MessageType.UPDREQALL);

    expect(request.type).toBe(MessageType.UPDREQALL);
    expect(peer.state).toBe('RECOVER');
    partner.close();
  });

  it('closes on a garbage frame and keeps accepting connections (FO-6.1-c)', async () => {
    const { partner, peer, clock, log } = await establishedSecondary();

    partner.sendBytes(new Uint8Array([0x00, 0x05, 0x0a, 0x0c, 0x00]));
    await partner.expectClosed();
    const next = await RawPartner.connect(peer.listeningPort ?? 0, secondsOf(clock));
    next.send(MessageType.CONNECT, connectOptions(), 1);
    const connectack = await next.nextOfType(MessageType.CONNECTACK);

    expect(findOption(connectack, OptionCode.REJECT_REASON)).toBeUndefined();
    expect(log.withEvent('message.rejected')[0]?.['code']).toBe('FO_ERR_MESSAGE_LENGTH');
    next.close();
  });

  it('logs the message type, option code and offset of an undecodable option', async () => {
    const { partner, log } = await establishedSecondary();
    // STATE whose server-state option claims 2 bytes instead of 1.
    const bytes = new Uint8Array([
      0x00,
      0x13, // message length 19
      0x0a, // STATE
      0x0c, // payload-offset 12
      0x00,
      0x00,
      0x00,
      0x00, // time
      0x00,
      0x00,
      0x00,
      0x09, // xid
      0x00,
      0x18,
      0x00,
      0x02,
      0x02,
      0x00, // server-state, length 2
      0x00, // one stray byte
    ]);

    partner.sendBytes(bytes);
    await partner.expectClosed();
    const rejected = log.withEvent('message.rejected')[0];

    expect(rejected?.['messageType']).toBe(MessageType.STATE);
    expect(rejected?.['optionCode']).toBe(OptionCode.SERVER_STATE);
    expect(rejected?.['offset']).toBeTypeOf('number');
  });
});

describe('received message checks', () => {
  it('closes without acting on a STATE with server-state twice (FO-6.2-c)', async () => {
    const { partner, peer, clock, log } = await establishedSecondary();

    partner.send(
      MessageType.STATE,
      [...stateOptions('RECOVER', false, nowSeconds(clock)), option(OptionCode.SERVER_STATE, 2)],
      21,
    );
    await partner.expectClosed();

    expect(peer.state).toBe('STARTUP');
    expect(log.withEvent('message.rejected')[0]?.['code']).toBe('FO_ERR_REPEATED_OPTION');
  });

  it('ignores a STATE without start-time-of-state and stays connected (FO-7.10.1-a)', async () => {
    const { partner, peer, clock } = await establishedSecondary();

    partner.send(MessageType.STATE, stateOptions('RECOVER', false, 0).slice(0, 2), 22);
    partner.send(MessageType.STATE, stateOptions('RECOVER', false, nowSeconds(clock)), 23);
    await partner.nextOfType(MessageType.UPDREQALL);

    expect(peer.state).toBe('RECOVER');
    expect(partner.isClosed).toBe(false);
    partner.close();
  });

  it('rejects a transaction without binding-status with reason 3 (FO-7.1.3-a)', async () => {
    const { partner } = await establishedSecondary();

    partner.send(MessageType.BNDUPD, [option(OptionCode.ASSIGNED_IP_ADDRESS, '192.0.2.41')], 24);
    const bndack = await partner.nextOfType(MessageType.BNDACK);

    expect(findOption(bndack, OptionCode.ASSIGNED_IP_ADDRESS)).toBe('192.0.2.41');
    expect(findOption(bndack, OptionCode.REJECT_REASON)).toBe(
      RejectReason.MISSING_BINDING_INFORMATION,
    );
    partner.close();
  });
});

describe('received BNDUPD', () => {
  it('sends BNDACK only after the binding is committed (FO-5.2.1-f, FO-7.2-a)', async () => {
    const { partner, clock, storePath } = await establishedSecondary();
    const now = nowSeconds(clock);

    partner.send(MessageType.BNDUPD, activeUpdate('192.0.2.30', now + 3600), 5);
    const bndack = await partner.nextOfType(MessageType.BNDACK);
    const reader = openLeaseStore(storePath, { readonly: true });
    const stored = reader.getBinding('192.0.2.30');
    reader.close();

    expect(bndack.xid).toBe(5);
    expect(findOption(bndack, OptionCode.ASSIGNED_IP_ADDRESS)).toBe('192.0.2.30');
    expect(findOption(bndack, OptionCode.REJECT_REASON)).toBeUndefined();
    expect(stored?.bindingStatus).toBe('ACTIVE');
    expect(stored?.leaseExpirationTime).toBe(now + 3600);
    expect(stored?.pendingUpdate).toBe(false);
    partner.close();
  });

  it('sends no BNDACK and logs an error when the commit fails (FO-5.2.1-f)', async () => {
    const { partner, clock, peer, log } = await establishedSecondary();
    peer.store.putBindings = () => {
      throw new StoreError(
        'FO_ERR_STORE_WRITE_FAILED',
        'lease store test.db failed to write bindings',
      );
    };

    partner.send(MessageType.BNDUPD, activeUpdate('192.0.2.40', nowSeconds(clock) + 600), 16);
    await partner.expectClosed();
    const failures = log.withEvent('store.failed');

    expect(partner.received.some((message) => message.type === MessageType.BNDACK)).toBe(false);
    expect(failures).toHaveLength(1);
    expect(failures[0]?.['level']).toBe(50);
  });

  it('answers a BNDUPD split over several writes', async () => {
    const { partner, clock } = await establishedSecondary();
    const bytes = encodeBNDUPD(
      6,
      nowSeconds(clock),
      activeUpdate('192.0.2.31', nowSeconds(clock) + 600),
    );

    for (const part of [bytes.subarray(0, 1), bytes.subarray(1, 13), bytes.subarray(13)]) {
      partner.sendBytes(part);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const bndack = await partner.nextOfType(MessageType.BNDACK);

    expect(bndack.xid).toBe(6);
    expect(findOption(bndack, OptionCode.ASSIGNED_IP_ADDRESS)).toBe('192.0.2.31');
    partner.close();
  });

  it('answers BNDUPDs coalesced into one write, each with its own xid', async () => {
    const { partner, clock } = await establishedSecondary();
    const now = nowSeconds(clock);
    const first = encodeBNDUPD(7, now, activeUpdate('192.0.2.32', now + 600, 2));
    const second = encodeBNDUPD(8, now, activeUpdate('192.0.2.33', now + 600, 3));

    partner.sendBytes(Buffer.concat([first, second]));
    const acks = [
      await partner.nextOfType(MessageType.BNDACK),
      await partner.nextOfType(MessageType.BNDACK),
    ];

    expect(acks.map((ack) => ack.xid)).toEqual([7, 8]);
    expect(acks.map((ack) => findOption(ack, OptionCode.ASSIGNED_IP_ADDRESS))).toEqual([
      '192.0.2.32',
      '192.0.2.33',
    ]);
    partner.close();
  });

  it('answers a two-transaction BNDUPD with one BNDACK naming both (FO-6.3-a)', async () => {
    const { partner, clock } = await establishedSecondary();
    const now = nowSeconds(clock);

    partner.send(
      MessageType.BNDUPD,
      [...activeUpdate('192.0.2.34', now + 600, 4), ...activeUpdate('192.0.2.35', now + 600, 5)],
      9,
    );
    const bndack = await partner.nextOfType(MessageType.BNDACK);
    const addresses = bndack.options
      .filter((item) => item.code === OptionCode.ASSIGNED_IP_ADDRESS)
      .map((item) => ('value' in item ? item.value : undefined));

    expect(addresses).toEqual(['192.0.2.34', '192.0.2.35']);
    partner.close();
  });

  it('rejects an address outside every pool with reason 1 and a message (FO-7.1.3-b)', async () => {
    const { partner, clock } = await establishedSecondary();

    partner.send(MessageType.BNDUPD, activeUpdate('198.51.100.7', nowSeconds(clock) + 600), 10);
    const bndack = await partner.nextOfType(MessageType.BNDACK);

    expect(findOption(bndack, OptionCode.REJECT_REASON)).toBe(RejectReason.ILLEGAL_IP_ADDRESS);
    expect(findOption(bndack, OptionCode.MESSAGE)).toBeTypeOf('string');
    partner.close();
  });

  it('moves received times onto the local clock by the CONNECT skew (FO-7.8.2-g)', async () => {
    const { partner, clock, storePath } = await establishedSecondary(40);
    const partnerNow = nowSeconds(clock) + 40;

    partner.send(MessageType.BNDUPD, activeUpdate('192.0.2.36', partnerNow + 3600), 11, partnerNow);
    await partner.nextOfType(MessageType.BNDACK);
    const reader = openLeaseStore(storePath, { readonly: true });
    const stored = reader.getBinding('192.0.2.36');
    reader.close();

    expect(stored?.leaseExpirationTime).toBe(nowSeconds(clock) + 3600);
    expect(stored?.receivedPet).toBe(nowSeconds(clock) + 3600 + 1800);
    partner.close();
  });

  it('stores an accepted EXPIRED update as FREE (FO-5.11-e)', async () => {
    const { partner, clock, storePath } = await establishedSecondary();
    const now = nowSeconds(clock);
    const expired = (address: string, xid: number): void =>
      partner.send(
        MessageType.BNDUPD,
        [
          option(OptionCode.ASSIGNED_IP_ADDRESS, address),
          option(OptionCode.BINDING_STATUS, BindingStatus.EXPIRED),
          option(OptionCode.CLIENT_HARDWARE_ADDRESS, { htype: 1, chaddr: new Uint8Array(6) }),
        ],
        xid,
      );

    // .37 has a lease that already ended; .39 has one still running.
    partner.send(MessageType.BNDUPD, activeUpdate('192.0.2.37', now - 10, 6), 12);
    partner.send(MessageType.BNDUPD, activeUpdate('192.0.2.39', now + 600, 7), 13);
    await partner.nextOfType(MessageType.BNDACK);
    await partner.nextOfType(MessageType.BNDACK);
    expired('192.0.2.37', 14);
    expired('192.0.2.39', 15);
    const accepted = await partner.nextOfType(MessageType.BNDACK);
    const rejected = await partner.nextOfType(MessageType.BNDACK);
    const reader = openLeaseStore(storePath, { readonly: true });
    const freed = reader.getBinding('192.0.2.37');
    const kept = reader.getBinding('192.0.2.39');
    reader.close();

    expect(findOption(accepted, OptionCode.REJECT_REASON)).toBeUndefined();
    expect(freed?.bindingStatus).toBe('FREE');
    expect(freed?.startTimeOfState).toBe(now);
    expect(findOption(rejected, OptionCode.REJECT_REASON)).toBe(
      RejectReason.OUTDATED_BINDING_INFORMATION,
    );
    expect(kept?.bindingStatus).toBe('ACTIVE');
    partner.close();
  });

  it('accepts a FREE update with zero lease and potential expiration times (ISC-13)', async () => {
    const { partner, storePath } = await establishedSecondary();

    partner.send(
      MessageType.BNDUPD,
      [
        option(OptionCode.ASSIGNED_IP_ADDRESS, '192.0.2.38'),
        option(OptionCode.BINDING_STATUS, BindingStatus.FREE),
        option(OptionCode.LEASE_EXPIRATION_TIME, 0),
        option(OptionCode.POTENTIAL_EXPIRATION_TIME, 0),
        option(OptionCode.START_TIME_OF_STATE, 0),
      ],
      15,
    );
    const bndack = await partner.nextOfType(MessageType.BNDACK);
    const reader = openLeaseStore(storePath, { readonly: true });
    const stored = reader.getBinding('192.0.2.38');
    reader.close();

    expect(findOption(bndack, OptionCode.REJECT_REASON)).toBeUndefined();
    expect(stored?.bindingStatus).toBe('FREE');
    expect(stored?.leaseExpirationTime).toBeUndefined();
    partner.close();
  });

  it('reaches RECOVER and asks for every binding on a first contact (FO-9.5.2-b)', async () => {
    const { partner, peer, clock } = await establishedSecondary();

    partner.send(MessageType.STATE, stateOptions('RECOVER', false, nowSeconds(clock)), 20);
    const request = await partner.nextOfType(MessageType.UPDREQALL);
    await waitForState(peer, 'RECOVER');
    partner.send(MessageType.UPDDONE, [], request.xid);
    await waitForState(peer, 'RECOVER-DONE');

    expect(peer.state).toBe('RECOVER-DONE');
    partner.close();
  });
});
