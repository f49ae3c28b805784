import { afterEach, describe, expect, it, vi } from 'vitest';
import { Command } from 'commander';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { registerServeCommand } from '../../src/cli/serve.js';

function directory(): string {
  const path = mkdtempSync(join(tmpdir(), 'dhcpf-serve-'));
  onTestFinished(() => rmSync(path, { recursive: true, force: true }));
  return path;
}

function serveProgram(): Command {
  const program = new Command();
  program.exitOverride();
  registerServeCommand(program);
  return program;
}

function captureStderr(): string[] {
  const written: string[] = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    written.push(String(chunk));
    return true;
  });
  return written;
}

afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

describe('dhcpf serve', () => {
  it('exits 2 with a one-line message naming the field of a bad config', async () => {
    const path = join(directory(), 'fo.json');
    writeFileSync(path, JSON.stringify({ name: 'fo', role: 'tertiary' }));
    const stderr = captureStderr();

    await serveProgram().parseAsync(['node', 'dhcpf', 'serve', '--config', path]);

    expect(process.exitCode).toBe(2);
    expect(stderr.join('')).toBe(
      'dhcpf serve: config field role is "tertiary", expected one of "primary", "secondary"\n',
    );
  });

  it('exits 2 for a config file that does not exist', async () => {
    const stderr = captureStderr();

    await serveProgram().parseAsync(['node', 'dhcpf', 'serve', '--config', '/nonexistent/fo.json']);

    expect(process.exitCode).toBe(2);
    expect(stderr.join('')).toContain('/nonexistent/fo.json');
    expect(stderr.join('')).not.toContain('    at ');
  });

  it('runs until SIGTERM, then stops and exits 0', async () => {
    const folder = directory();
    const path = join(folder, 'fo.json');
    const logPath = join(folder, 'peer.jsonl');
    writeFileSync(
      path,
      JSON.stringify({
        name: 'fo',
        role: 'secondary',
        local: { address: '127.0.0.1', port: 0 },
        peer: { address: '127.0.0.1' },
        pools: [{ start: '192.0.2.20', end: '192.0.2.110' }],
        store: 'fo.db',
      }),
    );

    const running = serveProgram().parseAsync([
      'node',
      'dhcpf',
      'serve',
      '--config',
      path,
      '--log',
      logPath,
    ]);
    await vi.waitFor(() => expect(readFileSync(logPath, 'utf8')).toContain('peer.started'));
    process.emit('SIGTERM');
    await running;
    const events = readFileSync(logPath, 'utf8')
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { event: string }).event);

    expect(process.exitCode).toBe(0);
    expect(events).toContain('state.change');
    expect(events.at(-1)).toBe('peer.stopped');
  });
});
