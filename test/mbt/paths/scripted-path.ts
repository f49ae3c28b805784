// Scripted paths for the connection and update-flow machines, whose events the runtime raises
// from sockets and timers rather than from anything a test can send to the machine directly. Each
// path drives a real peer and checks, step by step, the transitions the actors took.

import { expect } from 'vitest';
import { recorder } from '../coverage/recorder.js';
import { waitUntil } from '../harness/peer-under-test.js';

export interface ScriptedPath {
  /** `machine:name`; DHCPF_MBT_PATH selects by it. */
  id: string;
  title: string;
  run(): Promise<void>;
}

/**
 * Waits until the actors took `expected` since `mark`, in that order, with other transitions
 * allowed in between, and fails naming the first one missing.
 */
export async function expectTaken(mark: number, expected: readonly string[]): Promise<void> {
  const takenInOrder = (): number => {
    let found = 0;
    for (const step of recorder.stepsSince(mark)) {
      if (step.transitionId === expected[found]) {
        found += 1;
      }
    }

    return found;
  };
  try {
    await waitUntil(() => takenInOrder() === expected.length, 'the expected transitions');
  } catch {
    const taken = recorder.stepsSince(mark).map((step) => step.transitionId);
    expect(taken, `missing ${expected[takenInOrder()]}`).toEqual(expected);
  }
}
