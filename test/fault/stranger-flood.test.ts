import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runFaultSeed } from '../../fault/fault-run.js';
import { CHILD_ENTRY } from '../../fault/peer-process.js';

const built = existsSync(CHILD_ENTRY);

describe('a flood of stranger connections', () => {
  it.skipIf(!built && process.env['CI'] === undefined)(
    'lets the real partner reach NORMAL and get its BNDUPDs acknowledged, needs a build (FO-7.8.2-f)',
    async () => {
      // No faults: the run only starts the pair, serves clients and stops, while 40 loops of
      // strangers from 127.0.0.2 onwards connect to the secondary and send CONNECT.
      const result = await runFaultSeed(4242, { steps: 0, strangerLoops: 40 });

      expect(result.error).toBeUndefined();
      expect(result.violations).toEqual([]);
      expect(result.strangerConnections).toBeGreaterThan(100);
      expect(result.updatesAcknowledged).toBeGreaterThan(0);
      expect(result.leasesGranted).toBeGreaterThan(0);
    },
    120_000,
  );
});
