// Turns a dhcpd.conf failover peer declaration and its pools into a dhcpf relationship config
// (the JSON `dhcpf serve` reads). Values dhcpd would default are written out with dhcpd's default,
// so the imported server behaves like the dhcpd it replaces.

import {
  DHCPD_CONF_ERROR_CODES,
  DhcpdConfError,
  type DhcpdConf,
  type DhcpdFailoverPeer,
} from './dhcpd-conf.js';

/** dhcpd's values when the declaration leaves them out (ISC-5). */
export const DHCPD_DEFAULTS = {
  port: 647,
  maxResponseDelay: 20,
  maxUnackedUpdates: 100,
} as const;

/** A dhcpf config object, ready for JSON.stringify, and notes on what was defaulted. */
export interface ImportedRelationship {
  config: Record<string, unknown>;
  /** Settings filled in because the declaration left them out, for the import summary. */
  defaulted: string[];
}

/**
 * Builds the config of the relationship `name`, or of the only failover peer when `name` is
 * undefined. `store` is the store path to write into the config.
 */
export function relationshipFromDhcpdConf(
  conf: DhcpdConf,
  store: string,
  name?: string,
): ImportedRelationship {
  const peer = choosePeer(conf, name);
  const role = required(peer.role, peer, 'primary or secondary');
  const address = required(peer.address, peer, 'address');
  const peerAddress = required(peer.peerAddress, peer, 'peer address');
  const pools = conf.ranges
    .filter((range) => range.peer === peer.name)
    .map(({ start, end }) => ({ start, end }));
  if (pools.length === 0) {
    throw new DhcpdConfError(
      DHCPD_CONF_ERROR_CODES.value,
      `failover peer "${peer.name}" at line ${peer.line} has no pool with a range that names it`,
      peer.line,
    );
  }

  const defaulted: string[] = [];
  const withDefault = <T>(value: T | undefined, fallback: T, statement: string): T => {
    if (value === undefined) {
      defaulted.push(`${statement} ${String(fallback)}`);
      return fallback;
    }

    return value;
  };
  const config: Record<string, unknown> = {
    name: peer.name,
    role,
    profile: 'isc',
    local: { address, port: withDefault(peer.port, DHCPD_DEFAULTS.port, 'port') },
    peer: {
      address: peerAddress,
      port: withDefault(peer.peerPort, DHCPD_DEFAULTS.port, 'peer port'),
    },
    ...(peer.mclt === undefined ? {} : { mclt: peer.mclt }),
    maxUnackedUpdates: withDefault(
      peer.maxUnackedUpdates,
      DHCPD_DEFAULTS.maxUnackedUpdates,
      'max-unacked-updates',
    ),
    // dhcpd advertises max-response-delay as its receive-timer (ISC-5).
    receiveTimer: withDefault(
      peer.maxResponseDelay,
      DHCPD_DEFAULTS.maxResponseDelay,
      'max-response-delay',
    ),
    ...(peer.split === undefined ? {} : { split: peer.split }),
    ...(peer.hba === undefined ? {} : { hba: peer.hba }),
    ...(peer.loadBalanceMaxSeconds === undefined
      ? {}
      : { loadBalanceMaxSecs: peer.loadBalanceMaxSeconds }),
    // auto-partner-down is dhcpd's safe period (FO-10-a); 0 there means off.
    ...(peer.autoPartnerDown === undefined || peer.autoPartnerDown === 0
      ? {}
      : { stateSwitchoverSeconds: peer.autoPartnerDown }),
    pools,
    store,
  };
  return { config, defaulted };
}

function choosePeer(conf: DhcpdConf, name: string | undefined): DhcpdFailoverPeer {
  const names = conf.failoverPeers.map((peer) => `"${peer.name}"`).join(', ');
  if (name !== undefined) {
    const peer = conf.failoverPeers.find((candidate) => candidate.name === name);
    if (peer === undefined) {
      throw new DhcpdConfError(
        DHCPD_CONF_ERROR_CODES.value,
        `no failover peer "${name}" in dhcpd.conf, expected one of ${names || 'none'}`,
        1,
      );
    }

    return peer;
  }

  const [only, ...others] = conf.failoverPeers;
  if (only === undefined || others.length > 0) {
    throw new DhcpdConfError(
      DHCPD_CONF_ERROR_CODES.value,
      only === undefined
        ? 'dhcpd.conf declares no failover peer'
        : `dhcpd.conf declares failover peers ${names}, choose one with --peer`,
      1,
    );
  }

  return only;
}

function required<T>(value: T | undefined, peer: DhcpdFailoverPeer, statement: string): T {
  if (value === undefined) {
    throw new DhcpdConfError(
      DHCPD_CONF_ERROR_CODES.value,
      `failover peer "${peer.name}" at line ${peer.line} has no ${statement} statement`,
      peer.line,
    );
  }

  return value;
}
