// A scripted partner that lays messages out as a Windows server would: the microsoft profile's
// encoding, signed with a shared secret unless a send turns the digest off. It reads back what the peer under
// test sends, keeping the raw frames so tests can check their digests.

import { connect, createServer, type Server, type Socket } from 'node:net';
import { onTestFinished } from 'vitest';
import { SharedSecret } from '../../src/config/shared-secret.js';
import { encodeSignedMessage } from '../../src/peer/digest.js';
import { option } from '../../src/peer/options.js';
import { MessageFramer } from '../../src/wire/framer.js';
import { buildMessage } from '../../src/wire/message-builder.js';
import { decodeMessage, encodeMessage } from '../../src/wire/message.js';
import { OptionCode } from '../../src/wire/codes.js';
import type { FailoverMessage, FailoverOption } from '../../src/wire/types.js';
import { hashBucketAssignmentForSplit } from '../../src/peer/hash-buckets.js';
import { RELATIONSHIP } from '../peer/peer-fixtures.js';

const WAIT_MS = 5000;

export interface ReceivedFrame {
  message: FailoverMessage;
  bytes: Uint8Array;
}

export interface SendOptions {
  /** Header time; the partner's clock by default. */
  time?: number;
  /** Secret to sign with; the partner's own by default, null for no digest. */
  secret?: SharedSecret | null;
}

export class WindowsPartner {
  readonly received: ReceivedFrame[] = [];
  readonly closed: Promise<void>;
  private readonly framer = new MessageFramer();
  private cursor = 0;
  private ended = false;

  constructor(
    readonly socket: Socket,
    private readonly timeSeconds: () => number,
    private readonly secret: SharedSecret | undefined,
  ) {
    socket.on('data', (chunk: Buffer) => {
      for (const frame of this.framer.push(new Uint8Array(chunk))) {
        const bytes = Uint8Array.from(frame);
        this.received.push({ message: decodeMessage(bytes, 'microsoft'), bytes });
      }
    });
    this.closed = new Promise((resolve) => {
      socket.on('close', () => {
        this.ended = true;
        resolve();
      });
    });
    socket.on('error', () => undefined);
    onTestFinished(() => {
      socket.destroy();
    });
  }

  static connect(
    port: number,
    timeSeconds: () => number,
    secret: string | undefined,
  ): Promise<WindowsPartner> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.once('connect', () =>
        resolve(new WindowsPartner(socket, timeSeconds, secretOf(secret))),
      );
      socket.once('error', reject);
    });
  }

  get isClosed(): boolean {
    return this.ended;
  }

  send(type: number, options: FailoverOption[], xid: number, sendOptions: SendOptions = {}): void {
    const message = buildMessage(
      type,
      xid,
      sendOptions.time ?? this.timeSeconds(),
      options,
      'microsoft',
    );
    const secret = sendOptions.secret === undefined ? this.secret : sendOptions.secret;
    this.socket.write(
      secret === null || secret === undefined
        ? encodeMessage(message, 'microsoft')
        : encodeSignedMessage(message, 'microsoft', secret),
    );
  }

  /** Returns the next frame not yet taken, waiting for it; fails when the connection closes. */
  async next(): Promise<ReceivedFrame> {
    const deadline = Date.now() + WAIT_MS;
    while (this.cursor >= this.received.length) {
      if (this.ended) {
        throw new Error(`connection closed after ${this.received.length} messages`);
      }

      if (Date.now() > deadline) {
        throw new Error(`no message within ${WAIT_MS} ms`);
      }

      await new Promise((resolve) => setTimeout(resolve, 10));
    }

    const frame = this.received[this.cursor];
    this.cursor += 1;
    if (frame === undefined) {
      throw new Error('no frame at the cursor');
    }

    return frame;
  }

  /** Returns the next frame of `type`, skipping others (STATE, CONTACT) on the way. */
  async nextOfType(type: number): Promise<ReceivedFrame> {
    for (;;) {
      const frame = await this.next();
      if (frame.message.type === type) {
        return frame;
      }
    }
  }

  async expectClosed(): Promise<void> {
    await Promise.race([
      this.closed,
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error('connection stayed open')), WAIT_MS),
      ),
    ]);
  }
}

/** A listening Windows-like secondary, for tests where the peer under test is the primary. */
export class WindowsListener {
  private readonly sockets: Socket[] = [];

  private constructor(readonly server: Server) {
    server.on('connection', (socket) => this.sockets.push(socket));
  }

  static async listen(): Promise<WindowsListener> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const listener = new WindowsListener(server);
    onTestFinished(() => listener.close());
    return listener;
  }

  get port(): number {
    const address = this.server.address();
    return typeof address === 'object' && address !== null ? address.port : 0;
  }

  async accept(timeSeconds: () => number, secret: string | undefined): Promise<WindowsPartner> {
    const deadline = Date.now() + WAIT_MS;
    while (this.sockets.length === 0) {
      if (Date.now() > deadline) {
        throw new Error('no connection from the peer');
      }

      await new Promise((resolve) => setTimeout(resolve, 10));
    }

    const socket = this.sockets.shift();
    if (socket === undefined) {
      throw new Error('no socket');
    }

    return new WindowsPartner(socket, timeSeconds, secretOf(secret));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function secretOf(text: string | undefined): SharedSecret | undefined {
  return text === undefined ? undefined : new SharedSecret(text);
}

/** CONNECT options as a Windows primary sends them: no TLS-request (MSF-3.2.7.1-b). */
export function windowsCONNECTOptions(
  replace: Partial<Record<number, FailoverOption | null>> = {},
): FailoverOption[] {
  const options: FailoverOption[] = [
    option(OptionCode.RELATIONSHIP_NAME, RELATIONSHIP),
    option(OptionCode.MAX_UNACKED_BNDUPD, 16),
    option(OptionCode.RECEIVE_TIMER, 180),
    option(OptionCode.VENDOR_CLASS_IDENTIFIER, 'MSFT 5.0'),
    option(OptionCode.PROTOCOL_VERSION, 1),
    option(OptionCode.MCLT, 120),
    option(OptionCode.HASH_BUCKET_ASSIGNMENT, hashBucketAssignmentForSplit(128)),
  ];
  const extra = Object.entries(replace).flatMap(([code, value]) =>
    value === null || value === undefined || options.some((item) => item.code === Number(code))
      ? []
      : [value],
  );
  return [
    ...options.flatMap((item) => {
      const replacement = replace[item.code];
      if (replacement === undefined) {
        return [item];
      }

      return replacement === null ? [] : [replacement];
    }),
    ...extra,
  ];
}

/** CONNECTACK options of an accepting Windows secondary. */
export function windowsCONNECTACKOptions(): FailoverOption[] {
  return [
    option(OptionCode.RELATIONSHIP_NAME, RELATIONSHIP),
    option(OptionCode.MAX_UNACKED_BNDUPD, 16),
    option(OptionCode.RECEIVE_TIMER, 180),
    option(OptionCode.VENDOR_CLASS_IDENTIFIER, 'MSFT 5.0'),
    option(OptionCode.PROTOCOL_VERSION, 1),
  ];
}
