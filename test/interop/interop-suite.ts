// Set-up shared by the test files that run real servers in network namespaces: the prerequisite
// check, and one InteropRun per test, closed after it.

import { afterEach } from 'vitest';
import { InteropRun } from './interop-run.js';
import {
  assertPrerequisites,
  checkInteropPrerequisites,
  shouldRunInterop,
} from './prerequisites.js';

export interface InteropSuite {
  /** Whether the tests run, for `it.runIf`. Outside CI they skip when a prerequisite is missing. */
  readonly runs: boolean;
  /**
   * Starts the run `label` of the current test and returns it with the path of dhcpd. The run is
   * closed after the test. Throws when a prerequisite is missing, which happens only in CI.
   */
  startRun(label: string): { interop: InteropRun; dhcpd: string };
}

/**
 * Registers in the enclosing `describe` the hook that closes each test's run, keeping its logs when
 * the test failed. Returns the function that starts the run of the current test.
 */
export function closeRunsAfterEach(): (label: string) => InteropRun {
  let run: InteropRun | undefined;

  afterEach(async ({ task }) => {
    await run?.close(task.result?.state === 'fail');
    run = undefined;
  });

  return (label) => {
    const interop = new InteropRun(label);
    run = interop;
    return interop;
  };
}

/**
 * Checks the interop prerequisites of the tests of `suite`, and closes each test's run after it
 * as `closeRunsAfterEach` does.
 */
export function setUpInteropSuite(options: { needsDhcpf: boolean }, suite: string): InteropSuite {
  const prerequisites = checkInteropPrerequisites(options);
  const runs = shouldRunInterop(prerequisites, suite);
  const startRun = closeRunsAfterEach();

  return {
    runs,
    startRun(label) {
      const { dhcpd } = assertPrerequisites(prerequisites);
      return { interop: startRun(label), dhcpd };
    },
  };
}
