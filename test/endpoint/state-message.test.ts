import { describe, expect, it } from 'vitest';
import { buildSTATEOptions, partnerStateEventOf } from '../../src/endpoint/state-message.js';
import { option } from '../../src/peer/options.js';
import { MessageType, OptionCode } from '../../src/wire/codes.js';
import type { FailoverMessage, FailoverOption } from '../../src/wire/types.js';

const T0 = 1_700_000_000;

function state(options: FailoverOption[]): FailoverMessage {
  return {
    type: MessageType.STATE,
    payloadOffset: 12,
    time: T0,
    xid: 1,
    extraHeader: new Uint8Array(0),
    options,
  };
}

describe('buildSTATEOptions', () => {
  it('sends RECOVER-WAIT as server-state 254 (E-5, ISC-7)', () => {
    const options = buildSTATEOptions({
      state: 'RECOVER-WAIT',
      startup: false,
      startTimeOfState: T0,
    });

    expect(options).toEqual([
      option(OptionCode.SERVER_STATE, 254),
      option(OptionCode.SERVER_FLAGS, 0),
      option(OptionCode.START_TIME_OF_STATE, T0),
    ]);
  });

  it('sets the S bit for a STATE sent in STARTUP (FO-9.3.1-b)', () => {
    const options = buildSTATEOptions({ state: 'NORMAL', startup: true, startTimeOfState: T0 });

    expect(options[1]).toEqual(option(OptionCode.SERVER_FLAGS, 1));
  });
});

describe('partnerStateEventOf', () => {
  it('reads server-state 254 as RECOVER-WAIT (E-5)', () => {
    const event = partnerStateEventOf(
      state([
        option(OptionCode.SERVER_STATE, 254),
        option(OptionCode.SERVER_FLAGS, 0),
        option(OptionCode.START_TIME_OF_STATE, T0),
      ]),
      0,
    );

    expect(event).toMatchObject({ type: 'PARTNER_STATE', state: 'RECOVER-WAIT', startup: false });
  });

  it('moves start-time-of-state onto the local clock (FO-7.8.2-g)', () => {
    const event = partnerStateEventOf(
      state([
        option(OptionCode.SERVER_STATE, 4),
        option(OptionCode.SERVER_FLAGS, 1),
        option(OptionCode.START_TIME_OF_STATE, T0 + 30),
      ]),
      30,
    );

    expect(event).toMatchObject({ state: 'PARTNER-DOWN', startup: true, startTimeOfState: T0 });
  });

  it('says a partner in RECOVER has no failover history (FO-9.3.2-a)', () => {
    const recover = partnerStateEventOf(state([option(OptionCode.SERVER_STATE, 6)]), 0);
    const normal = partnerStateEventOf(state([option(OptionCode.SERVER_STATE, 2)]), 0);

    expect(recover).toMatchObject({ partnerHasHistory: false });
    expect(normal).toMatchObject({ partnerHasHistory: true });
  });

  it('refuses server-state STARTUP, which is never sent (FO-12.24-a)', () => {
    expect(partnerStateEventOf(state([option(OptionCode.SERVER_STATE, 1)]), 0)).toBeTypeOf(
      'string',
    );
  });

  it('refuses a STATE without server-state', () => {
    expect(partnerStateEventOf(state([]), 0)).toBe('STATE without server-state');
  });
});
