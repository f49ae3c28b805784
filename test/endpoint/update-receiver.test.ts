import { describe, expect, it } from 'vitest';
import { UpdateReceiver } from '../../src/endpoint/update-receiver.js';
import { createSilentLogger } from '../../src/log.js';
import { openLeaseStore } from '../../src/store/sqlite-store.js';
import { BindingStatus, MessageType, OptionCode, RejectReason } from '../../src/wire/codes.js';
import { encodeMessage } from '../../src/wire/message.js';
import { option } from '../../src/wire/options.js';
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
