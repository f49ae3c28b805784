import { Command } from 'commander';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { registerControlCommand } from '../../src/cli/control.js';
import { registerServeCommand } from '../../src/cli/serve.js';
import { registerStatusCommand } from '../../src/cli/status.js';
import { sendControlRequest } from '../../src/control/client.js';
import { startPeer } from '../../src/endpoint/peer.js';
import { sampleActiveBindings } from '../../src/endpoint/sample-bindings.js';
import { systemClock, nowSeconds } from '../../src/peer/timers.js';
import { openLeaseStore } from '../../src/store/sqlite-store.js';
import { POOL, RELATIONSHIP, temporaryDirectory, testConfig } from '../peer/peer-fixtures.js';

function program(): Command {
  const command = new Command();
  command.exitOverride();
  registerServeCommand(command);
  registerStatusCommand(command);
  registerControlCommand(command);
  return command;
}

function logEvents(path: string): Record<string, unknown>[] {
  if (!existsSync(path)) {
    return [];
  }

  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Reads the dhcpf_messages_total sample of one direction and message type from a metrics page. */
function countOf(metrics: string, direction: string, type: string): number {
  const prefix = `dhcpf_messages_total{relationship="${RELATIONSHIP}",direction="${direction}",type="${type}"} `;
  const line = metrics.split('\n').find((candidate) => candidate.startsWith(prefix));
  return Number(line?.slice(prefix.length));
}

afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

describe('dhcpf serve with operator services', () => {
  it('serves <store>.ctl and metrics, rejects a second server, stops on shutdown', async () => {
    const directory = temporaryDirectory();
    const secondary = {
      peer: await startPeer(testConfig('secondary', join(directory, 'secondary.db'))),
    };
    onTestFinished(() => secondary.peer.stop());
    const store = openLeaseStore(join(directory, 'primary.db'));
    store.putBindings(sampleActiveBindings(5, POOL.start, nowSeconds(systemClock)));
    store.close();
    const configPath = join(directory, 'primary.json');
    const logPath = join(directory, 'primary.jsonl');
    writeFileSync(
      configPath,
      JSON.stringify({
        name: RELATIONSHIP,
        role: 'primary',
        local: { address: '127.0.0.1', port: 0 },
        peer: { address: '127.0.0.1', port: secondary.peer.listeningPort },
        mclt: 3600,
        pools: [POOL],
        store: 'primary.db',
        metrics: { port: 0 },
      }),
    );
    const socketPath = join(directory, 'primary.db.ctl');

    const serving = program().parseAsync([
      'node',
      'dhcpf',
      'serve',
      '--config',
      configPath,
      '--log',
      logPath,
    ]);
    await vi.waitFor(async () => {
      const response = await sendControlRequest(socketPath, { command: 'status' });
      expect(response.ok).toBe(true);
      expect(response.ok ? response.status?.local.state : undefined).toBe('NORMAL');
    }, 10_000);
    await vi.waitFor(async () => {
      const response = await sendControlRequest(socketPath, { command: 'status' });
      expect(response.ok).toBe(true);
      expect(response.ok ? response.status?.updates.unacknowledged : undefined).toBe(0);
    });
    const metricsPort = logEvents(logPath).find((line) => line['event'] === 'metrics.listening')?.[
      'port'
    ];
    const metrics = await (await fetch(`http://127.0.0.1:${String(metricsPort)}/metrics`)).text();
    const stderr: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      stderr.push(String(chunk));
      return true;
    });
    await program().parseAsync(['node', 'dhcpf', 'serve', '--config', configPath]);
    const secondServeExitCode = process.exitCode;
    const stdout: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      stdout.push(String(chunk));
      return true;
    });
    await program().parseAsync(['node', 'dhcpf', 'control', 'shutdown', '--config', configPath]);
    await serving;

    expect(secondServeExitCode).toBe(1);
    expect(stderr.join('')).toBe(
      `dhcpf serve: control socket ${socketPath} is in use by a running server; stop it or set controlSocket\n`,
    );
    const sentBNDUPDs = countOf(metrics, 'sent', 'BNDUPD');
    expect(sentBNDUPDs).toBeGreaterThanOrEqual(5);
    expect(sentBNDUPDs).toBe(secondary.peer.statistics.bindingsReceived);
    expect(countOf(metrics, 'received', 'BNDACK')).toBe(sentBNDUPDs);
    expect(stdout.join('')).toMatch(
      /^entering SHUTDOWN from NORMAL; .* \[FO-9\.14\.1-a, FO-9\.14\.1-b, FO-9\.14\.2-c\]\n/,
    );
    expect(process.exitCode).toBe(0);
    expect(existsSync(socketPath)).toBe(false);
    expect(secondary.peer.state).toBe('PARTNER-DOWN');
    expect(logEvents(logPath).at(-1)?.['event']).toBe('peer.stopped');
  });
});
