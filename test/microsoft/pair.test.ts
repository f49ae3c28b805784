import { describe, expect, it } from 'vitest';
import { execFile, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SharedSecret } from '../../src/config/shared-secret.js';
import { readFailoverMessages, type CapturedMessage } from '../../src/pcap/failover-capture.js';
import { PcapWriter } from '../../src/pcap/pcap-writer.js';
import { checkMessageDigest } from '../../src/peer/digest.js';
import { ManualClock } from '../../src/peer/timers.js';
import { MessageType, OptionCode } from '../../src/wire/codes.js';
import { decodeMessage } from '../../src/wire/message.js';
import { decodeStoredOptions } from '../../src/endpoint/binding-wire.js';
import { temporaryDirectory } from '../peer/peer-fixtures.js';
import {
  bothNormal,
  SCOPE_ID,
  SCOPE_ID_NUMBER,
  SECRET,
  seedPrimary,
  startMicrosoftPair,
  SUBNET_MASK,
  type MicrosoftPair,
} from './microsoft-fixtures.js';

const run = promisify(execFile);
const tsharkAvailable = spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;

interface RecordedPair {
  pair: MicrosoftPair;
  pcapPath: string;
  port: number;
}

/** Starts a pair whose primary records its connections in a pcap file, seeded with `leases`. */
async function startRecordedPair(leases: number): Promise<RecordedPair> {
  const directory = temporaryDirectory();
  const clock = new ManualClock();
  seedPrimary(directory, leases, clock);
  const pcapPath = join(directory, 'session.pcap');
  const writer = new PcapWriter(pcapPath, { nowMs: () => clock.nowMs() });
  const pair = await startMicrosoftPair(directory, clock, {
    primaryTap: (socket, outgoing) => writer.tap(socket, outgoing),
  });
  await bothNormal(pair);
  return { pair, pcapPath, port: pair.secondary.peer.listeningPort ?? 0 };
}

function capturedMessages(recorded: RecordedPair): CapturedMessage[] {
  const bytes = new Uint8Array(readFileSync(recorded.pcapPath));
  return [...readFailoverMessages(bytes, { port: recorded.port })];
}

function messageTypesFrom(messages: CapturedMessage[], source: string): number[] {
  return messages
    .filter((message) => message.source === source)
    .map((message) => message.bytes[2] ?? 0);
}

describe('microsoft pair over loopback', () => {
  it('reaches NORMAL with every lease copied, scope ID and subnet mask included (MSF-3.1.5.2-b, OBS-2)', async () => {
    const recorded = await startRecordedPair(30);
    const { primary, secondary } = recorded.pair;

    expect(secondary.peer.store.countBindings()).toBe(30);
    for (const sent of primary.peer.store.allBindings()) {
      const copy = secondary.peer.store.getBinding(sent.address);
      const otherOptions = decodeStoredOptions(copy?.otherOptions, 'microsoft');
      expect(copy?.bindingStatus).toBe('ACTIVE');
      expect(copy?.clientHardwareAddress?.chaddr).toEqual(sent.clientHardwareAddress?.chaddr);
      expect(copy?.clientHardwareAddress?.scopeId).toBe(SCOPE_ID_NUMBER);
      expect(copy?.leaseExpirationTime).toBe(sent.leaseExpirationTime);
      expect(copy?.receivedPet).toBe(sent.sentPet);
      expect(otherOptions).toContainEqual({
        code: OptionCode.MS_CLIENT_SUBNET_MASK,
        value: SUBNET_MASK,
      });
      expect(sent.pendingUpdate).toBe(false);
    }
  });

  it('signs every message with an HMAC-SHA256 digest as its first option (MSF-2.2-d, MSF-2.2-e)', async () => {
    const recorded = await startRecordedPair(5);
    const secret = new SharedSecret(SECRET);
    const messages = capturedMessages(recorded);

    expect(messages.length).toBeGreaterThan(10);
    for (const message of messages) {
      expect(checkMessageDigest(message.bytes, secret)).toBeUndefined();
      expect(decodeMessage(message.bytes, 'microsoft').options[0]?.code).toBe(
        OptionCode.MESSAGE_DIGEST,
      );
    }
  });

  it('sends payload-offset 8 and a CONNECT without TLS-request (OBS-1, MSF-3.2.7.1-b)', async () => {
    const recorded = await startRecordedPair(1);
    const messages = capturedMessages(recorded);
    const connect = messages.find((message) => message.bytes[2] === MessageType.CONNECT);

    expect(connect).toBeDefined();
    expect(
      decodeMessage(connect!.bytes, 'microsoft').options.map((item) => item.code),
    ).not.toContain(OptionCode.TLS_REQUEST);
    for (const message of messages) {
      expect(message.bytes[3]).toBe(8);
    }
  });

  it('sends STATE from both sides right after CONNECTACK (MSF-3.1.7.3-a)', async () => {
    const recorded = await startRecordedPair(1);
    const messages = capturedMessages(recorded);
    const secondaryAddress = `127.0.0.1:${recorded.port}`;
    const fromSecondary = messagesTypesAfterHandshake(messages, secondaryAddress, 'source');
    const fromPrimary = messagesTypesAfterHandshake(messages, secondaryAddress, 'destination');

    expect(messageTypesFrom(messages, secondaryAddress).slice(0, 2)).toEqual([
      MessageType.CONNECTACK,
      MessageType.STATE,
    ]);
    expect(fromSecondary[0]).toBe(MessageType.STATE);
    expect(fromPrimary[0]).toBe(MessageType.STATE);
  });

  it.skipIf(!tsharkAvailable)(
    'writes a pcap in which tshark finds no malformed packet (needs tshark)',
    async () => {
      const recorded = await startRecordedPair(20);
      const args = [
        '-r',
        recorded.pcapPath,
        '-o',
        'tcp.reassemble_out_of_order:TRUE',
        '-d',
        `tcp.port==${recorded.port},dhcpfo`,
      ];
      const all = await run('tshark', [...args, '-Y', 'dhcpfo']);
      const malformed = await run('tshark', [...args, '-Y', '_ws.malformed']);

      expect(all.stdout.split('\n').filter((line) => line.trim() !== '').length).toBeGreaterThan(
        20,
      );
      expect(malformed.stdout).toBe('');
    },
  );

  it('keeps the secondary on its own MCLT (MSF-3.3.5.1-b)', async () => {
    const directory = temporaryDirectory();
    const clock = new ManualClock();
    const pair = await startMicrosoftPair(directory, clock, {
      primary: { mclt: 3600 },
      secondary: { mclt: 900 },
    });

    await bothNormal(pair);

    expect(pair.secondary.peer.mclt).toBe(900);
    expect(pair.secondary.log.withEvent('mclt.adopted')).toEqual([]);
  });
});

/** Types sent by one side after the CONNECTACK, the side given by its place in `field`. */
function messagesTypesAfterHandshake(
  messages: CapturedMessage[],
  secondaryAddress: string,
  field: 'source' | 'destination',
): number[] {
  const index = messages.findIndex((message) => message.bytes[2] === MessageType.CONNECTACK);
  return messages
    .slice(index + 1)
    .filter((message) => message[field] === secondaryAddress)
    .map((message) => message.bytes[2] ?? 0);
}

describe('microsoft pair with different secrets', () => {
  it('never reaches NORMAL and logs the digest failure without the secret (MSF-3.1.5-a)', async () => {
    const directory = temporaryDirectory();
    const clock = new ManualClock();
    const pair = await startMicrosoftPair(directory, clock, {
      primary: { sharedSecret: 'the primary secret' },
      secondary: { sharedSecret: 'the secondary secret' },
    });

    await waitForLogEvent(pair, 'auth.failed');
    clock.advance(10_000);
    await new Promise((resolve) => setTimeout(resolve, 100));

    expect(pair.primary.peer.state).not.toBe('NORMAL');
    expect(pair.secondary.peer.state).not.toBe('NORMAL');
    const failure = [...pair.primary.log.lines, ...pair.secondary.log.lines].find(
      (line) => line['event'] === 'auth.failed',
    );
    expect(failure?.['code']).toBe('FO_ERR_DIGEST_MISMATCH');
    expect(failure?.['rule']).toBe('MSF-3.1.5-a');
    const everything = JSON.stringify([...pair.primary.log.lines, ...pair.secondary.log.lines]);
    expect(everything).not.toContain('the primary secret');
    expect(everything).not.toContain('the secondary secret');
  });
});

describe('microsoft pair in NORMAL', () => {
  it('lends free addresses to the secondary as BACKUP on the rebalancing timer (MSF-3.2.6-a)', async () => {
    const directory = temporaryDirectory();
    const clock = new ManualClock();
    seedPrimary(directory, 10, clock);
    const timers = { receiveTimer: 3600, addressRebalancingSeconds: 60, reservePercent: 10 };
    const pair = await startMicrosoftPair(directory, clock, { primary: timers, secondary: timers });
    await bothNormal(pair);

    clock.advance(60_000);
    await waitFor(() => countBackup(pair.secondary) === 8);

    // 91 pool addresses, 10 leased: a tenth of the 81 free ones, the highest first.
    expect(countBackup(pair.primary)).toBe(8);
    expect(pair.secondary.peer.store.getBinding('192.0.2.110')?.bindingStatus).toBe('BACKUP');
    expect(pair.primary.log.withEvent('addresses.rebalanced')[0]?.['count']).toBe(8);
  });

  it('sends every lease of the scopes an UPDREQ names in option 30 (MSF-3.1.5.4-a, MSF-3.1.4.1-b)', async () => {
    const directory = temporaryDirectory();
    const clock = new ManualClock();
    seedPrimary(directory, 12, clock);
    const pair = await startMicrosoftPair(directory, clock);
    await bothNormal(pair);
    const sentBefore = pair.primary.peer.statistics.bindingsSent;

    expect(pair.secondary.peer.requestScopeUpdates([SCOPE_ID])).toBe(true);
    await waitFor(() =>
      pair.secondary.log
        .withEvent('sync.done')
        .some((line) => line['request'] === 'UPDREQ' && line['direction'] === 'received'),
    );

    expect(pair.primary.peer.statistics.bindingsSent - sentBefore).toBe(12);
    expect(pair.secondary.peer.state).toBe('NORMAL');
    expect(pair.secondary.peer.store.countBindings()).toBe(12);
  });
});

function countBackup(started: MicrosoftPair['primary']): number {
  return [...started.peer.store.allBindings()].filter(
    (binding) => binding.bindingStatus === 'BACKUP',
  ).length;
}

async function waitForLogEvent(pair: MicrosoftPair, event: string): Promise<void> {
  await waitFor(
    () => pair.primary.log.withEvent(event).length + pair.secondary.log.withEvent(event).length > 0,
  );
}

/** Polls `condition` until it holds; fails after five seconds. */
async function waitFor(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error('condition not met within 5 s');
    }

    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
