// Figures of one resync run, for dhcpd pairs and dhcpf pairs alike.

/** Binding update settings of a pair; both ends use the same values. */
export interface UpdateSettings {
  /** max-unacked-bndupd each end announces: the sender's window of unacknowledged BNDUPDs. */
  maxUnackedUpdates: number;
  /** Binding update transactions per BNDUPD; dhcpd always sends 1. */
  updatesPerMessage: number;
}

export interface ResyncRun {
  leases: number;
  /** Both ends reached NORMAL and the empty side received every lease. */
  ok: boolean;
  /** Empty side's UPDREQALL to the end of the update (dhcpd "peer update completed", dhcpf sync.done). */
  syncMs: number;
  /** Empty side's UPDREQALL to its NORMAL. */
  normalMs: number;
  /** Peak resident set size of the full side and of the empty side, bytes. */
  fullSidePeakRss?: number;
  emptySidePeakRss?: number;
  /** Lease storage after the run, bytes: dhcpd lease files, or dhcpf SQLite files. */
  fullSideStoreBytes?: number;
  emptySideStoreBytes?: number;
  /** Reason the run failed, when it did. */
  error?: string;
}
