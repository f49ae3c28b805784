import { describe, expect, it } from 'vitest';
import { execFile, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { promisify } from 'node:util';
import { readCapturePackets, readFailoverMessages } from '../../src/pcap/failover-capture.js';
import { PcapWriter } from '../../src/pcap/pcap-writer.js';
import { tcpSegmentOf } from '../../src/pcap/tcp-segment.js';
import { MS_BNDUPD_BYTES, MS_UPDREQ_BYTES } from '../fixtures/wire/microsoft.js';
import { temporaryDirectory } from '../peer/peer-fixtures.js';

const run = promisify(execFile);
const tsharkAvailable = spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;

/** Returns a connected loopback socket (the client side) and the server's port. */
async function loopbackSocket(): Promise<{ socket: Socket; port: number }> {
  const server = createServer((accepted) => accepted.on('error', () => undefined));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const socket = connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  onTestFinished(() => {
    socket.destroy();
    server.close();
  });
  return { socket, port };
}

/** Records a session: our BNDUPD, 3000 bytes from the partner, our UPDREQ, then the close. */
async function recordSession(): Promise<{ path: string; port: number; large: Uint8Array }> {
  const path = join(temporaryDirectory(), 'tap.pcap');
  const { socket, port } = await loopbackSocket();
  const writer = new PcapWriter(path, { nowMs: () => 1_800_000_000_500 });
  const tap = writer.tap(socket, true);
  const large = Uint8Array.from({ length: 3000 }, (_, index) => index & 0xff);
  tap?.sent(MS_BNDUPD_BYTES);
  tap?.received(large);
  tap?.sent(MS_UPDREQ_BYTES);
  tap?.closed();
  tap?.closed();
  writer.close();
  return { path, port, large };
}

describe('PcapWriter', () => {
  it('writes a handshake, segments of at most 1460 bytes and one FIN exchange', async () => {
    const { path } = await recordSession();
    const packets = [...readCapturePackets(new Uint8Array(readFileSync(path)))];
    const segments = packets.map((packet) => tcpSegmentOf(packet));

    expect(packets.map((packet) => packet.linkType)).toEqual(new Array(11).fill(1));
    expect(segments.map((segment) => segment?.payload.length)).toEqual([
      0, 0, 0, 148, 1460, 1460, 80, 24, 0, 0, 0,
    ]);
    expect(segments.filter((segment) => segment?.syn).length).toBe(2);
    expect(segments.filter((segment) => segment?.fin).length).toBe(2);
    expect(packets[0]?.timestamp).toBeCloseTo(1_800_000_000.5, 3);
  });

  it('numbers each direction so its bytes follow on without gaps', async () => {
    const { path } = await recordSession();
    const packets = [...readCapturePackets(new Uint8Array(readFileSync(path)))];
    const next = new Map<number, number>();

    for (const segment of packets.map((packet) => tcpSegmentOf(packet))) {
      if (segment === undefined) {
        throw new Error('a frame without a TCP segment');
      }

      const expected = next.get(segment.sourcePort);
      if (expected !== undefined) {
        expect(segment.sequence).toBe(expected);
      }

      const consumed = segment.payload.length + (segment.syn || segment.fin ? 1 : 0);
      next.set(segment.sourcePort, (segment.sequence + consumed) >>> 0);
    }
  });

  it('gives back every recorded message through the capture reader', async () => {
    const { path, port } = await recordSession();

    const messages = [...readFailoverMessages(new Uint8Array(readFileSync(path)), { port })];

    expect(messages.map((message) => message.bytes)).toEqual([MS_BNDUPD_BYTES, MS_UPDREQ_BYTES]);
    expect(messages[0]?.destination).toBe(`127.0.0.1:${port}`);
  });

  it.skipIf(!tsharkAvailable)(
    'writes IPv4 and TCP checksums that tshark validates (needs tshark)',
    async () => {
      const { path } = await recordSession();
      const { stdout } = await run('tshark', [
        '-r',
        path,
        '-o',
        'ip.check_checksum:TRUE',
        '-o',
        'tcp.check_checksum:TRUE',
        '-T',
        'fields',
        '-e',
        'ip.checksum.status',
        '-e',
        'tcp.checksum.status',
      ]);
      const statuses = stdout.trim().split('\n');

      expect(statuses).toHaveLength(11);
      expect(new Set(statuses)).toEqual(new Set(['1\t1']));
    },
  );
});
