// Typed records of an ISC dhcpd 4.x lease file (dhcpd.leases(5)), as `parseIscLeaseFile` returns
// them. Field names keep dhcpd's keywords where dhcpd has its own term (tstp, tsfp, cltt).

import type { BindingStatusName, FailoverStateName } from '../wire/codes.js';
import type { HardwareAddress } from '../wire/types.js';

/** A dhcpd date: seconds since 1970 (UTC), or `never` for a lease without an end. */
export type IscTime = number | 'never';

/** The last `lease A.B.C.D { ... }` declaration for one IPv4 address. */
export interface IscLease {
  /** IPv4 address, dotted quad. */
  address: string;
  /**
   * `binding state`. dhcpd's `bootp` and `reserved` states are ACTIVE with the matching IP-flags
   * bit set. A declaration without the statement gets ACTIVE when it ends after the parse time and
   * FREE otherwise, as dhcpd does with lease files from before failover.
   */
  bindingStatus: BindingStatusName;
  /** `next binding state`: the binding-status the address takes when `ends` passes. */
  nextBindingStatus?: BindingStatusName;
  /** `rewind binding state`: the binding-status last sent to the failover partner. */
  rewindBindingStatus?: BindingStatusName;
  /** IP-flags bits: reserved (0x1) from `reserved`, BOOTP (0x2) from `bootp`. */
  ipFlags: number;
  /** `starts`: when the binding began. */
  starts?: IscTime;
  /** `ends`: when the binding-status ends; the lease-expiration-time of an ACTIVE lease. */
  ends?: IscTime;
  /** `tstp`: potential-expiration-time sent to the partner. */
  tstp?: IscTime;
  /** `tsfp`: potential-expiration-time the partner acknowledged. */
  tsfp?: IscTime;
  /** `atsfp`: potential-expiration-time the partner sent in its last update. */
  atsfp?: IscTime;
  /** `cltt`: client-last-transaction-time. */
  cltt?: IscTime;
  /** `hardware TYPE XX:XX:...`: ARP hardware type and chaddr. */
  hardwareAddress?: HardwareAddress;
  /** `uid`: client-identifier bytes, from an octal-escaped string or colon-separated hex. */
  clientIdentifier?: Uint8Array;
  /** `client-hostname`: the host-name option the client sent. */
  clientHostname?: string;
  /** `set NAME = VALUE;` statements: string values decoded, other values as written. */
  variables: Record<string, string>;
  /** Keywords of statements the parser does not model (`on`, `option`, ...), in file order. */
  skippedStatements: string[];
  /** Line of the `lease` keyword of this declaration. */
  line: number;
}

/** The last `failover peer "NAME" state { ... }` block for one relationship. */
export interface IscFailoverPeerState {
  /** relationship-name. */
  name: string;
  /** `my state`; undefined for dhcpd's `unknown-state`. */
  myState?: FailoverStateName;
  myStateTime?: IscTime;
  /** `partner state` (or `peer state`); undefined for dhcpd's `unknown-state`. */
  partnerState?: FailoverStateName;
  partnerStateTime?: IscTime;
  /** `mclt`, seconds. */
  mclt?: number;
  line: number;
}

/** A top-level declaration the parser skipped (`host`, `group`, `ia-na`, ...). */
export interface IscSkippedDeclaration {
  keyword: string;
  line: number;
}

export interface IscLeaseFile {
  /** One record per address, the last declaration in the file, ordered by address as a number. */
  leases: IscLease[];
  /** One record per relationship name, the last block in the file, in order of first appearance. */
  failoverPeers: IscFailoverPeerState[];
  authoringByteOrder?: 'little-endian' | 'big-endian';
  serverDuid?: Uint8Array;
  /** `lease` declarations read, counting each one that a later declaration overrides. */
  leaseDeclarationCount: number;
  skippedDeclarations: IscSkippedDeclaration[];
}

export interface IscParseOptions {
  /**
   * Seconds since 1970 used to infer the binding-status of a declaration without
   * `binding state`; the current time by default.
   */
  now?: number;
}
