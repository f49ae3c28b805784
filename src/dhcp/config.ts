// The optional `dhcp` section of a relationship config: where the DHCPv4 front end listens and
// what it gives clients besides the address.

import type { DHCPConfig } from '../config/types.js';
import {
  invalidField,
  readChoice,
  readInteger,
  readIPv4,
  rejectUnknownFields,
  requireObject,
} from '../config/fields.js';

/** Standard DHCPv4 server port (RFC 2131 section 4.1). */
export const DHCP_SERVER_PORT = 67;

/** Lease given without failover when the config names none; ISC dhcpd's default-lease-time. */
export const DEFAULT_LEASE_SECONDS = 43_200;

const DHCP_FIELDS = [
  'address',
  'port',
  'serverIdentifier',
  'leaseSeconds',
  'subnetMask',
  'routers',
  'replyTo',
];

/** Checks the `dhcp` section; returns undefined when the config has none. */
export function readDHCPConfig(value: unknown): DHCPConfig | undefined {
  if (value === undefined) {
    return undefined;
  }

  const object = requireObject(value, 'dhcp');
  rejectUnknownFields(object, DHCP_FIELDS, 'dhcp');
  const address = readIPv4(object['address'], 'dhcp.address');
  const config: DHCPConfig = {
    address,
    port: readInteger(object['port'], 'dhcp.port', 0, 65_535, DHCP_SERVER_PORT),
    serverIdentifier:
      object['serverIdentifier'] === undefined
        ? address
        : readIPv4(object['serverIdentifier'], 'dhcp.serverIdentifier'),
    leaseSeconds: readInteger(
      object['leaseSeconds'],
      'dhcp.leaseSeconds',
      1,
      0xfffffffe,
      DEFAULT_LEASE_SECONDS,
    ),
    replyTo: readChoice(
      object['replyTo'],
      'dhcp.replyTo',
      ['standard', 'source'] as const,
      'standard',
    ),
  };
  if (object['subnetMask'] !== undefined) {
    config.subnetMask = readIPv4(object['subnetMask'], 'dhcp.subnetMask');
  }

  if (object['routers'] !== undefined) {
    config.routers = readRouters(object['routers']);
  }

  return config;
}

function readRouters(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw invalidField('dhcp.routers', value, 'a non-empty array of IPv4 addresses');
  }

  return value.map((entry: unknown, index) => readIPv4(entry, `dhcp.routers[${index}]`));
}
