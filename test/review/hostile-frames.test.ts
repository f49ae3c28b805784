import { describe, expect, it } from 'vitest';
import { findOption, option } from '../../src/peer/options.js';
import { BindingStatus, MessageType, OptionCode, RejectReason } from '../../src/wire/codes.js';
import { connectOptions, stateOptions } from '../peer/peer-fixtures.js';
import {
  activeTransaction,
  collectUncaught,
  connectFromPartner,
  establishedSecondary,
  frameWithOptions,
  nowOf,
  rawFrame,
  settle,
  storedBindings,
} from './review-fixtures.js';

/** Returns a BNDUPD for an address in the pool, whose BNDACK shows the connection still works. */
function probeBNDUPD(now: number): ReturnType<typeof activeTransaction> {
  return activeTransaction('192.0.2.99', now + 600, 99);
}

describe('message-length attacks on an established connection', () => {
  it.each([0, 1, 11, 2049, 65535])(
    'closes with DISCONNECT 254 and logs message-length %i (FO-6.1-c, FO-8.6-c)',
    async (length) => {
      const { partner, log, storePath } = await establishedSecondary();

      partner.sendBytes(rawFrame(length, MessageType.BNDUPD, [0, 2, 0, 4, 192, 0, 2, 30]));
      const disconnect = await partner.nextOfType(MessageType.DISCONNECT);
      await partner.expectClosed();
      const rejected = log.withEvent('message.rejected');

      expect(findOption(disconnect, OptionCode.REJECT_REASON)).toBe(RejectReason.UNKNOWN);
      expect(rejected[0]?.['code']).toBe('FO_ERR_MESSAGE_LENGTH');
      expect(String(rejected[0]?.['msg'])).toContain(`message length ${length}`);
      expect(storedBindings(storePath)).toEqual([]);
    },
  );

  it('sends DISCONNECT 17 when a frame promises more bytes than arrive (FO-8.3-c)', async () => {
    const { partner, clock } = await establishedSecondary();

    partner.sendBytes(rawFrame(2048, MessageType.BNDUPD, [0, 2, 0, 4, 192, 0, 2, 30]));
    await settle();
    clock.advance(30_000);
    const disconnect = await partner.nextOfType(MessageType.DISCONNECT);
    await partner.expectClosed();

    expect(findOption(disconnect, OptionCode.REJECT_REASON)).toBe(RejectReason.NO_TRAFFIC);
  });
});

describe('message-type attacks on an established connection', () => {
  it.each([0, 13, 127])(
    'closes with DISCONNECT on unknown mandatory type %i (FO-6.1-d)',
    async (type) => {
      const { partner, log } = await establishedSecondary();

      partner.sendBytes(rawFrame(12, type));
      const disconnect = await partner.nextOfType(MessageType.DISCONNECT);
      await partner.expectClosed();

      expect(findOption(disconnect, OptionCode.REJECT_REASON)).toBe(RejectReason.UNKNOWN);
      expect(log.withEvent('message.rejected')[0]?.['code']).toBe('FO_ERR_UNKNOWN_MESSAGE_TYPE');
    },
  );

  it.each([128, 255])(
    'ignores unknown optional type %i and keeps answering (FO-6.1-d, E-4)',
    async (type) => {
      const started = await establishedSecondary();
      const { partner } = started;

      partner.sendBytes(rawFrame(16, type, [0, 99, 0, 0]));
      partner.send(MessageType.BNDUPD, probeBNDUPD(nowOf(started)), 40);
      const bndack = await partner.nextOfType(MessageType.BNDACK);

      expect(bndack.xid).toBe(40);
      expect(partner.isClosed).toBe(false);
      partner.close();
    },
  );
});

describe('option attacks on an established connection', () => {
  it('closes without storing a BNDUPD whose transaction repeats binding-status (FO-6.2-c)', async () => {
    const started = await establishedSecondary();
    const { partner, storePath } = started;
    const options = [
      ...activeTransaction('192.0.2.30', nowOf(started) + 600),
      option(OptionCode.BINDING_STATUS, BindingStatus.FREE),
    ];

    partner.send(MessageType.BNDUPD, options, 41);
    await partner.expectClosed();

    expect(partner.received.some((message) => message.type === MessageType.BNDACK)).toBe(false);
    expect(storedBindings(storePath)).toEqual([]);
  });

  it('closes without storing a BNDUPD whose last option overruns the message', async () => {
    const { partner, log, storePath } = await establishedSecondary();
    // assigned-IP-address 192.0.2.31, then binding-status claiming 9 bytes where 1 follows.
    const frame = frameWithOptions(MessageType.BNDUPD, [0, 2, 0, 4, 192, 0, 2, 31, 0, 3, 0, 9, 2]);

    partner.sendBytes(frame);
    const disconnect = await partner.nextOfType(MessageType.DISCONNECT);
    await partner.expectClosed();

    expect(findOption(disconnect, OptionCode.REJECT_REASON)).toBe(RejectReason.UNKNOWN);
    expect(log.withEvent('message.rejected')[0]?.['code']).toBe('FO_ERR_OPTION_OVERRUN');
    expect(storedBindings(storePath)).toEqual([]);
  });
});

describe('BNDUPD content attacks', () => {
  it('rejects an address outside every pool and stores nothing (FO-7.1.3-b)', async () => {
    const started = await establishedSecondary();
    const { partner, storePath } = started;

    partner.send(MessageType.BNDUPD, activeTransaction('10.9.8.7', nowOf(started) + 600), 42);
    const bndack = await partner.nextOfType(MessageType.BNDACK);

    expect(findOption(bndack, OptionCode.REJECT_REASON)).toBe(RejectReason.ILLEGAL_IP_ADDRESS);
    expect(storedBindings(storePath)).toEqual([]);
    partner.close();
  });

  it('rejects an ACTIVE update with lease-expiration-time 0 with reason 3 (FO-7.1.3-a)', async () => {
    const started = await establishedSecondary();
    const { partner, storePath } = started;

    partner.send(MessageType.BNDUPD, activeTransaction('192.0.2.32', 0, 2, nowOf(started)), 43);
    const bndack = await partner.nextOfType(MessageType.BNDACK);

    expect(findOption(bndack, OptionCode.REJECT_REASON)).toBe(
      RejectReason.MISSING_BINDING_INFORMATION,
    );
    expect(storedBindings(storePath)).toEqual([]);
    partner.close();
  });

  // The receiver reads a time of 0 as absent (ISC-13), so the update lacks a usable PET.
  it('rejects an ACTIVE update with potential-expiration-time 0 with reason 3 (FO-7.1.3-a)', async () => {
    const started = await establishedSecondary();
    const { partner, storePath } = started;

    partner.send(
      MessageType.BNDUPD,
      activeTransaction('192.0.2.33', nowOf(started) + 1000, 2, 0),
      44,
    );
    const bndack = await partner.nextOfType(MessageType.BNDACK);
    partner.close();

    expect(storedBindings(storePath)).toEqual([]);
    expect(findOption(bndack, OptionCode.REJECT_REASON)).toBe(
      RejectReason.MISSING_BINDING_INFORMATION,
    );
  });

  it('rejects and does not store an ACTIVE update whose PET precedes its lease (FO-7.1.1-f)', async () => {
    const started = await establishedSecondary();
    const { partner, storePath } = started;
    const now = nowOf(started);

    partner.send(
      MessageType.BNDUPD,
      activeTransaction('192.0.2.34', now + 2000, 3, now + 1000),
      49,
    );
    const bndack = await partner.nextOfType(MessageType.BNDACK);

    expect(findOption(bndack, OptionCode.REJECT_REASON)).toBe(
      RejectReason.MISSING_BINDING_INFORMATION,
    );
    expect(storedBindings(storePath)).toEqual([]);
    partner.close();
  });
});

describe('unsolicited answers and odd STATEs', () => {
  it('ignores a BNDACK for an xid it never sent and stays connected (FO-7.2.1-a)', async () => {
    const started = await establishedSecondary();
    const { partner, log } = started;

    partner.send(MessageType.BNDACK, [option(OptionCode.ASSIGNED_IP_ADDRESS, '192.0.2.33')], 4711);
    partner.send(MessageType.BNDUPD, probeBNDUPD(nowOf(started)), 44);
    await partner.nextOfType(MessageType.BNDACK);
    const warning = log.withEvent('message.rejected').find((line) => line['xid'] === 4711);

    expect(warning?.['level']).toBe(40);
    expect(partner.isClosed).toBe(false);
    partner.close();
  });

  it('ignores an UPDDONE that answers no request of its own (FO-7.5-a)', async () => {
    const started = await establishedSecondary();
    const { partner, peer, log } = started;

    partner.send(MessageType.UPDDONE, [], 4712);
    partner.send(MessageType.BNDUPD, probeBNDUPD(nowOf(started)), 45);
    await partner.nextOfType(MessageType.BNDACK);

    expect(log.withEvent('message.rejected').some((line) => line['xid'] === 4712)).toBe(true);
    expect(peer.state).toBe('STARTUP');
    partner.close();
  });

  it.each([0, 1, 99])(
    'ignores a STATE with server-state %i and logs it (FO-7.10.1-a, FO-12.24-a)',
    async (serverState) => {
      const started = await establishedSecondary();
      const { partner, peer, log } = started;
      const options = stateOptions('RECOVER', false, nowOf(started));
      options[0] = option(OptionCode.SERVER_STATE, serverState);

      partner.send(MessageType.STATE, options, 46);
      partner.send(MessageType.BNDUPD, probeBNDUPD(nowOf(started)), 47);
      await partner.nextOfType(MessageType.BNDACK);
      const warning = log
        .withEvent('message.rejected')
        .find((line) => String(line['msg']).includes(`server-state ${serverState}`));

      expect(warning?.['level']).toBe(40);
      expect(peer.state).toBe('STARTUP');
      expect(partner.received.some((message) => message.type === MessageType.UPDREQALL)).toBe(
        false,
      );
      partner.close();
    },
  );

  it('reads server-state 254 as RECOVER-WAIT and asks for every binding (E-5, FO-9.5.2-b)', async () => {
    const started = await establishedSecondary();
    const { partner, peer } = started;

    partner.send(MessageType.STATE, stateOptions('RECOVER-WAIT', false, nowOf(started)), 48);
    await partner.nextOfType(MessageType.UPDREQALL);

    expect(peer.state).toBe('RECOVER');
    partner.close();
  });
});

/** Returns a seeded linear congruential generator, so a failing run can be replayed. */
function seededRandom(seed: number): (limit: number) => number {
  let state = seed;
  return (limit) => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state % limit;
  };
}

/** Value lengths of the fixed-length options; others get 0 to 11 bytes. */
const FIXED_LENGTHS: Readonly<Record<number, number>> = {
  1: 4,
  2: 4,
  3: 1,
  6: 4,
  12: 2,
  13: 4,
  14: 4,
  15: 4,
  18: 4,
  19: 4,
  20: 1,
  21: 1,
  23: 1,
  24: 1,
  25: 4,
};

/** Builds a frame of a random type with random options, in-pool addresses and plausible times. */
function randomFrame(random: (limit: number) => number, now: number, xid: number): Uint8Array {
  const types = [3, 3, 3, 4, 7, 8, 9, 10, 11, 1, 2, 5, 6, 12, 128, 200];
  const body: number[] = [];
  const count = random(12);
  for (let index = 0; index < count; index++) {
    const code = [2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 16, 18, 21, 23, 24, 25, 28, 99][random(18)] ?? 2;
    const length = FIXED_LENGTHS[code] ?? random(12);
    const value = Array.from({ length }, () => 1 + random(255));
    if (code === 2) value.splice(0, 4, 192, 0, 2, 20 + random(90));
    if (code === 3 || code === 24) value[0] = 1 + random(11);
    if ([6, 13, 18, 25].includes(code)) {
      const time = now + random(7200) - 3600;
      value.splice(0, 4, time >>> 24, (time >>> 16) & 0xff, (time >>> 8) & 0xff, time & 0xff);
    }
    body.push(code >> 8, code & 0xff, length >> 8, length & 0xff, ...value);
  }

  return frameWithOptions(types[random(types.length)] ?? 3, body, xid);
}

describe('random frames', () => {
  it('survives 60 connections of seeded random frames with no uncaught exception', async () => {
    const started = await establishedSecondary();
    const random = seededRandom(20_260_101);
    started.partner.close();

    const caught = await collectUncaught(async () => {
      for (let round = 0; round < 60; round++) {
        const partner = await connectFromPartner(started);
        partner.send(MessageType.CONNECT, connectOptions(), 0);
        await partner.nextOfType(MessageType.CONNECTACK);
        for (let index = 0; index < 4; index++) {
          partner.sendBytes(randomFrame(random, nowOf(started), round * 10 + index + 1));
        }
        await settle(10);
        partner.close();
        await partner.closed;
      }
    });
    const last = await connectFromPartner(started);
    last.send(MessageType.CONNECT, connectOptions(), 0);
    const connectack = await last.nextOfType(MessageType.CONNECTACK);
    last.close();

    expect(caught.map((error) => error.message)).toEqual([]);
    expect(findOption(connectack, OptionCode.REJECT_REASON)).toBeUndefined();
  });
});
