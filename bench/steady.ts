// Steady binding updates between two servers in NORMAL: a backlog of M changed bindings, already
// committed as pending in the sender's store, goes through BNDUPD/BNDACK over loopback TCP. The
// sender is dhcpf's UpdateSender in this process and the receiver dhcpf's UpdateReceiver in a
// child process (steady-partner.ts), each with its own SQLite store that commits before every
// BNDACK. Rate = M / (first BNDUPD to the BNDACK of the last binding).

import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { UpdateSender } from '../src/endpoint/update-sender.js';
import { createSilentLogger } from '../src/log.js';
import { FailoverConnection } from '../src/peer/connection.js';
import { systemClock } from '../src/peer/timers.js';
import { openLeaseStore } from '../src/store/sqlite-store.js';
import type { LeaseStore } from '../src/store/types.js';
import { bindingAcksOf } from '../src/wire/binding-ack.js';
import { MessageType } from '../src/wire/codes.js';
import { nowMs } from './measure.js';
import { poolEnd, POOL_START, seedDhcpfStore } from './lease-seeds.js';
import { StartedProcess } from './processes.js';
import type { UpdateSettings } from './resync-types.js';
import { repositoryRoot } from './shared-dir.js';

const PARTNER_SCRIPT = join(repositoryRoot, 'dist', 'bench', 'steady-partner.js');
const MCLT = 600;
const TIMEOUT_MS = 120_000;

export interface SteadyRow extends UpdateSettings {
  updates: number;
  elapsedMs: number;
  updatesPerSecond: number;
  /** BNDUPDs sent: updates / updatesPerMessage when every update went out once. */
  messages: number;
  rejected: number;
}

/** Windows and transactions per BNDUPD of the default table. */
export const STEADY_GRID: readonly UpdateSettings[] = [10, 100, 1000].flatMap((window) =>
  [1, 4, 16].map((updatesPerMessage) => ({ maxUnackedUpdates: window, updatesPerMessage })),
);

/** Measures one row in a temporary directory that is removed afterwards. */
export async function runSteadyUpdates(
  updates: number,
  settings: UpdateSettings,
): Promise<SteadyRow> {
  const directory = mkdtempSync(join(tmpdir(), 'dhcpf-bench-steady-'));
  try {
    return await measureRow(directory, updates, settings);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

async function measureRow(
  directory: string,
  updates: number,
  settings: UpdateSettings,
): Promise<SteadyRow> {
  seedDhcpfStore(join(directory, 'sender.db'), updates);
  const store = openLeaseStore(join(directory, 'sender.db'));
  const partner = new StartedProcess({
    label: 'steady partner',
    command: process.execPath,
    args: [PARTNER_SCRIPT, join(directory, 'receiver.db'), POOL_START, poolEnd(updates)],
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const socket = await connectTo(await partnerPort(partner));
    const connection = new FailoverConnection({
      socket,
      profile: 'isc',
      clock: systemClock,
      logger: createSilentLogger(),
    });
    connection.established = true;
    const row = await flushBacklog(store, connection, updates, settings);
    connection.close('measurement done');
    await partner.exited;
    return row;
  } finally {
    await partner.stop();
    store.close();
  }
}

function flushBacklog(
  store: LeaseStore,
  connection: FailoverConnection,
  updates: number,
  settings: UpdateSettings,
): Promise<SteadyRow> {
  const sender = new UpdateSender({
    store,
    logger: createSilentLogger(),
    profile: 'isc',
    updatesPerMessage: settings.updatesPerMessage,
    mclt: () => MCLT,
  });
  sender.attach(connection, settings.maxUnackedUpdates);
  return new Promise((resolve, reject) => {
    let answered = 0;
    let messages = 0;
    const timer = setTimeout(
      () => reject(new Error(`steady updates timed out after ${answered} of ${updates}`)),
      TIMEOUT_MS,
    );
    const start = nowMs();
    connection.on('close', (reason) => reject(new Error(`partner connection closed: ${reason}`)));
    connection.on('messages', (received) => {
      const bndacks = received
        .map(({ message }) => message)
        .filter((message) => message.type === MessageType.BNDACK);
      answered += bndacks.reduce((sum, message) => sum + bindingAcksOf(message).length, 0);
      messages += bndacks.length;
      sender.onBNDACKs(bndacks);
      if (answered >= updates) {
        clearTimeout(timer);
        const elapsedMs = nowMs() - start;
        resolve({
          ...settings,
          updates,
          elapsedMs,
          updatesPerSecond: (updates * 1000) / elapsedMs,
          messages,
          rejected: sender.rejections.count,
        });
      }
    });
    sender.sendPending();
  });
}

async function partnerPort(partner: StartedProcess): Promise<number> {
  const stdout = partner.child.stdout;
  if (stdout === null) {
    throw new Error('steady partner stdout is not piped');
  }

  for await (const line of createInterface({ input: stdout })) {
    const value: unknown = JSON.parse(line);
    if (
      typeof value === 'object' &&
      value !== null &&
      'port' in value &&
      typeof value.port === 'number'
    ) {
      return value.port;
    }
  }

  throw new Error(`steady partner exited (${await partner.exited}) before it listened`);
}

function connectTo(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => resolve(socket));
    socket.once('error', reject);
  });
}
