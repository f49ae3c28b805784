// Checks a connection runs on every frame before it is decoded, and the encoding of every frame
// it sends. The microsoft profile uses them for the message digest and the clock check of
// [MS-DHCPF] section 3.1.5; the isc profile has none.

import type { FailoverMessage } from '../wire/types.js';

/** The reason a received frame was dropped. The connection then closes without a DISCONNECT. */
export interface GuardRejection {
  /** Stable code, FO_ERR_... */
  code: string;
  rule: string;
  /** One clause for the log; it never contains the shared secret. */
  message: string;
  /** The log event: `auth.failed` for digests, `message.rejected` otherwise. */
  event: string;
}

export interface ConnectionGuard {
  /** Encodes a message to send, with whatever the guard adds (a digest). */
  encode(message: FailoverMessage): Uint8Array;
  /** Checks a received frame; `receivedAt` is the local arrival time in seconds since 1970. */
  check(frame: Uint8Array, receivedAt: number): GuardRejection | undefined;
}
