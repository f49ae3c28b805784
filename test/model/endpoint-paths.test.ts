// Exchanges between two endpoint machines wired as the runtime wires them, and the rules outside
// the reaction matrix: RECOVER requests, STARTUP, timers, operator commands and halting.

import { describe, expect, it } from 'vitest';
import { serverStateToSend } from '../../model/endpoint.js';
import type { StartupExpiryPolicy } from '../../model/endpoint-types.js';
import type { FailoverStateName } from '../../src/wire/codes.js';
import {
  EndpointPair,
  endpointIn,
  freshInput,
  partnerState,
  startEndpoint,
  stateOf,
  type RecordingActor,
} from './endpoint-harness.js';

/**
 * Collects the state values an actor passes through, starting with the current one, because
 * `actor.subscribe` reports only later snapshots.
 */
function watchStates(endpoint: RecordingActor): FailoverStateName[] {
  const seen: FailoverStateName[] = [stateOf(endpoint)];
  endpoint.actor.subscribe((snapshot) => {
    if (seen.at(-1) !== snapshot.value) {
      seen.push(snapshot.value);
    }
  });

  return seen;
}

describe('endpoint walking skeleton', () => {
  it('takes a fresh pair to NORMAL (FO-9.5.2-b, FO-9.6.2-b)', () => {
    const primary = startEndpoint(freshInput('primary'));
    const secondary = startEndpoint(freshInput('secondary'));
    const primaryStates = watchStates(primary);
    const secondaryStates = watchStates(secondary);
    const pair = new EndpointPair(primary, secondary);

    pair.connect();
    pair.deliver();

    for (const [endpoint, states] of [
      [primary, primaryStates],
      [secondary, secondaryStates],
    ] as const) {
      expect(states).toEqual(['STARTUP', 'RECOVER', 'RECOVER-DONE', 'NORMAL']);
      expect(endpoint.emitted).toEqual([
        { type: 'SEND_STATE', state: 'RECOVER', startup: true },
        { type: 'SEND_STATE', state: 'RECOVER', startup: false },
        { type: 'SEND_UPDREQALL' },
        { type: 'SEND_STATE', state: 'RECOVER-DONE', startup: false },
        { type: 'SEND_STATE', state: 'NORMAL', startup: false },
        { type: 'SEND_PENDING_UPDATES' },
      ]);
      expect(endpoint.actor.getSnapshot().context.hasSyncedBefore).toBe(true);
    }
  });

  it('waits in RECOVER-WAIT for MCLT when the partner has a history (FO-9.6.2-a, FO-9.7.2-a)', () => {
    const secondary = startEndpoint(freshInput('secondary'));

    secondary.actor.send(partnerState('RECOVER', { startup: true }));
    expect(secondary.takeEmitted()).toEqual(['SEND_STATE', 'SEND_UPDREQALL']);

    secondary.actor.send(partnerState('RECOVER'));
    expect(secondary.takeEmitted()).toEqual([]);

    secondary.actor.send({ type: 'UPDDONE' });
    expect(stateOf(secondary)).toBe('RECOVER-WAIT');
    expect(secondary.emitted.slice(-2)).toEqual([
      { type: 'SEND_STATE', state: 'RECOVER-WAIT', startup: false },
      { type: 'START_RECOVER_WAIT_TIMER', expiresAt: 'failure-time-plus-mclt' },
    ]);
    secondary.takeEmitted();

    secondary.actor.send(partnerState('RECOVER-WAIT'));
    secondary.actor.send(partnerState('RECOVER-DONE'));
    expect(stateOf(secondary)).toBe('RECOVER-WAIT');

    secondary.actor.send({ type: 'MCLT_EXPIRED' });
    expect(stateOf(secondary)).toBe('RECOVER-DONE');

    secondary.actor.send(partnerState('NORMAL'));
    expect(stateOf(secondary)).toBe('NORMAL');
    expect(secondary.takeEmitted()).toEqual(['SEND_STATE', 'SEND_STATE', 'SEND_PENDING_UPDATES']);
  });

  it('rejoins a partner in PARTNER-DOWN after a graceful SHUTDOWN (FO-9.14.2-b, FO-9.3.2-f)', () => {
    const primary = startEndpoint(freshInput('primary'));
    const secondary = startEndpoint(freshInput('secondary'));
    const first = new EndpointPair(primary, secondary);
    first.connect();
    first.deliver();

    secondary.actor.send({ type: 'SHUTDOWN' });
    first.deliver();
    expect(stateOf(primary)).toBe('PARTNER-DOWN');
    const record = secondary.actor.getSnapshot().context;
    expect(record.previousState).toBe('RECOVER');
    secondary.actor.stop();
    primary.actor.send({ type: 'COMMUNICATIONS_FAILED' });

    const restarted = startEndpoint(
      freshInput('secondary', {
        previousState: record.previousState,
        hasSyncedBefore: record.hasSyncedBefore,
      }),
    );
    const restartedStates = watchStates(restarted);
    const second = new EndpointPair(primary, restarted);
    second.connect();
    second.deliver();

    expect(restartedStates).toEqual(['STARTUP', 'RECOVER', 'RECOVER-WAIT']);
    expect(restarted.emitted).toContainEqual({ type: 'SEND_UPDREQ' });
    expect(stateOf(primary)).toBe('PARTNER-DOWN');

    restarted.actor.send({ type: 'MCLT_EXPIRED' });
    second.deliver();

    expect(restartedStates.slice(-2)).toEqual(['RECOVER-DONE', 'NORMAL']);
    expect(stateOf(primary)).toBe('NORMAL');
  });

  it('resolves a double PARTNER-DOWN (FO-9.10.3-b, FO-9.10.3-c)', () => {
    const primary = endpointIn('PARTNER-DOWN', 'primary', { communicationsOk: false });
    const secondary = endpointIn('PARTNER-DOWN', 'secondary', { communicationsOk: false });
    const primaryStates = watchStates(primary);
    const secondaryStates = watchStates(secondary);
    const pair = new EndpointPair(primary, secondary);

    pair.connect();
    pair.deliver();

    expect(primaryStates).toEqual([
      'PARTNER-DOWN',
      'POTENTIAL-CONFLICT',
      'CONFLICT-DONE',
      'NORMAL',
    ]);
    expect(secondaryStates).toEqual(['PARTNER-DOWN', 'POTENTIAL-CONFLICT', 'NORMAL']);
    expect(primary.emitted).toContainEqual({ type: 'SEND_UPDREQ' });
    expect(secondary.emitted).toContainEqual({ type: 'SEND_UPDREQ' });
  });
});

describe('endpoint RECOVER requests', () => {
  it.each([
    { storageLost: false, hasSyncedBefore: false, request: 'SEND_UPDREQALL' },
    { storageLost: true, hasSyncedBefore: true, request: 'SEND_UPDREQALL' },
    { storageLost: false, hasSyncedBefore: true, request: 'SEND_UPDREQ' },
  ])(
    'sends $request with storageLost $storageLost and hasSyncedBefore $hasSyncedBefore (FO-9.5.2-b)',
    ({ storageLost, hasSyncedBefore, request }) => {
      const endpoint = startEndpoint(freshInput('primary', { storageLost, hasSyncedBefore }));

      endpoint.actor.send(partnerState('PARTNER-DOWN', { startTimeOfState: 5_000 }));

      expect(stateOf(endpoint)).toBe('RECOVER');
      expect(endpoint.takeEmitted()).toEqual(['SEND_STATE', request]);
    },
  );

  it('sends one request per connection and reissues it after reconnecting (FO-9.5.2-d)', () => {
    const endpoint = endpointIn('RECOVER', 'secondary', { hasSyncedBefore: true });

    endpoint.actor.send(partnerState('PARTNER-DOWN'));
    endpoint.actor.send(partnerState('PARTNER-DOWN'));
    expect(endpoint.takeEmitted()).toEqual(['SEND_UPDREQ']);

    endpoint.actor.send({ type: 'COMMUNICATIONS_FAILED' });
    endpoint.actor.send(partnerState('PARTNER-DOWN'));
    expect(stateOf(endpoint)).toBe('RECOVER');
    expect(endpoint.takeEmitted()).toEqual(['SEND_UPDREQ']);
  });

  it('clears storageLost and records a sync on UPDDONE (FO-9.5.2-c)', () => {
    const endpoint = endpointIn('RECOVER', 'primary', { storageLost: true, updateRequested: true });

    endpoint.actor.send({ type: 'UPDDONE' });
    const context = endpoint.actor.getSnapshot().context;

    expect(stateOf(endpoint)).toBe('RECOVER-WAIT');
    expect(context.storageLost).toBe(false);
    expect(context.hasSyncedBefore).toBe(true);
  });

  it('leaves RECOVER-WAIT on MCLT_EXPIRED while disconnected, without STATE (FO-9.6.2-c)', () => {
    const endpoint = endpointIn('RECOVER-WAIT', 'secondary', { communicationsOk: false });

    endpoint.actor.send({ type: 'MCLT_EXPIRED' });

    expect(stateOf(endpoint)).toBe('RECOVER-DONE');
    expect(endpoint.emitted).toEqual([]);
  });
});

describe('endpoint STARTUP', () => {
  it('sends the previous state with S=1 (FO-9.3.1-b, FO-9.3.2-a)', () => {
    const fresh = startEndpoint(freshInput('primary'));
    const restarted = startEndpoint(freshInput('primary', { previousState: 'NORMAL' }));

    expect(serverStateToSend(fresh.actor.getSnapshot())).toEqual({
      state: 'RECOVER',
      startup: true,
    });
    expect(serverStateToSend(restarted.actor.getSnapshot())).toEqual({
      state: 'NORMAL',
      startup: true,
    });
  });

  it('resumes RECOVER when the recorded state is a halted one (FO-9.3.2-a)', () => {
    for (const previousState of ['PAUSED', 'SHUTDOWN', 'STARTUP'] as const) {
      const endpoint = startEndpoint(freshInput('secondary', { previousState }));

      expect(endpoint.actor.getSnapshot().context.previousState).toBe('RECOVER');
    }
  });

  it.each<{ policy: StartupExpiryPolicy; previous?: FailoverStateName; expected: string }>([
    { policy: 'previous-state', expected: 'RECOVER' },
    { policy: 'previous-state', previous: 'NORMAL', expected: 'COMMUNICATIONS-INTERRUPTED' },
    {
      policy: 'previous-state',
      previous: 'POTENTIAL-CONFLICT',
      expected: 'RESOLUTION-INTERRUPTED',
    },
    { policy: 'previous-state', previous: 'PARTNER-DOWN', expected: 'PARTNER-DOWN' },
    { policy: 'keep-waiting', previous: 'NORMAL', expected: 'STARTUP' },
    { policy: 'partner-down', expected: 'PARTNER-DOWN' },
    { policy: 'serve-without-history', expected: 'COMMUNICATIONS-INTERRUPTED' },
    { policy: 'serve-without-history', previous: 'RECOVER-DONE', expected: 'RECOVER-DONE' },
  ])(
    'enters $expected on STARTUP_EXPIRED by policy $policy from previous $previous (FO-9.3.2-g)',
    ({ policy, previous, expected }) => {
      const input = freshInput('primary', { previousState: previous, startupExpiry: policy });
      const endpoint = startEndpoint(input);

      endpoint.actor.send({ type: 'STARTUP_EXPIRED' });

      expect(stateOf(endpoint)).toBe(expected);
      expect(endpoint.takeEmitted()).not.toContain('SEND_STATE');
    },
  );

  it('ignores timers and commands meant for other states', () => {
    const endpoint = startEndpoint(freshInput('primary'));

    for (const type of [
      'UPDDONE',
      'MCLT_EXPIRED',
      'SAFE_PERIOD_EXPIRED',
      'PARTNER_DOWN',
    ] as const) {
      endpoint.actor.send({ type });
    }

    expect(stateOf(endpoint)).toBe('STARTUP');
    expect(endpoint.emitted).toEqual([]);
  });
});

describe('endpoint timers and operator commands', () => {
  it('raises an alarm leaving NORMAL on failure (FO-9.8.4-c, FO-9.9.1-b)', () => {
    const endpoint = endpointIn('NORMAL', 'primary');

    endpoint.actor.send({ type: 'COMMUNICATIONS_FAILED' });

    expect(stateOf(endpoint)).toBe('COMMUNICATIONS-INTERRUPTED');
    expect(endpoint.emitted).toEqual([
      { type: 'RAISE_ALARM', state: 'COMMUNICATIONS-INTERRUPTED', rule: 'FO-9.9.1-b' },
      { type: 'START_SAFE_PERIOD_TIMER' },
    ]);
  });

  it('interrupts POTENTIAL-CONFLICT on failure (FO-9.10.3-a, FO-9.11.1-a)', () => {
    const endpoint = endpointIn('POTENTIAL-CONFLICT', 'secondary');

    endpoint.actor.send({ type: 'COMMUNICATIONS_FAILED' });

    expect(stateOf(endpoint)).toBe('RESOLUTION-INTERRUPTED');
    expect(endpoint.emitted).toEqual([
      { type: 'RAISE_ALARM', state: 'RESOLUTION-INTERRUPTED', rule: 'FO-9.11.1-a' },
    ]);
  });

  it.each(['PARTNER-DOWN', 'RECOVER', 'RECOVER-WAIT', 'RECOVER-DONE', 'CONFLICT-DONE'] as const)(
    'stays in %s on a communications failure (FO-9.2-d)',
    (state) => {
      const endpoint = endpointIn(state, 'primary');

      endpoint.actor.send({ type: 'COMMUNICATIONS_FAILED' });

      expect(stateOf(endpoint)).toBe(state);
      expect(endpoint.actor.getSnapshot().context.communicationsOk).toBe(false);
    },
  );

  it.each(['NORMAL', 'COMMUNICATIONS-INTERRUPTED', 'RESOLUTION-INTERRUPTED'] as const)(
    'enters PARTNER-DOWN from %s on the operator command (FO-9.8.4-a, FO-9.9.3-a, FO-9.11.3-a)',
    (state) => {
      const endpoint = endpointIn(state, 'secondary');

      endpoint.actor.send({ type: 'PARTNER_DOWN', since: 1_234 });

      expect(stateOf(endpoint)).toBe('PARTNER-DOWN');
      expect(endpoint.actor.getSnapshot().context.partnerDownSince).toBe(1_234);
    },
  );

  it('takes no PARTNER_DOWN command while synchronizing', () => {
    for (const state of ['RECOVER', 'RECOVER-WAIT', 'POTENTIAL-CONFLICT'] as const) {
      const endpoint = endpointIn(state, 'primary');

      endpoint.actor.send({ type: 'PARTNER_DOWN' });

      expect(stateOf(endpoint)).toBe(state);
    }
  });

  it('enters PARTNER-DOWN when the safe period expires (FO-9.9.3-a, FO-10-a)', () => {
    const interrupted = endpointIn('COMMUNICATIONS-INTERRUPTED', 'primary', {
      communicationsOk: false,
    });
    const normal = endpointIn('NORMAL', 'primary');

    interrupted.actor.send({ type: 'SAFE_PERIOD_EXPIRED' });
    normal.actor.send({ type: 'SAFE_PERIOD_EXPIRED' });

    expect(stateOf(interrupted)).toBe('PARTNER-DOWN');
    expect(stateOf(normal)).toBe('NORMAL');
  });

  it('sends UPDREQ on entering POTENTIAL-CONFLICT as primary only (FO-9.10.1-a)', () => {
    const primary = endpointIn('COMMUNICATIONS-INTERRUPTED', 'primary');
    const secondary = endpointIn('COMMUNICATIONS-INTERRUPTED', 'secondary');

    primary.actor.send(partnerState('PARTNER-DOWN'));
    secondary.actor.send(partnerState('PARTNER-DOWN'));

    expect(primary.takeEmitted()).toEqual(['SEND_STATE', 'SEND_UPDREQ']);
    expect(secondary.takeEmitted()).toEqual(['SEND_STATE']);
  });

  it('ends POTENTIAL-CONFLICT on UPDDONE by role (FO-9.10.3-b)', () => {
    const primary = endpointIn('POTENTIAL-CONFLICT', 'primary');
    const secondary = endpointIn('POTENTIAL-CONFLICT', 'secondary');

    primary.actor.send({ type: 'UPDDONE' });
    secondary.actor.send({ type: 'UPDDONE' });

    expect(stateOf(primary)).toBe('CONFLICT-DONE');
    expect(stateOf(secondary)).toBe('NORMAL');
  });
});

describe('endpoint PAUSED and SHUTDOWN', () => {
  it('keeps the state it leaves for the restart (FO-9.13.1-a, FO-9.14.1-a)', () => {
    const paused = endpointIn('RECOVER-DONE', 'primary');
    const shutDown = endpointIn('COMMUNICATIONS-INTERRUPTED', 'primary');

    paused.actor.send({ type: 'PAUSE' });
    shutDown.actor.send({ type: 'SHUTDOWN' });

    expect(stateOf(paused)).toBe('PAUSED');
    expect(paused.actor.getSnapshot().context.previousState).toBe('RECOVER-DONE');
    expect(paused.emitted).toEqual([{ type: 'SEND_STATE', state: 'PAUSED', startup: false }]);
    expect(shutDown.actor.getSnapshot().context.previousState).toBe('COMMUNICATIONS-INTERRUPTED');
  });

  it('keeps the state held before PAUSED through a later SHUTDOWN (FO-9.13.2-a)', () => {
    const endpoint = endpointIn('NORMAL', 'secondary');

    endpoint.actor.send({ type: 'PAUSE' });
    endpoint.actor.send({ type: 'SHUTDOWN' });
    endpoint.actor.send({ type: 'PAUSE' });

    expect(stateOf(endpoint)).toBe('SHUTDOWN');
    expect(endpoint.actor.getSnapshot().context.previousState).toBe('NORMAL');
  });

  it('records RECOVER for the restart once the partner enters PARTNER-DOWN (FO-9.14.2-b)', () => {
    const shutDown = endpointIn('NORMAL', 'primary');
    const paused = endpointIn('NORMAL', 'primary');
    shutDown.actor.send({ type: 'SHUTDOWN' });
    paused.actor.send({ type: 'PAUSE' });

    shutDown.actor.send(partnerState('PARTNER-DOWN'));
    paused.actor.send(partnerState('PARTNER-DOWN'));

    expect(stateOf(shutDown)).toBe('SHUTDOWN');
    expect(shutDown.actor.getSnapshot().context.previousState).toBe('RECOVER');
    expect(paused.actor.getSnapshot().context.previousState).toBe('NORMAL');
  });

  it('keeps the recorded state when halted from STARTUP (FO-9.2-f)', () => {
    const endpoint = startEndpoint(freshInput('primary', { previousState: 'PARTNER-DOWN' }));

    endpoint.actor.send({ type: 'PAUSE' });

    expect(stateOf(endpoint)).toBe('PAUSED');
    expect(endpoint.actor.getSnapshot().context.previousState).toBe('PARTNER-DOWN');
    expect(endpoint.emitted).toEqual([]);
  });
});
