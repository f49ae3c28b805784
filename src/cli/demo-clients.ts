// Simulated DHCP clients for `dhcpf demo`: each one runs DHCPDISCOVER, DHCPOFFER, DHCPREQUEST,
// DHCPACK over loopback UDP against both servers of the pair, as a broadcast would reach both. It
// also formats what the servers do about it: the reply each server sends, read from its log
// lines, and the BNDUPD and BNDACK that follow, read from the failover connection.

import { createSocket, type Socket } from 'node:dgram';
import { buildClientPacket } from '../dhcp/client-packets.js';
import {
  decodeDHCPPacket,
  DHCPMessageType,
  encodeDHCPPacket,
  type DHCPPacket,
} from '../dhcp/packet.js';
import type { ConnectionTap, ConnectionTapFactory } from '../peer/connection-tap.js';
import { bindingAcksOf } from '../wire/binding-ack.js';
import { bindingUpdatesOf } from '../wire/binding-update.js';
import { BindingStatus, MessageType } from '../wire/codes.js';
import { decodeMessage } from '../wire/message.js';
import type { FailoverMessage } from '../wire/types.js';

/** One server's DHCP front end as the simulated clients reach it. */
export interface DemoServer {
  name: string;
  port: number;
  serverIdentifier: string;
}

/** The outcome of one client: the address and the server that acknowledged it, if any. */
export interface DemoClientOutcome {
  mac: string;
  address?: string;
  server?: string;
}

const REPLY_TIMEOUT_MS = 1_000;

const STATUS_NAMES = new Map<number, string>(
  Object.entries(BindingStatus).map(([name, code]) => [code, name]),
);

/** Formats six bytes as a lower-case colon-separated MAC. */
export function formatMac(chaddr: Uint8Array): string {
  return [...chaddr].map((byte) => byte.toString(16).padStart(2, '0')).join(':');
}

/** Parses a colon-separated MAC into its bytes. */
export function parseMac(mac: string): Uint8Array {
  return Uint8Array.from(mac.split(':').map((part) => parseInt(part, 16)));
}

/** Builds a client request without client-identifier, so load balancing hashes the chaddr. */
export function demoRequest(
  chaddr: Uint8Array,
  xid: number,
  messageType: number,
  choice?: { address: string; serverIdentifier: string },
): DHCPPacket {
  const options =
    choice === undefined
      ? {}
      : { requestedAddress: choice.address, serverIdentifier: choice.serverIdentifier };
  return buildClientPacket(chaddr, xid, messageType, options);
}

/**
 * Formats the binding update transactions of a BNDUPD or BNDACK the demo shows, one line each:
 * "BNDUPD 10.64.3.233 ACTIVE" or "BNDACK 10.64.3.233 accepted". Other messages give no lines.
 */
export function formatBindingMessage(message: FailoverMessage): string[] {
  if (message.type === MessageType.BNDUPD) {
    return bindingUpdatesOf(message).updates.map((update) => {
      const status = STATUS_NAMES.get(update.bindingStatus) ?? String(update.bindingStatus);
      return `BNDUPD ${update.address} ${status}`;
    });
  }

  if (message.type === MessageType.BNDACK) {
    return bindingAcksOf(message).map((ack) =>
      ack.rejectReason === undefined
        ? `BNDACK ${ack.address} accepted`
        : `BNDACK ${ack.address} rejected, reject-reason ${ack.rejectReason}`,
    );
  }

  return [];
}

/**
 * Returns a connection tap that passes the BNDUPD and BNDACK lines of every message this side
 * sends to `print`, while `enabled()` is true. Each sent chunk is one whole encoded message.
 */
export function bindingMessageTap(
  print: (line: string) => void,
  enabled: () => boolean,
): ConnectionTapFactory {
  const tap: ConnectionTap = {
    sent: (bytes) => {
      if (!enabled()) return;

      for (const line of formatBindingMessage(decodeMessage(bytes, 'isc'))) {
        print(line);
      }
    },
    received: () => undefined,
    closed: () => undefined,
  };
  return () => tap;
}

/** Formats a `dhcp.replied` log line of a DHCP front end; any other line gives undefined. */
export function formatReplyLogLine(line: string): string | undefined {
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    return undefined;
  }

  if (typeof record !== 'object' || record === null) return undefined;

  const fields = record as Record<string, unknown>;
  if (fields['event'] !== 'dhcp.replied') return undefined;

  const lease = typeof fields['leaseTime'] === 'number' ? `, lease ${fields['leaseTime']} s` : '';
  return `${String(fields['messageType'])} ${String(fields['yiaddr'])}${lease}`;
}

/** A UDP client socket on 127.0.0.1 that hands replies to the waiter of their xid. */
class ClientSocket {
  private readonly waiting = new Map<number, (reply: DHCPPacket) => void>();

  private constructor(private readonly socket: Socket) {
    socket.on('message', (bytes) => {
      const reply = decodeDHCPPacket(bytes);
      this.waiting.get(reply.xid)?.(reply);
      this.waiting.delete(reply.xid);
    });
  }

  static async open(): Promise<ClientSocket> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return new ClientSocket(socket);
  }

  /** Sends to every server and resolves with the first reply, or undefined after a second. */
  exchange(request: DHCPPacket, servers: readonly DemoServer[]): Promise<DHCPPacket | undefined> {
    const reply = new Promise<DHCPPacket | undefined>((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(request.xid);
        resolve(undefined);
      }, REPLY_TIMEOUT_MS);
      this.waiting.set(request.xid, (packet) => {
        clearTimeout(timer);
        resolve(packet);
      });
    });
    const bytes = encodeDHCPPacket(request);
    for (const server of servers) {
      this.socket.send(bytes, server.port, '127.0.0.1');
    }
    return reply;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

/**
 * Runs one DHCPDISCOVER-DHCPOFFER-DHCPREQUEST-DHCPACK exchange per MAC, one client after the
 * other, and prints the client's side of each step. The reply each server sends and the failover
 * messages that follow are printed by the log stream and the tap.
 */
export async function runDemoClients(
  servers: readonly DemoServer[],
  macs: readonly string[],
  print: (line: string) => void,
): Promise<DemoClientOutcome[]> {
  const socket = await ClientSocket.open();
  const outcomes: DemoClientOutcome[] = [];
  try {
    for (const [index, mac] of macs.entries()) {
      outcomes.push(await runOneClient(socket, servers, mac, 0x5e000000 + index, print));
    }
  } finally {
    await socket.close();
  }
  return outcomes;
}

async function runOneClient(
  socket: ClientSocket,
  servers: readonly DemoServer[],
  mac: string,
  xid: number,
  print: (line: string) => void,
): Promise<DemoClientOutcome> {
  const chaddr = parseMac(mac);
  print(`${mac} sends DHCPDISCOVER`);
  const offer = await socket.exchange(
    demoRequest(chaddr, xid, DHCPMessageType.DHCPDISCOVER),
    servers,
  );
  const serverIdentifier = offer?.options.serverIdentifier;
  if (offer === undefined || serverIdentifier === undefined) {
    print(`${mac} got no DHCPOFFER`);
    return { mac };
  }

  print(`${mac} sends DHCPREQUEST for ${offer.yiaddr}`);
  const choice = { address: offer.yiaddr, serverIdentifier };
  const ack = await socket.exchange(
    demoRequest(chaddr, xid, DHCPMessageType.DHCPREQUEST, choice),
    servers,
  );
  if (ack?.options.messageType !== DHCPMessageType.DHCPACK) {
    print(`${mac} got no DHCPACK`);
    return { mac };
  }

  const server = servers.find((candidate) => candidate.serverIdentifier === serverIdentifier);
  return { mac, address: ack.yiaddr, server: server?.name };
}
