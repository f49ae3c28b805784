// A scripted failover partner for tests: a plain TCP socket that sends encoded messages and reads
// back what the peer under test sends, with no logic of its own.

import { createServer, connect, type Server, type Socket } from 'node:net';
import { MessageFramer } from '../../src/wire/framer.js';
import { decodeMessage, encodeMessage } from '../../src/wire/message.js';
import type { FailoverMessage, FailoverOption } from '../../src/wire/types.js';

/** How long a test waits for an expected message before it fails. */
const WAIT_MS = 5000;

export class RawPartner {
  readonly socket: Socket;
  /** Every message received so far, in order. */
  readonly received: FailoverMessage[] = [];
  /** Resolves when the peer closed the connection (or it failed). */
  readonly closed: Promise<void>;
  private readonly framer = new MessageFramer();
  private cursor = 0;
  private waiters: (() => void)[] = [];
  private ended = false;

  constructor(
    socket: Socket,
    private readonly timeSeconds: () => number,
  ) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      for (const frame of this.framer.push(new Uint8Array(chunk))) {
        this.received.push(decodeMessage(frame, 'isc'));
      }
      this.wake();
    });
    this.closed = new Promise((resolve) => {
      socket.on('close', () => {
        this.ended = true;
        this.wake();
        resolve();
      });
    });
    socket.on('error', () => undefined);
  }

  /** Connects to the peer under test, from `localAddress` when given. */
  static connect(
    port: number,
    timeSeconds: () => number,
    localAddress?: string,
  ): Promise<RawPartner> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port, localAddress });
      socket.once('connect', () => resolve(new RawPartner(socket, timeSeconds)));
      socket.once('error', reject);
    });
  }

  get isClosed(): boolean {
    return this.ended;
  }

  /** Encodes and sends one message; `time` defaults to the partner's clock. */
  send(type: number, options: FailoverOption[], xid: number, time = this.timeSeconds()): void {
    this.sendBytes(
      encodeMessage(
        { type, payloadOffset: 12, time, xid, extraHeader: new Uint8Array(0), options },
        'isc',
      ),
    );
  }

  sendBytes(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** Returns the next message not yet taken, waiting for it to arrive. */
  async next(): Promise<FailoverMessage> {
    const message = await this.nextOrClose();
    if (message === undefined) {
      throw new Error(`connection closed after ${this.received.length} messages`);
    }

    return message;
  }

  /** Returns the next message of `type`, skipping others (CONTACT, STATE) on the way. */
  async nextOfType(type: number): Promise<FailoverMessage> {
    for (;;) {
      const message = await this.next();
      if (message.type === type) {
        return message;
      }
    }
  }

  /** Returns the next message, or undefined once the peer has closed the connection. */
  async nextOrClose(): Promise<FailoverMessage | undefined> {
    const deadline = Date.now() + WAIT_MS;
    while (this.cursor >= this.received.length) {
      if (this.ended) {
        return undefined;
      }

      if (Date.now() > deadline) {
        throw new Error(`no message within ${WAIT_MS} ms`);
      }

      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }

    const message = this.received[this.cursor];
    this.cursor += 1;
    return message;
  }

  /** Waits until the peer closes; fails when it does not. */
  async expectClosed(): Promise<void> {
    await Promise.race([
      this.closed,
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error('connection stayed open')), WAIT_MS),
      ),
    ]);
  }

  close(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) {
      waiter();
    }
  }
}

/** A listening raw partner, for tests where the peer under test is the primary. */
export class RawListener {
  private readonly sockets: Socket[] = [];
  private waiters: ((socket: Socket) => void)[] = [];

  private constructor(readonly server: Server) {
    server.on('connection', (socket) => {
      const waiter = this.waiters.shift();
      if (waiter === undefined) {
        this.sockets.push(socket);
      } else {
        waiter(socket);
      }
    });
  }

  static listen(): Promise<RawListener> {
    return RawListener.listenOn(0);
  }

  static async listenOn(port: number): Promise<RawListener> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    return new RawListener(server);
  }

  /** Connections accepted by the server and not yet taken by `accept`. */
  get waitingConnections(): number {
    return this.sockets.length;
  }

  get port(): number {
    const address = this.server.address();
    return typeof address === 'object' && address !== null ? address.port : 0;
  }

  /** Waits for the peer under test to connect. */
  async accept(timeSeconds: () => number): Promise<RawPartner> {
    const queued = this.sockets.shift();
    const socket =
      queued ??
      (await new Promise<Socket>((resolve, reject) => {
        this.waiters.push(resolve);
        setTimeout(() => reject(new Error('no connection from the peer')), WAIT_MS);
      }));
    return new RawPartner(socket, timeSeconds);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
