// The update-flow machine: every state reachable, each transition tied to listed rules, the
// window never exceeded and UPDDONE only after every counted binding is answered, on random runs.

import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { createActor, type AnyStateNode } from 'xstate';
import { getShortestPaths } from 'xstate/graph';
import {
  openWindowSlots,
  updateFlowMachine,
  type UpdateFlowEmitted,
  type UpdateFlowEvent,
} from '../../model/update-flow.js';
import { sharedAvailable } from '../helpers/shared-dir.js';
import { knownRuleIds } from './endpoint-harness.js';

const graphEvents: UpdateFlowEvent[] = [
  { type: 'CONNECTED', window: 2 },
  { type: 'CONNECTION_LOST' },
  { type: 'BNDUPD_SENT', xid: 1 },
  { type: 'BNDUPD_SENT', xid: 2 },
  { type: 'BNDACK', xid: 1 },
  { type: 'UPDREQ', xid: 7 },
  { type: 'UPDREQALL', xid: 8 },
  { type: 'COUNTED', total: 1 },
  { type: 'ANSWERED', count: 1 },
  { type: 'PUMP_FINISHED' },
];

const eventArbitrary: fc.Arbitrary<UpdateFlowEvent> = fc.oneof(
  fc.integer({ min: 1, max: 4 }).map((window) => ({ type: 'CONNECTED' as const, window })),
  fc.constant({ type: 'CONNECTION_LOST' as const }),
  fc.integer({ min: 1, max: 6 }).map((xid) => ({ type: 'BNDUPD_SENT' as const, xid })),
  fc.integer({ min: 1, max: 6 }).map((xid) => ({ type: 'BNDACK' as const, xid })),
  fc.integer({ min: 10, max: 12 }).map((xid) => ({ type: 'UPDREQ' as const, xid })),
  fc.integer({ min: 10, max: 12 }).map((xid) => ({ type: 'UPDREQALL' as const, xid })),
  fc.integer({ min: 0, max: 4 }).map((total) => ({ type: 'COUNTED' as const, total })),
  fc.integer({ min: 1, max: 2 }).map((count) => ({ type: 'ANSWERED' as const, count })),
  fc.constant({ type: 'PUMP_FINISHED' as const }),
);

function allStateNodes(): AnyStateNode[] {
  return Object.values(updateFlowMachine.root.states);
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

/** Starts an actor whose emitted events are collected, answering COUNT_PENDING with `pending`. */
function startFlow(pending = 2) {
  const emitted: UpdateFlowEmitted[] = [];
  const actor = createActor(updateFlowMachine);
  actor.on('*', (event) => {
    emitted.push(event);
    if (event.type === 'COUNT_PENDING') {
      actor.send({ type: 'COUNTED', total: pending });
    }
  });
  actor.start();

  return { actor, emitted };
}

describe('update-flow machine paths', () => {
  const paths = getShortestPaths(updateFlowMachine, { events: graphEvents });
  const reached = new Set(paths.map((path) => String(path.state.value)));

  it('reaches every state by a shortest path', () => {
    expect([...reached].sort()).toEqual(Object.keys(updateFlowMachine.root.states).sort());
  });

  for (const path of paths.filter((item) => item.steps.length <= 4)) {
    const description = path.steps.map((step) => step.event.type).join(' → ') || 'start';
    it(`replays ${description} to ${String(path.state.value)}`, () => {
      const actor = createActor(updateFlowMachine).start();
      for (const step of path.steps) {
        actor.send(step.event);
      }

      expect(actor.getSnapshot().value).toBe(path.state.value);
      expect(actor.getSnapshot().context).toEqual(path.state.context);
    });
  }
});

describe('update-flow machine window', () => {
  it('rejects a BNDUPD beyond the partner window (FO-7.3.2-d)', () => {
    const { actor } = startFlow();
    actor.send({ type: 'CONNECTED', window: 2 });
    actor.send({ type: 'BNDUPD_SENT', xid: 1 });
    actor.send({ type: 'BNDUPD_SENT', xid: 2 });

    expect(actor.getSnapshot().can({ type: 'BNDUPD_SENT', xid: 3 })).toBe(false);
    expect(openWindowSlots(actor.getSnapshot().context)).toBe(0);
  });

  it('reopens the window when a BNDACK matches an outstanding xid (FO-7.2.1-a)', () => {
    const { actor } = startFlow();
    actor.send({ type: 'CONNECTED', window: 1 });
    actor.send({ type: 'BNDUPD_SENT', xid: 5 });

    expect(actor.getSnapshot().can({ type: 'BNDACK', xid: 6 })).toBe(false);
    actor.send({ type: 'BNDACK', xid: 5 });
    expect(openWindowSlots(actor.getSnapshot().context)).toBe(1);
  });

  it('forgets outstanding xids and the request on connection loss (FO-7.2-b, FO-8.6-b)', () => {
    const { actor } = startFlow();
    actor.send({ type: 'CONNECTED', window: 3 });
    actor.send({ type: 'BNDUPD_SENT', xid: 1 });
    actor.send({ type: 'UPDREQ', xid: 9 });
    actor.send({ type: 'CONNECTION_LOST' });

    expect(actor.getSnapshot().value).toBe('disconnected');
    expect(actor.getSnapshot().context.outstanding).toEqual([]);
    expect(actor.getSnapshot().context.request).toBeUndefined();
  });

  test.prop([fc.array(eventArbitrary, { maxLength: 60 })])(
    'never holds more outstanding BNDUPDs than the window on any run (FO-7.3.2-d)',
    (events) => {
      const { actor } = startFlow();
      for (const event of events) {
        actor.send(event);
        const { context } = actor.getSnapshot();
        expect(context.outstanding.length).toBeLessThanOrEqual(context.window);
      }
    },
  );
});

describe('update-flow machine UPDDONE', () => {
  it('marks every binding pending before counting an UPDREQALL (FO-5.17-b)', () => {
    const { actor, emitted } = startFlow();
    actor.send({ type: 'CONNECTED', window: 2 });
    actor.send({ type: 'UPDREQALL', xid: 4 });

    expect(emitted.map((event) => event.type)).toEqual([
      'MARK_ALL_PENDING',
      'FORGET_REJECTIONS',
      'COUNT_PENDING',
    ]);
  });

  it('sends no UPDDONE while a counted binding is unanswered (FO-7.3.2-b)', () => {
    const { actor, emitted } = startFlow(2);
    actor.send({ type: 'CONNECTED', window: 2 });
    actor.send({ type: 'UPDREQ', xid: 4 });
    actor.send({ type: 'ANSWERED', count: 1 });
    actor.send({ type: 'PUMP_FINISHED' });

    expect(emitted.some((event) => event.type === 'SEND_UPDDONE')).toBe(false);
    expect(actor.getSnapshot().value).toBe('answering');
  });

  it('sends UPDDONE with the request xid once every counted binding is answered (FO-7.5-a)', () => {
    const { actor, emitted } = startFlow(2);
    actor.send({ type: 'CONNECTED', window: 2 });
    actor.send({ type: 'UPDREQ', xid: 4 });
    actor.send({ type: 'ANSWERED', count: 2 });
    actor.send({ type: 'PUMP_FINISHED' });

    expect(emitted.at(-1)).toEqual({ type: 'SEND_UPDDONE', kind: 'UPDREQ', xid: 4, total: 2 });
    expect(actor.getSnapshot().value).toBe('idle');
  });

  test.prop([fc.array(eventArbitrary, { maxLength: 60 })])(
    'emits UPDDONE only after all counted answers on any run (FO-7.3.2-b, FO-7.3.2-c)',
    (events) => {
      const actor = createActor(updateFlowMachine).start();
      const done: number[] = [];
      actor.on('SEND_UPDDONE', (emitted) => done.push(emitted.total));
      for (const event of events) {
        const before = actor.getSnapshot().context;
        done.length = 0;
        actor.send(event);
        if (done.length > 0) {
          expect(event.type).toBe('PUMP_FINISHED');
          expect(before.answered).toBeGreaterThanOrEqual(before.counted);
          expect(done).toEqual([before.counted]);
        }
      }
    },
  );
});

describe('update-flow machine structure', () => {
  it('contains no delayed transition and no invoked actor', () => {
    const keys = configKeys(updateFlowMachine.config);

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
