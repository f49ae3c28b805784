// A raw failover partner for the live fuzz and the flood: a TCP socket on loopback that sends
// encoded messages or any bytes and reads back the peer's messages until the peer closes.

import { connect, type Socket } from 'node:net';
import { hashBucketAssignmentForSplit } from '../src/peer/hash-buckets.js';
import { option } from '../src/peer/options.js';
import { MessageFramer } from '../src/wire/framer.js';
import { decodeMessage, encodeMessage } from '../src/wire/message.js';
import { MessageType, OptionCode } from '../src/wire/codes.js';
import type { FailoverMessage, FailoverOption } from '../src/wire/types.js';

export class PartnerSocket {
  readonly received: FailoverMessage[] = [];
  readonly closed: Promise<void>;
  private readonly framer = new MessageFramer();
  private waiters: (() => void)[] = [];
  private ended = false;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const frame of this.framer.push(new Uint8Array(chunk))) {
          this.received.push(decodeMessage(frame, 'isc'));
        }
      } catch {
        socket.destroy();
      }

      this.wake();
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => {
      socket.on('close', () => {
        this.ended = true;
        this.wake();
        resolve();
      });
    });
  }

  static open(port: number, localAddress?: string): Promise<PartnerSocket> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port, localAddress });
      socket.once('connect', () => resolve(new PartnerSocket(socket)));
      socket.once('error', reject);
    });
  }

  get isClosed(): boolean {
    return this.ended;
  }

  send(type: number, options: FailoverOption[], xid: number): void {
    const time = Math.floor(Date.now() / 1000);
    this.sendBytes(
      encodeMessage(
        { type, payloadOffset: 12, time, xid, extraHeader: new Uint8Array(0), options },
        'isc',
      ),
    );
  }

  sendBytes(bytes: Uint8Array): void {
    if (!this.ended) {
      this.socket.write(bytes);
    }
  }

  /** Resolves with the first received message that `match` accepts, or undefined on close or timeout. */
  async waitFor(
    match: (message: FailoverMessage) => boolean,
    timeoutMs: number,
  ): Promise<FailoverMessage | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.find(match);
      if (found !== undefined || this.ended || Date.now() >= deadline) {
        return found;
      }

      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now());
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  destroy(): void {
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

/** Returns the options of an ISC-like primary's CONNECT for `relationship`. */
export function connectOptionsFor(relationship: string): FailoverOption[] {
  return [
    option(OptionCode.RELATIONSHIP_NAME, relationship),
    option(OptionCode.MAX_UNACKED_BNDUPD, 10),
    option(OptionCode.RECEIVE_TIMER, 30),
    option(OptionCode.VENDOR_CLASS_IDENTIFIER, 'dhcpf-fuzz'),
    option(OptionCode.PROTOCOL_VERSION, 1),
    option(OptionCode.TLS_REQUEST, 0),
    option(OptionCode.MCLT, 600),
    option(OptionCode.HASH_BUCKET_ASSIGNMENT, hashBucketAssignmentForSplit(128)),
  ];
}

export { MessageType };
