// Messages that a peer with a Windows partner drops on receipt ([MS-DHCPF] sections 3.1.5.8,
// 3.2.5.2 and 3.3.5.2). Windows replaces the pool messages by its Address Rebalancing timer, and
// it ends a connection by closing it, not by DISCONNECT. Section 3.3.5.2 is headed POOLREQ but
// drops POOLRESP, so both are dropped in either role (AMB-8).

import type { Role } from '../../model/endpoint-types.js';
import { MessageType } from '../wire/codes.js';
import type { WireProfile } from '../wire/types.js';

/**
 * Returns the rule ID under which a received message is dropped, or undefined when it is
 * processed. A primary also drops a CONNECT, which a Windows secondary may send on a new
 * connection (MSF-3.2.7.1-a): only the primary's CONNECT opens the connection (AMB-9).
 */
export function droppedOnReceipt(
  profile: WireProfile,
  role: Role,
  type: number,
): string | undefined {
  if (profile !== 'microsoft') {
    return undefined;
  }

  switch (type) {
    case MessageType.DISCONNECT:
      return 'MSF-3.1.5.8-a';
    case MessageType.POOLREQ:
      return 'MSF-3.2.5.2-a';
    case MessageType.POOLRESP:
      return 'MSF-3.3.5.2-a';
    case MessageType.CONNECT:
      return role === 'primary' ? 'AMB-9' : undefined;
    default:
      return undefined;
  }
}
