// An observer of the bytes of one failover connection, such as the pcap writer of
// `dhcpf serve --pcap`. The connection calls it; it never changes what is sent or received.

import type { Socket } from 'node:net';

export interface ConnectionTap {
  /** Bytes written to the partner, one encoded message at a time. */
  sent(bytes: Uint8Array): void;
  /** Bytes read from the partner, as TCP delivered them. */
  received(bytes: Uint8Array): void;
  /** The connection closed. */
  closed(): void;
}

/** Returns the tap of a new connection; `outgoing` is true when this side connected (primary). */
export type ConnectionTapFactory = (socket: Socket, outgoing: boolean) => ConnectionTap | undefined;
