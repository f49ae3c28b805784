import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { recordDemoPair } from '../../src/cli/inspect.js';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// A local WebSocket server on loopback stands in for the Stately inspector's relay, which is a
// web service this machine cannot reach.
describe('dhcpf inspect --stately', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });

  it('sends the endpoint actors to the inspector WebSocket while it records', async () => {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    cleanups.push(() => server.close());
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    const address = server.address();
    if (address === null || typeof address === 'string') {
      throw new Error(`unexpected server address ${String(address)}`);
    }
    const received: string[] = [];
    server.on('connection', (socket: WebSocket) => {
      socket.on('message', (data) => received.push(String(data)));
    });
    const directory = mkdtempSync(join(tmpdir(), 'dhcpf-stately-'));
    cleanups.push(() => rmSync(directory, { recursive: true, force: true }));
    const eventsFile = join(directory, 'events.jsonl');

    const reached = await recordDemoPair(eventsFile, 5, `ws://127.0.0.1:${address.port}`);

    expect(reached).toBe(true);
    await expect.poll(() => received.length, { timeout: 5_000 }).toBeGreaterThan(0);
    expect(received.some((text) => text.includes('"NORMAL"'))).toBe(true);
    expect(readFileSync(eventsFile, 'utf8')).toContain('"NORMAL"');
  });
});
