// Model-based tests against real sockets: generated endpoint paths and scripted connection and
// update-flow paths run on real peers, and the last test checks that together they entered every
// state and took every transition of the three machines, printing the coverage line.

import { afterAll, describe, expect, it } from 'vitest';
import { modelReachableTransitions } from './coverage/model-reachability.js';
import { recorder } from './coverage/recorder.js';
import { coverageReport, type CoverageReport } from './coverage/report.js';
import { isSelected, partialRun, withReplay } from './harness/replay.js';
import { connectionPaths } from './paths/connection-paths.js';
import { describePath, runEndpointPath } from './paths/endpoint-executor.js';
import { endpointPaths } from './paths/endpoint-search.js';
import { updateFlowPaths } from './paths/update-flow-paths.js';

const TEST_FILE = 'test/mbt/paths.test.ts';

let reachable: Set<string> | undefined;

function currentReport(): CoverageReport {
  reachable ??= modelReachableTransitions();
  return coverageReport(
    { transitions: recorder.transitionIds, states: recorder.states },
    reachable,
  );
}

const generatedEndpointPaths = endpointPaths().filter((path) => isSelected(path.id));
const selectedConnectionPaths = connectionPaths.filter((path) => isSelected(path.id));
const selectedUpdateFlowPaths = updateFlowPaths.filter((path) => isSelected(path.id));

describe.runIf(generatedEndpointPaths.length > 0)('endpoint machine paths', () => {
  for (const path of generatedEndpointPaths) {
    it(describePath(path), () => withReplay(path.id, TEST_FILE, () => runEndpointPath(path)));
  }
});

describe.runIf(selectedConnectionPaths.length > 0)('connection machine paths', () => {
  for (const path of selectedConnectionPaths) {
    it(`${path.id}: ${path.title}`, () => withReplay(path.id, TEST_FILE, path.run));
  }
});

describe.runIf(selectedUpdateFlowPaths.length > 0)('update-flow machine paths', () => {
  for (const path of selectedUpdateFlowPaths) {
    it(`${path.id}: ${path.title}`, () => withReplay(path.id, TEST_FILE, path.run));
  }
});

describe('coverage of the peer machines', () => {
  afterAll(() => {
    const report = currentReport();
    console.log([`model-based coverage: ${report.line}`, ...report.details].join('\n'));
  });

  it.skipIf(partialRun)(
    'enters every state and takes every transition (skipped when DHCPF_MBT_PATH selects paths)',
    () => {
      const report = currentReport();

      expect(report.uncoveredStates).toEqual([]);
      expect(report.missing).toEqual([]);
    },
  );
});
