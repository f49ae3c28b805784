import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LogEvent } from '../../src/log.js';
import {
  startTestPeer,
  temporaryDirectory,
  testConfig,
  type StartedPeer,
} from './peer-fixtures.js';

const INFO = 30;
const DEBUG = 20;

/** Returns a loopback port that nothing listens on: it was free a moment ago and is closed again. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') {
    throw new Error('loopback server has no port');
  }

  return address.port;
}

async function retryLines(started: StartedPeer, count: number): Promise<Record<string, unknown>[]> {
  for (let waited = 0; waited < 5000; waited += 10) {
    const lines = started.log.withEvent(LogEvent.CONNECTION_RETRY);
    if (lines.length >= count) {
      return lines;
    }

    await new Promise((resolve) => setTimeout(resolve, 10));
  }

  throw new Error(`fewer than ${count} connection.retry lines after 5 s`);
}

describe('primary connect retries', () => {
  it('logs first refused connect at info', async () => {
    const port = await closedPort();
    const config = testConfig('primary', join(temporaryDirectory(), 'primary.db'), {
      peer: { address: '127.0.0.1', port },
      connectRetrySeconds: 5,
    });
    const started = await startTestPeer(config);

    const [first] = await retryLines(started, 1);
    started.clock.advance(5_000);
    const lines = await retryLines(started, 2);

    expect(first?.['level']).toBe(INFO);
    expect(first?.['msg']).toContain(`127.0.0.1:${port}`);
    expect(first?.['msg']).toContain('retrying in 5 s');
    expect(lines[1]?.['level']).toBe(DEBUG);
  });
});
