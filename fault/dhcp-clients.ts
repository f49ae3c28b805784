// Simulated DHCPv4 clients for the fault runs, on loopback UDP. DISCOVER and REQUEST go to both
// servers, as a broadcast reaches both, RENEW goes to the lease's server. Each client records every
// lease it holds as an interval of harness time, so the checks can tell whether two clients ever
// held one address at once.

import { createSocket, type Socket } from 'node:dgram';
import { buildClientPacket } from '../src/dhcp/client-packets.js';
import {
  decodeDHCPPacket,
  DHCPMessageType,
  encodeDHCPPacket,
  type DHCPOptions,
  type DHCPPacket,
} from '../src/dhcp/packet.js';
import type { SeededRandom } from './random.js';

const REPLY_TIMEOUT_MS = 300;

/** One lease as a client held it: from the ACK's arrival to its end or the client's RELEASE. */
export interface HeldLease {
  client: string;
  address: string;
  fromMs: number;
  /** Lower bound of the server's expiry: request sent plus the lease time (RFC 2131 4.4.1). */
  untilMs: number;
}

interface Bound {
  address: string;
  serverIdentifier: string;
  lease: HeldLease;
  leaseSeconds: number;
}

/** The servers a message goes to, by server identifier: one, all but one, or all. */
interface ServerSelection {
  only?: string;
  except?: string;
}

export interface ClientFigures {
  acks: number;
  naks: number;
  releases: number;
  timeouts: number;
}

/** A pool of clients sharing one UDP socket on 127.0.0.1. */
export class DHCPClients {
  readonly leases: HeldLease[] = [];
  readonly figures: ClientFigures = { acks: 0, naks: 0, releases: 0, timeouts: 0 };
  private readonly waiting = new Map<number, (reply: DHCPPacket) => void>();
  private readonly bound = new Map<string, Bound>();
  private nextXid: number;

  private constructor(
    private readonly socket: Socket,
    private readonly serverPorts: () => Map<string, number>,
    private readonly random: SeededRandom,
  ) {
    this.nextXid = random.integer(1, 0x7fffffff);
    socket.on('message', (bytes) => this.onReply(bytes));
  }

  /** Opens the clients' socket; `serverPorts` gives each running server's port by server identifier. */
  static async open(
    serverPorts: () => Map<string, number>,
    random: SeededRandom,
  ): Promise<DHCPClients> {
    const socket = createSocket('udp4');
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return new DHCPClients(socket, serverPorts, random);
  }

  /** Runs one step of client `index`: obtain, renew (before T1, to keep updates flowing) or release. */
  async step(index: number): Promise<void> {
    const chaddr = Uint8Array.from([0x02, 0xfa, 0, 0, index >> 8, index & 0xff]);
    const name = Buffer.from(chaddr).toString('hex');
    const bound = this.bound.get(name);
    if (bound === undefined) {
      await this.obtain(name, chaddr);
      return;
    }

    if (this.random.chance(0.15)) {
      await this.release(name, chaddr, bound);
      return;
    }

    await this.renew(name, chaddr, bound);
  }

  /** Ends every held lease now: the run is over and the clients stop using their addresses. */
  endAll(nowMs: number): void {
    for (const bound of this.bound.values()) {
      bound.lease.untilMs = Math.min(bound.lease.untilMs, nowMs);
    }
  }

  /** Leases still held at `nowMs`, by address. */
  heldAt(nowMs: number): HeldLease[] {
    return [...this.bound.values()]
      .map((bound) => bound.lease)
      .filter((lease) => lease.fromMs <= nowMs && lease.untilMs > nowMs);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }

  private async obtain(name: string, chaddr: Uint8Array): Promise<void> {
    const offer = await this.exchange(this.request(chaddr, DHCPMessageType.DHCPDISCOVER, {}));
    if (offer?.options.messageType !== DHCPMessageType.DHCPOFFER) {
      return;
    }

    const serverIdentifier = offer.options.serverIdentifier ?? '0.0.0.0';
    const sentMs = Date.now();
    const ack = await this.exchange(
      this.request(chaddr, DHCPMessageType.DHCPREQUEST, {
        requestedAddress: offer.yiaddr,
        serverIdentifier,
      }),
    );
    this.settle(name, ack, sentMs, serverIdentifier);
  }

  private async renew(name: string, chaddr: Uint8Array, bound: Bound): Promise<void> {
    // RENEWING goes to the server that gave the lease; REBINDING, after no answer, is a
    // broadcast (RFC 2131 section 4.4.5). On loopback the servers cannot tell it from a RENEW,
    // so it goes only to the other servers, as a broadcast while the lease's server is down.
    let sentMs = Date.now();
    const renew = this.request(chaddr, DHCPMessageType.DHCPREQUEST, {}, { ciaddr: bound.address });
    let reply = await this.exchange(renew, { only: bound.serverIdentifier });
    if (reply === undefined) {
      sentMs = Date.now();
      reply = await this.exchange(
        { ...renew, xid: this.takeXid() },
        { except: bound.serverIdentifier },
      );
    }

    this.settle(name, reply, sentMs, reply?.options.serverIdentifier ?? bound.serverIdentifier);
  }

  private async release(name: string, chaddr: Uint8Array, bound: Bound): Promise<void> {
    // The client stops using the address before it sends the RELEASE.
    bound.lease.untilMs = Math.min(bound.lease.untilMs, Date.now());
    this.bound.delete(name);
    this.figures.releases++;
    await this.send(
      this.request(
        chaddr,
        DHCPMessageType.DHCPRELEASE,
        { serverIdentifier: bound.serverIdentifier },
        { ciaddr: bound.address },
      ),
      { only: bound.serverIdentifier },
    );
  }

  private settle(
    name: string,
    reply: DHCPPacket | undefined,
    sentMs: number,
    serverIdentifier: string,
  ): void {
    const previous = this.bound.get(name);
    if (reply?.options.messageType === DHCPMessageType.DHCPNAK) {
      this.figures.naks++;
      if (previous !== undefined) {
        previous.lease.untilMs = Math.min(previous.lease.untilMs, Date.now());
        this.bound.delete(name);
      }

      return;
    }

    if (reply?.options.messageType !== DHCPMessageType.DHCPACK) {
      return;
    }

    this.figures.acks++;
    const leaseSeconds = reply.options.leaseTime ?? 0;
    if (previous !== undefined && previous.address !== reply.yiaddr) {
      previous.lease.untilMs = Math.min(previous.lease.untilMs, Date.now());
    }

    const lease: HeldLease = {
      client: name,
      address: reply.yiaddr,
      fromMs: Date.now(),
      untilMs: sentMs + leaseSeconds * 1000,
    };
    this.leases.push(lease);
    this.bound.set(name, { address: reply.yiaddr, serverIdentifier, lease, leaseSeconds });
  }

  private request(
    chaddr: Uint8Array,
    messageType: number,
    options: Partial<DHCPOptions>,
    fields: Partial<DHCPPacket> = {},
  ): DHCPPacket {
    return buildClientPacket(chaddr, this.takeXid(), messageType, options, fields);
  }

  private takeXid(): number {
    this.nextXid = (this.nextXid + 1) >>> 0;
    return this.nextXid;
  }

  /**
   * Sends to the servers `targets` selects, every server unless set, and resolves with the first
   * reply, or undefined after the timeout.
   */
  private async exchange(
    request: DHCPPacket,
    targets: ServerSelection = {},
  ): Promise<DHCPPacket | undefined> {
    const reply = new Promise<DHCPPacket | undefined>((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(request.xid);
        this.figures.timeouts++;
        resolve(undefined);
      }, REPLY_TIMEOUT_MS);
      this.waiting.set(request.xid, (packet) => {
        clearTimeout(timer);
        resolve(packet);
      });
    });
    await this.send(request, targets);
    return reply;
  }

  private async send(request: DHCPPacket, selection: ServerSelection): Promise<void> {
    const bytes = encodeDHCPPacket(request);
    const ports = [...this.serverPorts()]
      .filter(([identifier]) => selection.only === undefined || identifier === selection.only)
      .filter(([identifier]) => identifier !== selection.except)
      .map(([, port]) => port);
    await Promise.all(
      ports.map(
        (port) =>
          new Promise<void>((resolve) =>
            this.socket.send(bytes, port, '127.0.0.1', () => resolve()),
          ),
      ),
    );
  }

  private onReply(bytes: Buffer): void {
    let reply: DHCPPacket;
    try {
      reply = decodeDHCPPacket(new Uint8Array(bytes));
    } catch {
      return;
    }

    const resolve = this.waiting.get(reply.xid);
    this.waiting.delete(reply.xid);
    resolve?.(reply);
  }
}
