// Values a relationship config file may leave out, and the limits each field is checked against.

import type { StartupExpiryPolicy } from '../../model/endpoint-types.js';

/** TCP port of every failover server (FO-8.2-a). */
export const FAILOVER_PORT = 647;

export const CONFIG_DEFAULTS = {
  port: FAILOVER_PORT,
  profile: 'isc',
  /** ISC dhcpd's `max-unacked-updates` in the interop setups; FO-7.8.1-c asks for more than 10. */
  maxUnackedUpdates: 10,
  /** One transaction per BNDUPD, as ISC dhcpd sends them (ISC-10). */
  updatesPerMessage: 1,
  receiveTimer: 30,
  /** ISC `split 128`: buckets 0..127 to the primary (ISC-6). */
  split: 128,
  /** ISC dhcpd rejects a CONNECT more than 60 s off (ISC-12). */
  maxClockSkew: 60,
  /** FO-5.9-a suggests 5 to 10 s after a short outage. */
  startupSeconds: 5,
  /** The draft's default: resume the previous state and serve (FO-9.3.2-g). */
  startupExpiry: 'previous-state',
  connectRetrySeconds: 5,
  /**
   * MCLT a secondary uses until the primary's CONNECT gives it one (FO-7.8.2-h); ISC dhcpd's
   * default `mclt`. A primary must configure its MCLT.
   */
  secondaryMclt: 3600,
} as const;

/** Largest value of a uint32 option (MCLT, receive-timer, max-unacked-bndupd). */
export const UINT32_MAX = 0xffff_ffff;

/**
 * Most transactions one BNDUPD may carry: a Windows partner takes at most 16 (MSF-3.1.4.2-c), and
 * 16 full ACTIVE transactions still fit the 2048-byte message limit.
 */
export const MAX_UPDATES_PER_MESSAGE = 16;

/** relationship-name travels in one option; a longer name could not be sent. */
export const MAX_RELATIONSHIP_NAME_LENGTH = 255;

/** Values of `startupExpiry`, the STARTUP expiry policies of the endpoint machine. */
export const STARTUP_EXPIRY_POLICIES: readonly StartupExpiryPolicy[] = [
  'previous-state',
  'keep-waiting',
  'partner-down',
  'serve-without-history',
];
