// A small DHCPv4 client for the front-end tests: it sends over a real UDP socket on loopback and
// collects the replies by xid.

import { createSocket, type Socket } from 'node:dgram';
import { expect, onTestFinished, vi } from 'vitest';
import { buildClientPacket } from '../../src/dhcp/client-packets.js';
import {
  decodeDHCPPacket,
  DHCPMessageType,
  encodeDHCPPacket,
  type DHCPOptions,
  type DHCPPacket,
} from '../../src/dhcp/packet.js';
import type { DHCPServerStatistics } from '../../src/dhcp/server.js';

const REPLY_TIMEOUT_MS = 3000;

/** Builds a BOOTREQUEST from a client with the given chaddr. */
export function clientRequest(
  chaddr: Uint8Array,
  messageType: number,
  fields: Partial<DHCPPacket> = {},
  options: Partial<DHCPOptions> = {},
): DHCPPacket {
  const xid = Math.floor(Math.random() * 0xffffffff);
  return buildClientPacket(chaddr, xid, messageType, options, fields);
}

export class TestDHCPClient {
  private readonly socket: Socket;
  private readonly waiting = new Map<number, (reply: DHCPPacket) => void>();
  readonly unexpected: DHCPPacket[] = [];

  private constructor(
    socket: Socket,
    private readonly serverPort: number,
  ) {
    this.socket = socket;
    socket.on('message', (message) => {
      const reply = decodeDHCPPacket(message);
      const resolve = this.waiting.get(reply.xid);
      if (resolve === undefined) {
        this.unexpected.push(reply);
        return;
      }

      this.waiting.delete(reply.xid);
      resolve(reply);
    });
  }

  /** Opens a client socket on 127.0.0.1, closed when the test finishes. */
  static async open(serverPort: number): Promise<TestDHCPClient> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => socket.close(() => resolve())));
    return new TestDHCPClient(socket, serverPort);
  }

  /** Sends without waiting for a reply. */
  send(request: DHCPPacket | Uint8Array): Promise<void> {
    const bytes = request instanceof Uint8Array ? request : encodeDHCPPacket(request);
    return new Promise((resolve, reject) =>
      this.socket.send(bytes, this.serverPort, '127.0.0.1', (error) =>
        error ? reject(error) : resolve(),
      ),
    );
  }

  /** Sends and resolves with the reply of the same xid. */
  async exchange(request: DHCPPacket): Promise<DHCPPacket> {
    const reply = new Promise<DHCPPacket>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(request.xid);
        reject(new Error(`no reply to xid ${request.xid} within ${REPLY_TIMEOUT_MS} ms`));
      }, REPLY_TIMEOUT_MS);
      this.waiting.set(request.xid, (packet) => {
        clearTimeout(timer);
        resolve(packet);
      });
    });
    await this.send(request);
    return reply;
  }

  /**
   * Sends and waits until the server has handled the message; resolves with the reply of the same
   * xid, or undefined when the server sent none. The server handles a datagram in one step, so
   * once its `received` count grows, its reply is sent or never will be.
   */
  async exchangeOrSilence(
    request: DHCPPacket,
    server: { readonly statistics: DHCPServerStatistics },
  ): Promise<DHCPPacket | undefined> {
    const received = server.statistics.received;
    const replies = replyCount(server.statistics);
    const reply = new Promise<DHCPPacket>((resolve) => this.waiting.set(request.xid, resolve));
    await this.send(request);
    await vi.waitFor(() => expect(server.statistics.received).toBeGreaterThan(received));
    if (replyCount(server.statistics) === replies) {
      this.waiting.delete(request.xid);
      return undefined;
    }

    return reply;
  }

  /** DISCOVER, OFFER, REQUEST, ACK; returns the OFFER and the ACK. */
  async obtainLease(
    chaddr: Uint8Array,
    options: Partial<DHCPOptions> = {},
  ): Promise<{ offer: DHCPPacket; ack: DHCPPacket }> {
    const offer = await this.exchange(
      clientRequest(chaddr, DHCPMessageType.DHCPDISCOVER, {}, options),
    );
    const ack = await this.exchange(
      clientRequest(
        chaddr,
        DHCPMessageType.DHCPREQUEST,
        {},
        {
          ...options,
          requestedAddress: offer.yiaddr,
          serverIdentifier: offer.options.serverIdentifier,
        },
      ),
    );
    return { offer, ack };
  }
}

function replyCount(statistics: DHCPServerStatistics): number {
  const { DHCPOFFER, DHCPACK, DHCPNAK } = statistics.replies;
  return DHCPOFFER + DHCPACK + DHCPNAK;
}
