// The endpoint machine's view of the connection: STATE goes out on every state change while a
// connection exists, even before the partner's first STATE arrived, and the PARTNER-DOWN start
// time belongs to one stay in PARTNER-DOWN.

import { describe, expect, it } from 'vitest';
import {
  EndpointPair,
  endpointIn,
  freshInput,
  partnerState,
  startEndpoint,
  stateOf,
} from './endpoint-harness.js';

describe('endpoint machine connection', () => {
  it('sends STATE when the connection is established (FO-7.10-a)', () => {
    const endpoint = startEndpoint(freshInput('primary', { previousState: 'NORMAL' }));

    endpoint.actor.send({ type: 'CONNECTED' });

    expect(endpoint.emitted).toEqual([{ type: 'SEND_STATE', state: 'NORMAL', startup: true }]);
    expect(endpoint.actor.getSnapshot().context.connected).toBe(true);
  });

  it('sends STATE on a change before the partner STATE arrives (FO-7.10-b)', () => {
    const endpoint = endpointIn('COMMUNICATIONS-INTERRUPTED', 'secondary', {
      communicationsOk: false,
      connected: false,
    });
    endpoint.actor.send({ type: 'CONNECTED' });
    endpoint.takeEmitted();

    endpoint.actor.send({ type: 'PARTNER_DOWN', since: 1_234 });

    expect(stateOf(endpoint)).toBe('PARTNER-DOWN');
    expect(endpoint.emitted.at(-1)).toEqual({
      type: 'SEND_STATE',
      state: 'PARTNER-DOWN',
      startup: false,
    });
  });

  it('sends no STATE on a change without a connection (FO-7.10-b)', () => {
    const endpoint = endpointIn('COMMUNICATIONS-INTERRUPTED', 'secondary', {
      communicationsOk: false,
      connected: false,
    });

    endpoint.actor.send({ type: 'PARTNER_DOWN', since: 1_234 });

    expect(stateOf(endpoint)).toBe('PARTNER-DOWN');
    expect(endpoint.takeEmitted()).not.toContain('SEND_STATE');
  });

  it('sends no STATE after the connection failed (FO-7.10-b)', () => {
    const endpoint = endpointIn('COMMUNICATIONS-INTERRUPTED', 'secondary', {
      communicationsOk: false,
      connected: false,
    });
    endpoint.actor.send({ type: 'CONNECTED' });
    endpoint.actor.send({ type: 'COMMUNICATIONS_FAILED' });
    endpoint.takeEmitted();

    endpoint.actor.send({ type: 'PARTNER_DOWN', since: 1_234 });

    expect(endpoint.actor.getSnapshot().context.connected).toBe(false);
    expect(endpoint.takeEmitted()).not.toContain('SEND_STATE');
  });

  it('tells a restarting partner of an operator PARTNER-DOWN (FO-7.10-b, FO-9.3.2-f)', () => {
    const primary = startEndpoint(freshInput('primary', { previousState: 'NORMAL' }));
    const secondary = endpointIn('COMMUNICATIONS-INTERRUPTED', 'secondary', {
      communicationsOk: false,
      connected: false,
    });
    const heardByPrimary: string[] = [];
    primary.actor.subscribe(({ context }) => heardByPrimary.push(context.partner?.state ?? '-'));
    const pair = new EndpointPair(primary, secondary);
    pair.connect();

    secondary.actor.send({ type: 'PARTNER_DOWN', since: 500 });
    pair.deliver();

    expect(heardByPrimary).toContain('PARTNER-DOWN');
  });
});

describe('endpoint machine PARTNER-DOWN start time', () => {
  it('clears the operator time on leaving PARTNER-DOWN (FO-9.4.2-c)', () => {
    const endpoint = endpointIn('NORMAL', 'secondary');
    endpoint.actor.send({ type: 'PARTNER_DOWN', since: 1_234 });

    endpoint.actor.send(partnerState('RECOVER-DONE'));

    expect(stateOf(endpoint)).toBe('NORMAL');
    expect(endpoint.actor.getSnapshot().context.partnerDownSince).toBeUndefined();
  });

  it('takes the entry time on a later entry without a command (FO-9.4.2-c)', () => {
    const endpoint = endpointIn('NORMAL', 'secondary');
    endpoint.actor.send({ type: 'PARTNER_DOWN', since: 1_234 });
    endpoint.actor.send(partnerState('RECOVER-DONE'));

    endpoint.actor.send({ ...partnerState('SHUTDOWN'), at: 9_000 });

    expect(stateOf(endpoint)).toBe('PARTNER-DOWN');
    expect(endpoint.actor.getSnapshot().context.partnerDownSince).toBe(9_000);
  });

  it('takes the entry time of a command without a time (FO-9.4.2-c)', () => {
    const endpoint = endpointIn('COMMUNICATIONS-INTERRUPTED', 'secondary');

    endpoint.actor.send({ type: 'PARTNER_DOWN', at: 7_000 });

    expect(endpoint.actor.getSnapshot().context.partnerDownSince).toBe(7_000);
  });

  it('takes the entry time when the safe period expires (FO-9.4.2-c, FO-10-a)', () => {
    const endpoint = endpointIn('COMMUNICATIONS-INTERRUPTED', 'secondary', {
      partnerDownSince: 1_234,
    });

    endpoint.actor.send({ type: 'SAFE_PERIOD_EXPIRED', at: 8_000 });

    expect(endpoint.actor.getSnapshot().context.partnerDownSince).toBe(8_000);
  });
});
