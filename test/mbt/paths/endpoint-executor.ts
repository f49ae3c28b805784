// Runs a generated endpoint path against a real peer. Each model event becomes its stimulus: a
// message from the raw partner, a closed connection, the manual clock moved past a timer, or an
// operator call. After each step the test checks what a user can see: the transition the endpoint
// actor took, the state the peer reports and stored, and the messages on the wire.

import { expect } from 'vitest';
import type { EndpointEvent } from '../../../model/endpoint-types.js';
import { MessageType, OptionCode } from '../../../src/wire/codes.js';
import { findOption } from '../../../src/peer/options.js';
import { RELATIONSHIP } from '../../peer/peer-fixtures.js';
import { recorder } from '../coverage/recorder.js';
import { transitionsOf } from '../coverage/transition-list.js';
import { PeerUnderTest, serverStateOf, waitUntil } from '../harness/peer-under-test.js';
import { advanceFor, type EndpointPath, type PathStep } from './endpoint-search.js';

function describeEvent(event: EndpointEvent): string {
  if (event.type !== 'PARTNER_STATE') {
    return event.type;
  }

  const flag = event.startup ? ', S=1' : '';
  const when = event.state === 'PARTNER-DOWN' ? `, started ${event.startTimeOfState} s` : '';
  return `STATE ${event.state}${flag}${when}`;
}

/** Returns the test title of a path: its start, its events and the transition it ends with. */
export function describePath(path: EndpointPath): string {
  const { role, recordedState, hasSyncedBefore, startupExpiry } = path.start;
  const synced = hasSyncedBefore ? 'synced' : 'never synced';
  const events = path.steps.map((item) => describeEvent(item.event)).join(', ');
  const last = path.steps.at(-1);
  const started =
    recordedState === undefined
      ? `${role} started first with ${startupExpiry}`
      : `${role} restarted from ${recordedState} (${synced})`;
  return `${path.id} -> ${last?.state}: ${started}, ${events}`;
}

async function perform(harness: PeerUnderTest, event: EndpointEvent, elapsed: number) {
  switch (event.type) {
    case 'CONNECTED':
      await harness.connect();
      return;
    case 'COMMUNICATIONS_FAILED':
      await harness.dropConnection();
      return;
    case 'PARTNER_STATE':
      harness.sendSTATE(event.state, event.startup, harness.t0 + event.startTimeOfState);
      return;
    case 'UPDDONE':
      harness.answerUPDDONE();
      return;
    case 'STARTUP_EXPIRED':
    case 'SAFE_PERIOD_EXPIRED':
    case 'MCLT_EXPIRED':
      harness.advance(advanceFor(event, elapsed));
      return;
    case 'PARTNER_DOWN':
      harness.peer.partnerDown();
      return;
    case 'PAUSE':
      harness.peer.pause();
      return;
    case 'SHUTDOWN':
      await harness.peer.shutdown();
      return;
  }
}

function endpointTransitionsSince(mark: number): string[] {
  return recorder
    .stepsSince(mark)
    .filter((item) => item.machine === 'endpoint')
    .map((item) => item.transitionId);
}

/**
 * Checks that entering PAUSED sent STATE(PAUSED), then DISCONNECT, and closed the connection
 * (FO-9.13-a, FO-8.6-c). The harness then drops the closed partner, so CONNECTED opens a new one.
 */
async function expectClosedAfterPause(harness: PeerUnderTest, from: number): Promise<void> {
  const partner = harness.requirePartner();
  await partner.closed;
  harness.partner = undefined;
  const sent = partner.received.slice(from);

  expect(sent.map((message) => message.type)).toEqual([MessageType.STATE, MessageType.DISCONNECT]);
  expect(sent[0] === undefined ? undefined : serverStateOf(sent[0])).toBe('PAUSED');
}

/** Checks the wire: STATE for a state change while connected, and the requests the step sends. */
async function expectWire(harness: PeerUnderTest, from: number, step: PathStep, changed: boolean) {
  if (changed && step.connected) {
    await waitUntil(
      () =>
        harness
          .receivedSince(from)
          .some(
            (message) =>
              message.type === MessageType.STATE &&
              serverStateOf(message) === step.state &&
              findOption(message, OptionCode.SERVER_FLAGS) === 0,
          ),
      `STATE ${step.state} with S=0 on the wire (FO-7.10-b)`,
    );
  }

  for (const request of step.requests) {
    const type = request === 'UPDREQ' ? MessageType.UPDREQ : MessageType.UPDREQALL;
    await waitUntil(
      () => harness.receivedSince(from).some((message) => message.type === type),
      `${request} on the wire`,
    );
  }
}

const reenteringTransitions = new Set(
  transitionsOf('endpoint')
    .filter((transition) => transition.reenter)
    .map((transition) => transition.id),
);

export async function runEndpointPath(path: EndpointPath): Promise<void> {
  const harness = await PeerUnderTest.start({
    role: path.start.role,
    recordedState: path.start.recordedState,
    hasSyncedBefore: path.start.hasSyncedBefore,
    config: { startupExpiry: path.start.startupExpiry },
  });
  let elapsed = 0;
  let previous = harness.peer.state;
  for (const step of path.steps) {
    const mark = recorder.mark;
    const wireMark = step.event.type === 'CONNECTED' ? 0 : harness.receivedCount;
    await perform(harness, step.event, elapsed);
    elapsed += advanceFor(step.event, elapsed);
    const expected = [
      step.transitionId,
      ...(step.followedBy === undefined ? [] : [step.followedBy]),
    ];
    await waitUntil(
      () => expected.every((id) => endpointTransitionsSince(mark).includes(id)),
      `${expected.join(', ')} after ${describeEvent(step.event)}, peer in ${harness.peer.state}`,
    );

    expect(endpointTransitionsSince(mark)).toEqual(expected);
    expect(harness.peer.state).toBe(step.state);
    expect(harness.peer.store.readEndpoint(RELATIONSHIP)?.state).toBe(step.state);
    const changed = step.state !== previous || reenteringTransitions.has(step.transitionId);
    if (step.followedBy === undefined) {
      await expectWire(harness, wireMark, step, changed);
    } else {
      await expectClosedAfterPause(harness, wireMark);
    }

    previous = step.state;
  }
}
