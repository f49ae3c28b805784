// Sends hostile inputs to a real dhcpf secondary (a child process) over TCP on loopback, one
// connection per input after CONNECT and CONNECTACK, and checks what the peer does with each.

import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FailoverError } from '../src/errors.js';
import { MessageFramer } from '../src/wire/framer.js';
import {
  FIXED_HEADER_LENGTH,
  MAX_MESSAGE_LENGTH,
  OptionCode,
  RejectReason,
} from '../src/wire/codes.js';
import { decodeHostile } from './decoder-fuzz.js';
import { readBindings } from './fault-checks.js';
import { fuzzInputOf, type FuzzInput } from './fuzz-inputs.js';
import { connectOptionsFor, MessageType, PartnerSocket } from './partner-socket.js';
import { PeerProcess } from './peer-process.js';
import { SeededRandom } from './random.js';

const RELATIONSHIP = 'fuzz-run';
/** xid of the UPDREQ sent after each input: its UPDDONE shows the connection survived the input. */
const PROBE_XID = 0x7fff_0001;
const ANSWER_TIMEOUT_MS = 3_000;
/** Message types from 128 on are optional: a receiver that does not know one ignores it (FO-6.1-d). */
const FIRST_OPTIONAL_TYPE = 128;

export interface LiveFuzzResult {
  inputs: number;
  /** Inputs after which the peer closed the connection. */
  closed: number;
  /** Inputs after which the peer still replied to the probe UPDREQ. */
  answered: number;
  /** reject-reason of the DISCONNECTs the peer sent before closing, counted. */
  disconnectReasons: Record<string, number>;
  /** Typed errors the peer logged for the inputs, by code. */
  typedErrors: Record<string, number>;
  /** Inputs the decoder rejects that the peer nevertheless kept its connection after. */
  badInputsKept: number;
  /** DISCONNECTs with a reject-reason other than 254 after an input the decoder rejects. */
  wrongReasons: number;
  /** Closes without a DISCONNECT first, other than after the input's own DISCONNECT (FO-8.6-c). */
  closedSilently: number;
  /** Inputs after which the peer neither closed the connection nor replied in time. */
  hangs: number;
  peerExited: boolean;
  storeUnchanged: boolean;
  /** Resident set size of the peer after the first tenth of the inputs and at the end, bytes. */
  rssAfterWarmup: number;
  rssAtEnd: number;
  peakRss: number;
  samples: string[];
}

export interface LiveFuzzOptions {
  seed: number;
  inputs: number;
  frames: readonly Uint8Array[];
  /** Called every 1000 inputs. */
  onProgress?: (done: number) => void;
}

/** Starts a secondary, fuzzes it, stops it and returns the figures. */
export async function runLiveFuzz(options: LiveFuzzOptions): Promise<LiveFuzzResult> {
  const directory = mkdtempSync(join(tmpdir(), 'dhcpf-live-fuzz-'));
  const storePath = join(directory, 'secondary.db');
  writeFileSync(join(directory, 'secondary.json'), JSON.stringify(fuzzConfig(storePath)));
  const peer = new PeerProcess({
    label: 'fuzzed secondary',
    configPath: join(directory, 'secondary.json'),
    skewSeconds: 0,
    logPath: join(directory, 'secondary.log'),
    logLevel: 'info',
  });
  try {
    await peer.waitFor('its failover port', () => peer.failoverPort !== undefined, 10_000);
    const before = bindingsHash(storePath);
    const result = await fuzzPeer(peer, options);
    result.storeUnchanged = bindingsHash(storePath) === before;
    result.typedErrors = { ...peer.rejectedCodes };
    result.peerExited = !peer.running;
    result.peakRss = memoryOf(peer, 'VmHWM');
    await peer.stop();
    return result;
  } finally {
    await peer.kill();
    rmSync(directory, { recursive: true, force: true });
  }
}

async function fuzzPeer(peer: PeerProcess, options: LiveFuzzOptions): Promise<LiveFuzzResult> {
  const random = new SeededRandom(options.seed);
  const result: LiveFuzzResult = {
    inputs: 0,
    closed: 0,
    answered: 0,
    disconnectReasons: {},
    typedErrors: {},
    badInputsKept: 0,
    wrongReasons: 0,
    closedSilently: 0,
    hangs: 0,
    peerExited: false,
    storeUnchanged: false,
    rssAfterWarmup: 0,
    rssAtEnd: 0,
    peakRss: 0,
    samples: [],
  };
  for (let index = 0; index < options.inputs && peer.running; index++) {
    await sendOne(peer.failoverPort ?? 0, withoutPoolAddresses(random, options.frames), result);
    result.inputs++;
    if (result.inputs === Math.ceil(options.inputs / 10)) {
      result.rssAfterWarmup = memoryOf(peer, 'VmRSS');
    }

    if (result.inputs % 1000 === 0) {
      options.onProgress?.(result.inputs);
    }
  }

  result.rssAtEnd = memoryOf(peer, 'VmRSS');
  return result;
}

/** Sends one input on its own connection, after CONNECT and before the probe UPDREQ, and records the outcome. */
async function sendOne(port: number, input: FuzzInput, result: LiveFuzzResult): Promise<void> {
  const partner = await establish(port);
  const bytes = completedFrames(input.bytes);
  const expected = expectedRejection(bytes);
  partner.sendBytes(bytes);
  partner.send(MessageType.UPDREQ, [], PROBE_XID);
  const answer = await partner.waitFor(
    (message) => message.type === MessageType.UPDDONE && message.xid === PROBE_XID,
    ANSWER_TIMEOUT_MS,
  );
  const disconnect = partner.received.find((message) => message.type === MessageType.DISCONNECT);
  const closedByPeer = partner.isClosed;
  partner.destroy();
  await partner.closed;
  if (answer !== undefined) {
    result.answered++;
    if (expected.code !== undefined) {
      result.badInputsKept++;
      note(result, `kept after ${expected.code}: ${input.kind} ${hex(bytes)}`);
    }

    return;
  }

  if (!closedByPeer && disconnect === undefined) {
    result.hangs++;
    note(result, `no answer and no close: ${input.kind} ${hex(bytes)}`);
    return;
  }

  result.closed++;
  const reason = reasonOf(disconnect);
  result.disconnectReasons[reason] = (result.disconnectReasons[reason] ?? 0) + 1;
  // A connection the input itself ended with a DISCONNECT closes without one in reply.
  if (disconnect === undefined && !carriesDISCONNECT(bytes)) {
    result.closedSilently++;
    note(result, `closed without DISCONNECT: ${input.kind} ${hex(bytes)}`);
  }

  if (
    expected.code !== undefined &&
    disconnect !== undefined &&
    reason !== String(RejectReason.UNKNOWN)
  ) {
    result.wrongReasons++;
    note(result, `reject-reason ${reason} after ${expected.code}: ${hex(bytes)}`);
  }
}

/**
 * Returns the typed error the peer must close the connection for: a framing error, or a decode
 * error in a frame of a mandatory type. A frame of an unknown optional type (128-255) is ignored
 * unread (FO-6.1-d), so it is no reason to close.
 */
function expectedRejection(bytes: Uint8Array): { code?: string } {
  let frames: Uint8Array[];
  try {
    frames = new MessageFramer().push(bytes);
  } catch (error) {
    return decodeHostile({ kind: 'random', bytes }).code === undefined
      ? {}
      : { code: codeOf(error) };
  }

  for (const frame of frames) {
    if ((frame[2] ?? 0) >= FIRST_OPTIONAL_TYPE) {
      continue;
    }

    const outcome = decodeHostile({ kind: 'random', bytes: frame });
    if (outcome.code !== undefined) {
      return outcome;
    }
  }

  return {};
}

/** Returns whether the input contains a DISCONNECT that decodes, which ends the connection itself. */
function carriesDISCONNECT(bytes: Uint8Array): boolean {
  try {
    return new MessageFramer()
      .push(bytes)
      .some(
        (frame) =>
          frame[2] === MessageType.DISCONNECT &&
          decodeHostile({ kind: 'random', bytes: frame }).code === undefined,
      );
  } catch {
    return false;
  }
}

function codeOf(error: unknown): string {
  return error instanceof FailoverError ? error.code : String(error);
}

/** Connects as the configured primary and waits for the accepting CONNECTACK. */
async function establish(port: number): Promise<PartnerSocket> {
  for (let attempt = 0; ; attempt++) {
    const partner = await PartnerSocket.open(port);
    partner.send(MessageType.CONNECT, connectOptionsFor(RELATIONSHIP), 1);
    const connectack = await partner.waitFor(
      (message) => message.type === MessageType.CONNECTACK,
      ANSWER_TIMEOUT_MS,
    );
    const rejected = connectack?.options.some((item) => item.code === OptionCode.REJECT_REASON);
    if (connectack !== undefined && rejected !== true) {
      return partner;
    }

    // The peer may still hold the previous connection (reject-reason 7, ISC-8); try again.
    partner.destroy();
    if (attempt >= 50) {
      throw new Error(`no accepting CONNECTACK after ${attempt} attempts`);
    }

    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * Pads a last frame whose message-length promises more bytes with zero bytes, so the peer acts on
 * the input at once instead of after its receive-timer. Other inputs go as they are.
 */
function completedFrames(bytes: Uint8Array): Uint8Array {
  const framer = new MessageFramer();
  let consumed: number;
  try {
    consumed = framer.push(bytes).reduce((sum, frame) => sum + frame.length, 0);
  } catch {
    return bytes;
  }

  const rest = bytes.length - consumed;
  if (rest === 1) {
    // A lone first length byte: the second one makes the length field whole.
    return completedFrames(Uint8Array.from([...bytes, FIXED_HEADER_LENGTH]));
  }

  const declared = ((bytes[consumed] ?? 0) << 8) | (bytes[consumed + 1] ?? 0);
  if (rest === 0 || declared < FIXED_HEADER_LENGTH || declared > MAX_MESSAGE_LENGTH) {
    return bytes;
  }

  const padded = new Uint8Array(consumed + declared);
  padded.set(bytes);
  return padded;
}

/** Draws inputs until one carries no pool address, so no input can be a valid binding update. */
function withoutPoolAddresses(random: SeededRandom, frames: readonly Uint8Array[]): FuzzInput {
  for (;;) {
    const input = fuzzInputOf(random, frames);
    if (!hex(input.bytes).includes('c00002fa')) {
      return input;
    }
  }
}

function fuzzConfig(storePath: string): Record<string, unknown> {
  return {
    name: RELATIONSHIP,
    role: 'secondary',
    local: { address: '127.0.0.1', port: 0 },
    peer: { address: '127.0.0.1', port: 1 },
    startupSeconds: 1,
    pools: [{ start: '192.0.2.250', end: '192.0.2.250' }],
    store: storePath,
  };
}

function bindingsHash(storePath: string): string {
  const bindings = [...readBindings(storePath).values()];
  return createHash('sha256').update(JSON.stringify(bindings, bigintSafe)).digest('hex');
}

function bigintSafe(_key: string, value: unknown): unknown {
  return value instanceof Uint8Array ? Buffer.from(value).toString('hex') : value;
}

function memoryOf(peer: PeerProcess, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const status = readFileSync(`/proc/${peer.child.pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
    return match?.[1] === undefined ? 0 : Number(match[1]) * 1024;
  } catch {
    return 0;
  }
}

function reasonOf(
  disconnect: { options: { code: number; value?: unknown }[] } | undefined,
): string {
  const reason = disconnect?.options.find((item) => item.code === OptionCode.REJECT_REASON);
  return reason === undefined ? 'none' : String(reason.value);
}

function note(result: LiveFuzzResult, sample: string): void {
  if (result.samples.length < 10) {
    result.samples.push(sample);
  }
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}
