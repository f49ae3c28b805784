import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { findOption, option } from '../../src/peer/options.js';
import { nowSeconds } from '../../src/peer/timers.js';
import { openLeaseStore } from '../../src/store/sqlite-store.js';
import { MessageType, OptionCode, RejectReason } from '../../src/wire/codes.js';
import type { FailoverOption } from '../../src/wire/types.js';
import { RawPartner } from './raw-partner.js';
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

async function startSecondary(
  overrides: Record<string, unknown> = {},
): Promise<StartedPeer & { storePath: string }> {
  const storePath = join(temporaryDirectory(), 'secondary.db');
  const started = await startTestPeer(testConfig('secondary', storePath, overrides));
  return { ...started, storePath };
}

async function connectPartner(started: StartedPeer, localAddress?: string): Promise<RawPartner> {
  const partner = await RawPartner.connect(
    started.peer.listeningPort ?? 0,
    secondsOf(started.clock),
    localAddress,
  );
  return partner;
}

/** Sends a CONNECT with xid 0x10 and returns the CONNECTACK. */
async function exchangeCONNECT(
  partner: RawPartner,
  options: FailoverOption[],
  time?: number,
): Promise<ReturnType<RawPartner['next']> extends Promise<infer M> ? M : never> {
  partner.send(MessageType.CONNECT, options, 0x10, time);
  return partner.next();
}

describe('secondary CONNECT checks', () => {
  const rejections = [
    {
      title: 'rejects protocol-version 2 with reason 14 (FO-7.8.2-c)',
      options: connectOptions({
        [OptionCode.PROTOCOL_VERSION]: option(OptionCode.PROTOCOL_VERSION, 2),
      }),
      reason: RejectReason.PROTOCOL_VERSION_MISMATCH,
    },
    {
      title: 'rejects an unknown relationship-name with reason 8 (FO-7.8.2-f)',
      options: connectOptions({
        [OptionCode.RELATIONSHIP_NAME]: option(OptionCode.RELATIONSHIP_NAME, 'fo-test2'),
      }),
      reason: RejectReason.INVALID_FAILOVER_PARTNER,
    },
    {
      title: 'rejects a CONNECT without MCLT with reason 5 (FO-7.8.2-h)',
      options: connectOptions({ [OptionCode.MCLT]: null }),
      reason: RejectReason.INVALID_MCLT,
    },
    {
      title: 'rejects a CONNECT without hash-bucket-assignment with reason 18 (FO-7.8.2-i)',
      options: connectOptions({ [OptionCode.HASH_BUCKET_ASSIGNMENT]: null }),
      reason: RejectReason.HASH_BUCKET_ASSIGNMENT_CONFLICT,
    },
    {
      title: 'rejects a 16-byte hash-bucket-assignment with reason 18 (FO-7.8.2-i)',
      options: connectOptions({
        // Raw, because the encoder refuses a wrongly sized hash-bucket-assignment.
        [OptionCode.HASH_BUCKET_ASSIGNMENT]: {
          code: OptionCode.HASH_BUCKET_ASSIGNMENT,
          raw: new Uint8Array(16).fill(0xff),
        },
      }),
      reason: RejectReason.HASH_BUCKET_ASSIGNMENT_CONFLICT,
    },
    {
      title: 'rejects a CONNECT that requires TLS with reason 9 (FO-7.8.2-d)',
      options: connectOptions({ [OptionCode.TLS_REQUEST]: option(OptionCode.TLS_REQUEST, 2) }),
      reason: RejectReason.TLS_NOT_SUPPORTED,
    },
  ];

  it.each(rejections)('$title', async ({ options, reason }) => {
    const started = await startSecondary();
    const partner = await connectPartner(started);

    const connectack = await exchangeCONNECT(partner, options);

    expect(connectack.type).toBe(MessageType.CONNECTACK);
    expect(connectack.xid).toBe(0x10);
    expect(findOption(connectack, OptionCode.REJECT_REASON)).toBe(reason);
    expect(findOption(connectack, OptionCode.MESSAGE)).toBeTypeOf('string');
    expect(findOption(connectack, OptionCode.PROTOCOL_VERSION)).toBe(1);
    expect(findOption(connectack, OptionCode.MAX_UNACKED_BNDUPD)).toBeUndefined();
    await partner.expectClosed();
    expect(started.peer.state).toBe('STARTUP');
  });

  it('BL-06: rejects a CONNECT 61 s ahead with reject-reason 4 (FO-7.8.2-g)', async () => {
    const started = await startSecondary();
    const partner = await connectPartner(started);

    const connectack = await exchangeCONNECT(
      partner,
      connectOptions(),
      nowSeconds(started.clock) + 61,
    );

    expect(findOption(connectack, OptionCode.REJECT_REASON)).toBe(
      RejectReason.TIME_MISMATCH_TOO_GREAT,
    );
    expect(findOption(connectack, OptionCode.MESSAGE)).toBe('time offset too large');
    expect(findOption(connectack, OptionCode.RELATIONSHIP_NAME)).toBe(RELATIONSHIP);
    expect(findOption(connectack, OptionCode.TLS_REPLY)).toBe(0);
    await partner.expectClosed();
  });

  it('BL-06: accepts a CONNECT exactly 60 s behind (FO-7.8.2-g)', async () => {
    const started = await startSecondary();
    const partner = await connectPartner(started);

    const connectack = await exchangeCONNECT(
      partner,
      connectOptions(),
      nowSeconds(started.clock) - 60,
    );

    expect(findOption(connectack, OptionCode.REJECT_REASON)).toBeUndefined();
    partner.close();
  });

  it('checks protocol-version before relationship-name (FO-7.8.2-c)', async () => {
    const started = await startSecondary();
    const partner = await connectPartner(started);
    const options = connectOptions({
      [OptionCode.PROTOCOL_VERSION]: option(OptionCode.PROTOCOL_VERSION, 3),
      [OptionCode.RELATIONSHIP_NAME]: option(OptionCode.RELATIONSHIP_NAME, 'other'),
      [OptionCode.MCLT]: null,
    });

    const connectack = await exchangeCONNECT(partner, options);

    expect(findOption(connectack, OptionCode.REJECT_REASON)).toBe(
      RejectReason.PROTOCOL_VERSION_MISMATCH,
    );
  });

  it('checks the clock before MCLT and hash-bucket-assignment (FO-7.8.2-g)', async () => {
    const started = await startSecondary();
    const partner = await connectPartner(started);
    const options = connectOptions({
      [OptionCode.MCLT]: null,
      [OptionCode.HASH_BUCKET_ASSIGNMENT]: null,
    });

    const connectack = await exchangeCONNECT(partner, options, nowSeconds(started.clock) - 3600);

    expect(findOption(connectack, OptionCode.REJECT_REASON)).toBe(
      RejectReason.TIME_MISMATCH_TOO_GREAT,
    );
  });

  it('accepts a CONNECT and sends CONNECTACK then STATE with the S bit (FO-7.9.1-f, FO-9.3.1-b)', async () => {
    const started = await startSecondary();
    const partner = await connectPartner(started);

    const connectack = await exchangeCONNECT(partner, connectOptions());
    const state = await partner.next();

    expect(connectack.xid).toBe(0x10);
    expect(findOption(connectack, OptionCode.REJECT_REASON)).toBeUndefined();
    expect(findOption(connectack, OptionCode.MAX_UNACKED_BNDUPD)).toBe(10);
    expect(findOption(connectack, OptionCode.RECEIVE_TIMER)).toBe(30);
    expect(findOption(connectack, OptionCode.VENDOR_CLASS_IDENTIFIER)).toMatch(/^dhcpf-/);
    expect(findOption(connectack, OptionCode.TLS_REPLY)).toBe(0);
    expect(state.type).toBe(MessageType.STATE);
    expect(findOption(state, OptionCode.SERVER_STATE)).toBe(6);
    expect(findOption(state, OptionCode.SERVER_FLAGS)).toBe(1);
    partner.close();
  });

  it('stores the MCLT of an accepted CONNECT before answering (FO-7.8.2-h)', async () => {
    const started = await startSecondary({ mclt: 3600 });
    const partner = await connectPartner(started);

    await exchangeCONNECT(partner, connectOptions());
    const store = openLeaseStore(started.storePath, { readonly: true });
    const record = store.readEndpoint(RELATIONSHIP);
    store.close();

    expect(record?.mclt).toBe(600);
    expect(started.peer.mclt).toBe(600);
    partner.close();
  });

  it('closes a connection from an address other than the partner without reading (FO-7.8.2-f)', async () => {
    const started = await startSecondary();
    const partner = await connectPartner(started, '127.0.0.2');

    partner.send(MessageType.CONNECT, connectOptions(), 0x10);
    await partner.expectClosed();

    expect(partner.received).toHaveLength(0);
    expect(started.log.withEvent('connection.refused')[0]?.['remote']).toBe('127.0.0.2');
  });

  it('closes a connection that sends no CONNECT within the receive-timer (FO-7.8.2-a)', async () => {
    const started = await startSecondary({ receiveTimer: 30 });
    const partner = await connectPartner(started);
    await new Promise((resolve) => setTimeout(resolve, 20));

    started.clock.advance(30_000);
    await partner.expectClosed();

    expect(partner.received).toHaveLength(0);
  });

  it('closes a connection whose first message is not CONNECT (FO-7.8-a)', async () => {
    const started = await startSecondary();
    const partner = await connectPartner(started);

    partner.send(MessageType.STATE, stateOptions('NORMAL', false, nowSeconds(started.clock)), 1);
    await partner.expectClosed();

    expect(partner.received).toHaveLength(0);
  });

  it('rejects a second connection of a connected relationship with reason 7 (ISC-8)', async () => {
    const started = await startSecondary();
    const first = await connectPartner(started);
    await exchangeCONNECT(first, connectOptions());
    const second = await connectPartner(started);

    const connectack = await exchangeCONNECT(second, connectOptions());

    expect(findOption(connectack, OptionCode.REJECT_REASON)).toBe(
      RejectReason.DUPLICATE_CONNECTION,
    );
    await second.expectClosed();
    expect(first.isClosed).toBe(false);
    first.close();
  });
});
