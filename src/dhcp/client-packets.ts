// One BOOTREQUEST builder, shared by the simulated DHCP clients of the demo, fault runs and tests.

import { BOOTREQUEST, type DHCPOptions, type DHCPPacket } from './packet.js';

/**
 * Builds a BOOTREQUEST (DHCPDISCOVER, DHCPREQUEST, DHCPRELEASE, ...) from an Ethernet client with
 * the given chaddr. Every address field is 0.0.0.0 unless `fields` sets it. The options are the
 * DHCP message type (53) plus `options`, which may also replace the message type.
 */
export function buildClientPacket(
  chaddr: Uint8Array,
  xid: number,
  messageType: number,
  options: Partial<DHCPOptions> = {},
  fields: Partial<DHCPPacket> = {},
): DHCPPacket {
  return {
    op: BOOTREQUEST,
    htype: 1,
    hlen: chaddr.length,
    hops: 0,
    xid,
    secs: 0,
    flags: 0,
    ciaddr: '0.0.0.0',
    yiaddr: '0.0.0.0',
    siaddr: '0.0.0.0',
    giaddr: '0.0.0.0',
    chaddr,
    sname: new Uint8Array(64),
    file: new Uint8Array(128),
    ...fields,
    options: { messageType, other: [], ...options },
  };
}
