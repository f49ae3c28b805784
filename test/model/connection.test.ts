// The connection machine: every state reachable for its role, the handshake outcomes and the
// wait before the next attempt, and each transition tied to rules of the spec's rule table.

import { describe, expect, it } from 'vitest';
import { createActor, type AnyStateNode } from 'xstate';
import { getShortestPaths } from 'xstate/graph';
import { connectionMachine } from '../../model/connection.js';
import type { ConnectionEmitted, ConnectionEvent, Role } from '../../model/connection-types.js';
import { RejectReason } from '../../src/wire/codes.js';
import { sharedAvailable } from '../helpers/shared-dir.js';
import { knownRuleIds } from './endpoint-harness.js';

const events: ConnectionEvent[] = [
  { type: 'START' },
  { type: 'STOP' },
  { type: 'SOCKET_CONNECTED' },
  { type: 'SOCKET_FAILED' },
  { type: 'SOCKET_ACCEPTED' },
  { type: 'SOCKET_CLOSED' },
  { type: 'CONNECT_RECEIVED' },
  { type: 'CONNECT_RECEIVED', rejectReason: RejectReason.DUPLICATE_CONNECTION },
  { type: 'CONNECTACK_RECEIVED' },
  { type: 'CONNECTACK_RECEIVED', rejectReason: 4, rejectedBy: 'partner' },
  { type: 'CONNECTACK_RECEIVED', rejectReason: 4, rejectedBy: 'us' },
  { type: 'UNEXPECTED_MESSAGE' },
  { type: 'STATE_RECEIVED' },
  { type: 'DISCONNECT_RECEIVED' },
  { type: 'CLOSE', rejectReason: RejectReason.UNKNOWN },
  { type: 'CONNECT_WAIT_EXPIRED' },
  { type: 'RETRY_EXPIRED' },
  { type: 'TSEND_EXPIRED' },
  { type: 'TRECEIVE_EXPIRED' },
];

const statesOfRole: Record<Role, string[]> = {
  primary: [
    'idle',
    'connecting',
    'awaiting-CONNECTACK',
    'awaiting-STATE',
    'communications-ok',
    'closing',
    'retry-wait',
    'backing-off',
    'stopped',
  ],
  secondary: [
    'idle',
    'listening',
    'awaiting-CONNECT',
    'awaiting-STATE',
    'communications-ok',
    'closing',
    'stopped',
  ],
};

function run(role: Role, sequence: ConnectionEvent[]) {
  const emitted: ConnectionEmitted[] = [];
  const actor = createActor(connectionMachine, { input: { role } });
  actor.on('*', (event) => emitted.push(event));
  actor.start();
  for (const event of sequence) {
    actor.send(event);
  }

  return { state: String(actor.getSnapshot().value), emitted };
}

function allStateNodes(): AnyStateNode[] {
  return Object.values(connectionMachine.root.states);
}

function allTransitions() {
  return allStateNodes().flatMap((node) =>
    [...node.transitions.values()].flat().map((transition) => ({ node, transition })),
  );
}

function configKeys(value: unknown, keys: Set<string> = new Set()): Set<string> {
  if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      keys.add(key);
      configKeys(child, keys);
    }
  }

  return keys;
}

for (const role of ['primary', 'secondary'] as const) {
  describe(`connection machine paths as ${role}`, () => {
    const paths = getShortestPaths(connectionMachine, { events, input: { role } });

    it('reaches every state of the role by a shortest path', () => {
      const reached = new Set(paths.map((path) => String(path.state.value)));
      expect([...reached].sort()).toEqual([...statesOfRole[role]].sort());
    });

    for (const path of paths) {
      const description = path.steps.map((step) => step.event.type).join(' → ') || 'start';
      it(`replays ${description} to ${String(path.state.value)}`, () => {
        const result = run(
          role,
          path.steps.map((step) => step.event),
        );
        expect(result.state).toBe(path.state.value);
      });
    }
  });
}

const opened: ConnectionEvent[] = [{ type: 'START' }, { type: 'SOCKET_CONNECTED' }];
const accepted: ConnectionEvent[] = [{ type: 'START' }, { type: 'SOCKET_ACCEPTED' }];

describe('connection machine handshake', () => {
  it('sends CONNECT first on the primary outgoing connection (FO-7.8-a)', () => {
    const { emitted } = run('primary', opened);

    expect(emitted).toEqual([
      { type: 'OPEN_SOCKET' },
      { type: 'SEND_CONNECT' },
      { type: 'START_TIMER', name: 'CONNECT_WAIT' },
    ]);
  });

  it('answers an accepted CONNECT with CONNECTACK, then STATE (FO-7.10-a)', () => {
    const { state, emitted } = run('secondary', [...accepted, { type: 'CONNECT_RECEIVED' }]);

    expect(state).toBe('awaiting-STATE');
    expect(emitted.map((event) => event.type)).toEqual([
      'START_TIMER',
      'SEND_CONNECTACK',
      'SEND_STATE',
      'START_TIMER',
      'START_TIMER',
    ]);
  });

  it('rejects a duplicate CONNECT with reason 7 and closes (ISC-8)', () => {
    const { state, emitted } = run('secondary', [
      ...accepted,
      { type: 'CONNECT_RECEIVED', rejectReason: RejectReason.DUPLICATE_CONNECTION },
    ]);

    expect(state).toBe('closing');
    expect(emitted).toContainEqual({
      type: 'SEND_CONNECTACK',
      rejectReason: RejectReason.DUPLICATE_CONNECTION,
    });
    expect(emitted.at(-1)).toEqual({ type: 'CLOSE_SOCKET' });
  });

  it('sends DISCONNECT when the primary objects to a CONNECTACK (FO-7.9.2-f)', () => {
    const { emitted } = run('primary', [
      ...opened,
      { type: 'CONNECTACK_RECEIVED', rejectReason: 4, rejectedBy: 'us' },
    ]);

    expect(emitted).toContainEqual({ type: 'SEND_DISCONNECT', rejectReason: 4 });
  });

  it('sends no DISCONNECT for a rejecting CONNECTACK (FO-7.9.2-c)', () => {
    const { emitted } = run('primary', [
      ...opened,
      { type: 'CONNECTACK_RECEIVED', rejectReason: 4, rejectedBy: 'partner' },
    ]);

    expect(emitted.some((event) => event.type === 'SEND_DISCONNECT')).toBe(false);
  });
});

describe('connection machine after the connection', () => {
  const established: ConnectionEvent[] = [
    ...opened,
    { type: 'CONNECTACK_RECEIVED' },
    { type: 'STATE_RECEIVED' },
  ];

  it('reports communications ok on the first STATE (FO-8.3-a)', () => {
    const { state, emitted } = run('primary', established);

    expect(state).toBe('communications-ok');
    expect(emitted.at(-1)).toEqual({ type: 'COMMUNICATIONS_OK' });
  });

  it('sends DISCONNECT 17 when tReceive expires (FO-8.3-c)', () => {
    const { emitted } = run('primary', [...established, { type: 'TRECEIVE_EXPIRED' }]);

    expect(emitted.slice(-2)).toEqual([
      { type: 'SEND_DISCONNECT', rejectReason: RejectReason.NO_TRAFFIC },
      { type: 'CLOSE_SOCKET' },
    ]);
  });

  it('reconnects at once after losing an established connection (FO-8.6-a)', () => {
    const { state, emitted } = run('primary', [...established, { type: 'SOCKET_CLOSED' }]);

    expect(state).toBe('retry-wait');
    expect(emitted.slice(-2)).toEqual([
      { type: 'COMMUNICATIONS_FAILED' },
      { type: 'START_TIMER', name: 'RETRY', delay: 'now' },
    ]);
  });

  it('backs off after a DISCONNECT from the partner (FO-7.12-b)', () => {
    const { state, emitted } = run('primary', [
      ...established,
      { type: 'DISCONNECT_RECEIVED' },
      { type: 'SOCKET_CLOSED' },
    ]);

    expect(state).toBe('backing-off');
    expect(emitted.at(-1)).toEqual({ type: 'START_TIMER', name: 'RETRY', delay: 'after-reject' });
  });

  it('backs off after a rejecting CONNECTACK (FO-7.9-a)', () => {
    const { state } = run('primary', [
      ...opened,
      { type: 'CONNECTACK_RECEIVED', rejectReason: 4, rejectedBy: 'partner' },
      { type: 'SOCKET_CLOSED' },
    ]);

    expect(state).toBe('backing-off');
  });

  it('stops an established connection with DISCONNECT and failure (FO-8.6-c, FO-8.3-b)', () => {
    const { state, emitted } = run('primary', [...established, { type: 'STOP' }]);

    expect(state).toBe('stopped');
    expect(emitted.slice(-3)).toEqual([
      { type: 'SEND_DISCONNECT', rejectReason: RejectReason.UNKNOWN },
      { type: 'CLOSE_SOCKET' },
      { type: 'COMMUNICATIONS_FAILED' },
    ]);
  });

  it('reports no failure when stopping while waiting to retry (FO-8.6-c)', () => {
    const { emitted } = run('primary', [...opened, { type: 'SOCKET_CLOSED' }, { type: 'STOP' }]);

    expect(emitted.at(-1)).toEqual({ type: 'CLOSE_SOCKET' });
    expect(emitted.some((event) => event.type === 'COMMUNICATIONS_FAILED')).toBe(false);
  });

  it('returns the secondary to listening without reconnecting (FO-8.2-j)', () => {
    const { state, emitted } = run('secondary', [
      ...accepted,
      { type: 'CONNECT_RECEIVED' },
      { type: 'SOCKET_CLOSED' },
    ]);

    expect(state).toBe('listening');
    expect(emitted.some((event) => event.type === 'OPEN_SOCKET')).toBe(false);
  });
});

describe('connection machine structure', () => {
  it('contains no delayed transition and no invoked actor', () => {
    const keys = configKeys(connectionMachine.config);

    expect(keys.has('after')).toBe(false);
    expect(keys.has('invoke')).toBe(false);
    expect(keys.has('always')).toBe(false);
  });

  it('gives every state a doc block', () => {
    for (const node of allStateNodes()) {
      expect(typeof (node.meta as { doc?: unknown } | undefined)?.doc, node.key).toBe('string');
    }
  });

  it.skipIf(!sharedAvailable)('cites listed rule IDs on every transition', () => {
    const known = knownRuleIds();
    for (const { node, transition } of allTransitions()) {
      const rules = (transition.meta as { rules?: string[] } | undefined)?.rules ?? [];
      expect(rules.length, `${node.key} on ${transition.eventType}`).toBeGreaterThan(0);
      expect(rules.filter((id) => !known.has(id))).toEqual([]);
    }
  });
});
