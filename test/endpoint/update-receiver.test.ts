import { describe, expect, it } from 'vitest';
import { UpdateReceiver } from '../../src/endpoint/update-receiver.js';
import { createSilentLogger } from '../../src/log.js';
import { openLeaseStore } from '../../src/store/sqlite-store.js';
import type { LeaseStore } from '../../src/store/types.js';
import { BindingStatus, MessageType, OptionCode, RejectReason } from '../../src/wire/codes.js';
import { encodeMessage } from '../../src/wire/message.js';
import { isOptionOf, option } from '../../src/wire/options.js';
import type { FailoverMessage, FailoverOption } from '../../src/wire/types.js';

const POOL = { start: '192.0.2.20', end: '192.0.2.110' };
const NOW = 1_767_225_600;

/** `count` FREE transactions for addresses outside POOL, 13 bytes each on the wire. */
function outOfPoolFREEs(count: number): FailoverOption[] {
  return Array.from({ length: count }, (_, index) => [
    option(OptionCode.ASSIGNED_IP_ADDRESS, `198.51.100.${index + 1}`),
    option(OptionCode.BINDING_STATUS, BindingStatus.FREE),
  ]).flat();
}

function bndupd(options: FailoverOption[]): FailoverMessage {
  return {
    type: MessageType.BNDUPD,
    payloadOffset: 12,
    time: NOW,
    xid: 7,
    extraHeader: new Uint8Array(0),
    options,
  };
}

/** Returns the BNDACK the receiver prepares for one BNDUPD of `options`. */
function bndackFor(options: FailoverOption[]): FailoverMessage {
  const receiver = new UpdateReceiver({
    store: openLeaseStore(':memory:'),
    logger: createSilentLogger(),
    role: 'secondary',
    pools: [POOL],
    profile: 'isc',
  });
  const [prepared] = receiver.process([bndupd(options)], 0, NOW);
  return { ...bndupd(prepared?.options ?? []), type: MessageType.BNDACK, xid: prepared?.xid ?? 0 };
}

function optionsWithCode(message: FailoverMessage, code: number): FailoverOption[] {
  return message.options.filter((item) => item.code === code);
}

describe('UpdateReceiver BNDACK length', () => {
  it('sends a message with each rejection when the BNDACK fits (FO-7.2.1-c)', () => {
    const bndack = bndackFor(outOfPoolFREEs(3));

    expect(optionsWithCode(bndack, OptionCode.REJECT_REASON)).toHaveLength(3);
    expect(optionsWithCode(bndack, OptionCode.MESSAGE)).toHaveLength(3);
  });

  it('leaves out the messages when they would pass 2048 bytes (FO-6.1-c, FO-7.2-a)', () => {
    const bndack = bndackFor(outOfPoolFREEs(59));

    expect(optionsWithCode(bndack, OptionCode.ASSIGNED_IP_ADDRESS)).toHaveLength(59);
    expect(optionsWithCode(bndack, OptionCode.REJECT_REASON)).toEqual(
      Array.from({ length: 59 }, () =>
        option(OptionCode.REJECT_REASON, RejectReason.ILLEGAL_IP_ADDRESS),
      ),
    );
    expect(optionsWithCode(bndack, OptionCode.MESSAGE)).toEqual([]);
    expect(encodeMessage(bndack, 'isc').length).toBeLessThanOrEqual(2048);
  });

  it('fits a BNDUPD of 2048 bytes rejected whole without messages (FO-6.1-c)', () => {
    // 156 transactions of 13 bytes fill 2028 of the 2036 option bytes.
    const options = outOfPoolFREEs(156);
    const bndack = bndackFor(options);

    expect(encodeMessage(bndupd(options), 'isc').length).toBe(2040);
    expect(optionsWithCode(bndack, OptionCode.REJECT_REASON)).toHaveLength(156);
    expect(encodeMessage(bndack, 'isc').length).toBe(2040);
  });
});

const CLIENT = { htype: 1, chaddr: Uint8Array.of(2, 0, 0, 0, 0xc1, 1) };
const ADDRESS = '192.0.2.30';

function activeTransaction(cltt: number): FailoverOption[] {
  return [
    option(OptionCode.ASSIGNED_IP_ADDRESS, ADDRESS),
    option(OptionCode.BINDING_STATUS, BindingStatus.ACTIVE),
    option(OptionCode.CLIENT_HARDWARE_ADDRESS, CLIENT),
    option(OptionCode.LEASE_EXPIRATION_TIME, cltt + 600),
    option(OptionCode.POTENTIAL_EXPIRATION_TIME, cltt + 1200),
    option(OptionCode.START_TIME_OF_STATE, cltt),
    option(OptionCode.CLIENT_LAST_TRANSACTION_TIME, cltt),
  ];
}

function releasedTransaction(cltt: number): FailoverOption[] {
  return [
    option(OptionCode.ASSIGNED_IP_ADDRESS, ADDRESS),
    option(OptionCode.BINDING_STATUS, BindingStatus.RELEASED),
    option(OptionCode.CLIENT_HARDWARE_ADDRESS, CLIENT),
    option(OptionCode.START_TIME_OF_STATE, cltt),
    option(OptionCode.CLIENT_LAST_TRANSACTION_TIME, cltt),
  ];
}

function receiverWithStore(): { receiver: UpdateReceiver; store: LeaseStore } {
  const store = openLeaseStore(':memory:');
  const receiver = new UpdateReceiver({
    store,
    logger: createSilentLogger(),
    role: 'secondary',
    pools: [POOL],
    profile: 'isc',
  });
  return { receiver, store };
}

/** Processes one BNDUPD and returns the reject-reasons of its BNDACK. */
function rejectReasonsOf(receiver: UpdateReceiver, options: FailoverOption[]): number[] {
  const [prepared] = receiver.process([bndupd(options)], 0, NOW);
  return (prepared?.options ?? []).flatMap((item) =>
    isOptionOf(item, OptionCode.REJECT_REASON) ? [item.value] : [],
  );
}

describe('UpdateReceiver CLTT ties', () => {
  it('accepts a RELEASED whose CLTT ties the partner ACTIVE it follows (FO-7.1.3-d)', () => {
    const { receiver, store } = receiverWithStore();
    rejectReasonsOf(receiver, activeTransaction(NOW));

    const reasons = rejectReasonsOf(receiver, releasedTransaction(NOW));

    expect(reasons).toEqual([]);
    expect(store.getBinding(ADDRESS)?.bindingStatus).toBe('FREE');
  });

  it('accepts the tie inside one batch of two BNDUPDs (FO-7.1.3-d)', () => {
    const { receiver, store } = receiverWithStore();

    const acks = receiver.process(
      [bndupd(activeTransaction(NOW)), { ...bndupd(releasedTransaction(NOW)), xid: 8 }],
      0,
      NOW,
    );

    expect(acks.flatMap((ack) => ack.options.map((item) => item.code))).toEqual([
      OptionCode.ASSIGNED_IP_ADDRESS,
      OptionCode.ASSIGNED_IP_ADDRESS,
    ]);
    expect(store.getBinding(ADDRESS)?.bindingStatus).toBe('FREE');
  });

  it('rejects a tie with a binding this server changed since, with reason 15 (FO-7.1.3-d)', () => {
    const { receiver, store } = receiverWithStore();
    rejectReasonsOf(receiver, activeTransaction(NOW));
    const stored = store.getBinding(ADDRESS);
    if (stored === undefined) throw new Error('ACTIVE update not stored');
    // A renewal this server gave in the same second raises updateSeq.
    store.putBindings([{ ...stored, updateSeq: stored.updateSeq + 1, pendingUpdate: true }]);

    const reasons = rejectReasonsOf(receiver, releasedTransaction(NOW));

    expect(reasons).toEqual([RejectReason.OUTDATED_BINDING_INFORMATION]);
    expect(store.getBinding(ADDRESS)?.bindingStatus).toBe('ACTIVE');
  });

  it('rejects a tie with a binding stored before this receiver started (FO-7.1.3-d)', () => {
    const { receiver, store } = receiverWithStore();
    rejectReasonsOf(receiver, activeTransaction(NOW));
    const restarted = new UpdateReceiver({
      store,
      logger: createSilentLogger(),
      role: 'secondary',
      pools: [POOL],
      profile: 'isc',
    });

    const reasons = rejectReasonsOf(restarted, releasedTransaction(NOW));

    expect(reasons).toEqual([RejectReason.OUTDATED_BINDING_INFORMATION]);
  });

  it('rejects an earlier CLTT even after the partner ACTIVE (FO-7.1.3-d)', () => {
    const { receiver } = receiverWithStore();
    rejectReasonsOf(receiver, activeTransaction(NOW));

    const reasons = rejectReasonsOf(receiver, releasedTransaction(NOW - 1));

    expect(reasons).toEqual([RejectReason.OUTDATED_BINDING_INFORMATION]);
  });
});

describe('UpdateReceiver with a lent address', () => {
  it('acknowledges a RELEASED the lent BACKUP repeats and keeps BACKUP (FO-5.11-e)', () => {
    const store = openLeaseStore(':memory:');
    const lent = {
      address: '192.0.2.30',
      bindingStatus: 'BACKUP' as const,
      ipFlags: 0,
      clientHardwareAddress: { htype: 1, chaddr: Uint8Array.of(0, 0, 0x5e, 0, 0x53, 0x30) },
      clientLastTransactionTime: NOW - 20,
      startTimeOfState: NOW - 10,
      pendingUpdate: true,
      updateSeq: 4,
    };
    store.putBindings([lent]);
    const receiver = new UpdateReceiver({
      store,
      logger: createSilentLogger(),
      role: 'primary',
      pools: [POOL],
      profile: 'isc',
    });

    const [prepared] = receiver.process(
      [
        bndupd([
          option(OptionCode.ASSIGNED_IP_ADDRESS, '192.0.2.30'),
          option(OptionCode.BINDING_STATUS, BindingStatus.RELEASED),
          option(OptionCode.CLIENT_HARDWARE_ADDRESS, {
            htype: 1,
            chaddr: Uint8Array.of(0, 0, 0x5e, 0, 0x53, 0x30),
          }),
          option(OptionCode.START_TIME_OF_STATE, NOW - 20),
          option(OptionCode.CLIENT_LAST_TRANSACTION_TIME, NOW - 20),
        ]),
      ],
      0,
      NOW,
    );
    const kept = store.getBinding('192.0.2.30');

    expect(
      optionsWithCode({ ...bndupd(prepared?.options ?? []) }, OptionCode.REJECT_REASON),
    ).toEqual([]);
    expect(kept?.bindingStatus).toBe('BACKUP');
    expect(kept?.pendingUpdate).toBe(true);
    expect(kept?.updateSeq).toBe(4);
  });
});
