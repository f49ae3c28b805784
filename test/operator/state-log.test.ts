import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { StateChange } from '../../src/endpoint/peer.js';
import {
  POOL,
  startTestPeer,
  temporaryDirectory,
  testConfig,
  waitForState,
} from '../peer/peer-fixtures.js';
import { ManualClock } from '../../src/peer/timers.js';

const RULE_ID = /^(FO|E|ISC|MSF|AMB|OBS)-[0-9A-Za-z.-]+$/;

describe('state change log', () => {
  it('writes one line per state change with from, to, trigger and rule IDs (FO-9.2-a)', async () => {
    const directory = temporaryDirectory();
    const clock = new ManualClock();
    const secondary = await startTestPeer(
      testConfig('secondary', join(directory, 'secondary.db'), { pools: [POOL] }),
      clock,
    );
    const changes: StateChange[] = [];
    secondary.peer.on('state', (change) => changes.push(change));
    const primary = await startTestPeer(
      testConfig('primary', join(directory, 'primary.db'), {
        peer: { address: '127.0.0.1', port: secondary.peer.listeningPort },
      }),
      clock,
    );
    await Promise.all([
      waitForState(primary.peer, 'NORMAL'),
      waitForState(secondary.peer, 'NORMAL'),
    ]);

    const lines = secondary.log.withEvent('state.change');
    const [start, ...changed] = lines;

    expect(start).toMatchObject({
      from: null,
      to: 'STARTUP',
      trigger: 'start',
      rules: ['FO-9.1-a'],
    });
    expect(changed).toHaveLength(changes.length);
    expect(changed.map((line) => line['to'])).toEqual(changes.map((change) => change.to));
    for (const line of changed) {
      expect(typeof line['from']).toBe('string');
      expect(typeof line['trigger']).toBe('string');
      expect(typeof line['startTimeOfState']).toBe('number');
      expect(line['rules']).not.toHaveLength(0);
      for (const rule of line['rules'] as unknown[]) {
        expect(rule).toMatch(RULE_ID);
      }
    }
    expect(changed.at(-1)?.['to']).toBe('NORMAL');
  });
});
