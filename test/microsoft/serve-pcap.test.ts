import { afterEach, describe, expect, it, vi } from 'vitest';
import { Command } from 'commander';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { registerServeCommand } from '../../src/cli/serve.js';
import { readFailoverMessages } from '../../src/pcap/failover-capture.js';
import { MessageType } from '../../src/wire/codes.js';
import { temporaryDirectory } from '../peer/peer-fixtures.js';
import { SECRET, SUBNET_MASK } from './microsoft-fixtures.js';
import { WindowsPartner, windowsCONNECTOptions } from './windows-partner.js';

afterEach(() => {
  process.exitCode = undefined;
});

function serveProgram(): Command {
  const program = new Command();
  program.exitOverride();
  registerServeCommand(program);
  return program;
}

/** Reads the listening port from the peer.started line of the log. */
function listeningPort(logPath: string): number {
  const started = readFileSync(logPath, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { event: string; listeningPort?: number })
    .find((line) => line.event === 'peer.started');
  return started?.listeningPort ?? 0;
}

describe('dhcpf serve --pcap', () => {
  it('records the messages of its connections in the pcap file', async () => {
    const folder = temporaryDirectory();
    const configPath = join(folder, 'fo.json');
    const logPath = join(folder, 'peer.jsonl');
    const pcapPath = join(folder, 'fo.pcap');
    writeFileSync(
      configPath,
      JSON.stringify({
        name: 'fo-test',
        role: 'secondary',
        profile: 'microsoft',
        local: { address: '127.0.0.1', port: 0 },
        peer: { address: '127.0.0.1' },
        pools: [{ start: '192.0.2.20', end: '192.0.2.110', subnetMask: SUBNET_MASK }],
        store: 'fo.db',
        sharedSecret: SECRET,
      }),
    );

    const running = serveProgram().parseAsync([
      'node',
      'dhcpf',
      'serve',
      '--config',
      configPath,
      '--log',
      logPath,
      '--pcap',
      pcapPath,
    ]);
    await vi.waitFor(() => expect(readFileSync(logPath, 'utf8')).toContain('peer.started'));
    const port = listeningPort(logPath);
    const now = (): number => Math.floor(Date.now() / 1000);
    const partner = await WindowsPartner.connect(port, now, SECRET);
    partner.send(MessageType.CONNECT, windowsCONNECTOptions(), 0x10);
    await partner.nextOfType(MessageType.STATE);
    process.emit('SIGTERM');
    await running;

    const types = [...readFailoverMessages(new Uint8Array(readFileSync(pcapPath)), { port })].map(
      (message) => message.bytes[2],
    );
    expect(process.exitCode).toBe(0);
    expect(types.slice(0, 3)).toEqual([
      MessageType.CONNECT,
      MessageType.CONNECTACK,
      MessageType.STATE,
    ]);
  });
});
