// The configuration of one failover relationship, as `dhcpf serve --config FILE` reads it (JSON).

import type { WireProfile } from '../wire/types.js';
import type { Role, StartupExpiryPolicy } from '../../model/endpoint-types.js';
import type { SharedSecret } from './shared-secret.js';
import type { MetricsConfig } from './operator-fields.js';

export interface Endpoint {
  /** IPv4 address, dotted quad. */
  address: string;
  /** TCP port; 647 by default (FO-8.2-a). */
  port: number;
}

export interface AddressRange {
  /** First address of the range, dotted quad. */
  start: string;
  /** Last address of the range, inclusive. */
  end: string;
  /**
   * Subnet mask of the range's scope, required with profile "microsoft". The range's subnet
   * address is then its scope ID (MSF-2.2.1-c), and option 33 carries the mask (MSF-3.1.5.2-b).
   */
  subnetMask?: string;
}

export interface RelationshipConfig {
  /** relationship-name sent in CONNECT and CONNECTACK (FO-5.1.1-b). */
  name: string;
  role: Role;
  profile: WireProfile;
  /** Address this server listens on (secondary) or connects from (primary). */
  local: Endpoint;
  /** The partner's address and port. */
  peer: Endpoint;
  /** Maximum client lead time, seconds; the primary sends it, the secondary adopts it (FO-7.8.2-h). */
  mclt: number;
  /** BNDUPDs this server accepts unacknowledged (max-unacked-bndupd, FO-7.8.1-c). */
  maxUnackedUpdates: number;
  /** Binding update transactions per BNDUPD sent; 1 is what ISC dhcpd sends (ISC-10). */
  updatesPerMessage: number;
  /** receive-timer: seconds of silence after which communications are not ok (FO-7.9.1-h). */
  receiveTimer: number;
  /** Hash buckets 0..split-1 are served by the primary (ISC `split`, ISC-6); 0..255. */
  split: number;
  /**
   * The full hash-bucket-assignment a primary sends, instead of `split` (ISC `hba`): 32 bytes,
   * bucket b is bit (b & 7) of byte (b >> 3), and a set bit gives the bucket to the primary (ISC-6).
   */
  hba?: Uint8Array;
  /**
   * In NORMAL, answer a new client of the partner's buckets whose BOOTP secs exceed this many
   * seconds (ISC `load balance max seconds`, ISC-6); 0 serves every client. Absent: no bypass.
   */
  loadBalanceMaxSecs?: number;
  /**
   * Read a secs value whose high byte is non-zero and low byte zero as byte-swapped, for clients
   * that write secs in little-endian order (ISC `enable-secs-byteorder`). Off when absent.
   */
  secsByteorderHeuristic?: boolean;
  /** Addresses that only one client may get (FO-5.13-a); configure the same list on both servers. */
  reservations?: Reservation[];
  /** Largest accepted difference between the partner's clock and ours, seconds (FO-7.8.2-g). */
  maxClockSkew: number;
  /** Seconds in STARTUP before falling back to the previous state (FO-9.3.2-d). */
  startupSeconds: number;
  /**
   * Policy for a STARTUP that ends without any STATE from the partner (FO-9.3.2-g): resume the
   * `previous-state`, `keep-waiting`, `partner-down` to commission a server alone (FO-9.3.2-b), or
   * `serve-without-history`, COMMUNICATIONS-INTERRUPTED on a first start (MSF-3.1.6.3-b). The
   * loader's default is `previous-state` in the isc profile and `serve-without-history` in the
   * microsoft one. A config built without the loader may leave it out, which means
   * `previous-state`.
   */
  startupExpiry?: StartupExpiryPolicy;
  /** Seconds between connection attempts (FO-8.2-b). */
  connectRetrySeconds: number;
  /** Addresses of this relationship's pools. */
  pools: AddressRange[];
  /** Path of the SQLite lease store. */
  store: string;
  /** Key of the message digest on every message; microsoft profile only (MSF-2.2-c, MSF-2.2-d). */
  sharedSecret?: SharedSecret;
  /**
   * Safe period: seconds in COMMUNICATIONS-INTERRUPTED before moving to PARTNER-DOWN on its own
   * (FO-10-a, MSF-3.1.2.1-a). Absent means never, the default of the draft and of Windows.
   */
  stateSwitchoverSeconds?: number;
  /** Address Rebalancing interval of a primary, seconds (MSF-3.2.2.1-a); microsoft profile only. */
  addressRebalancingSeconds?: number;
  /** Percent of the free addresses a primary lends to the secondary as BACKUP; microsoft only. */
  reservePercent?: number;
  /** DHCPv4 front end; absent means the peer serves no DHCP clients. */
  dhcp?: DHCPConfig;
  /** Path of the control socket of `dhcpf serve`; `<store>.ctl` when absent. */
  controlSocket?: string;
  /** Prometheus text endpoint on a loopback address; absent means none. */
  metrics?: MetricsConfig;
}

/** An address reserved for one client (draft-12 section 5.13). */
export interface Reservation {
  /** The reserved address, inside one of the pools. */
  address: string;
  /** The client's Ethernet hardware address (htype 1). */
  hardwareAddress: Uint8Array;
  /** The client's client-identifier (DHCP option 61); when both sides have one, it decides. */
  clientIdentifier?: Uint8Array;
}

/** Settings of the DHCPv4 front end: listening address and what clients get besides the address. */
export interface DHCPConfig {
  /** IPv4 address to listen on, dotted quad. */
  address: string;
  /** UDP port; 67 by default. */
  port: number;
  /** Server identifier (option 54); `address` by default. */
  serverIdentifier: string;
  /** Lease given without failover, seconds; the MCLT bound may shorten it (FO-5.2.1-c). */
  leaseSeconds: number;
  /** Subnet mask (option 1) given to clients. */
  subnetMask?: string;
  /** Routers (option 3) given to clients. */
  routers?: string[];
  /**
   * Destination of replies: "standard" (RFC 2131 section 4.1, the default) or "source", the datagram's
   * source address and port, for clients that cannot receive a broadcast, such as on loopback.
   */
  replyTo: 'standard' | 'source';
}
