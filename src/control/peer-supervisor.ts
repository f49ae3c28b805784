// Holds the running peer of `dhcpf serve` for the control socket and the metrics endpoint: it
// restarts the peer in place for `resume` and remembers the last bulk transfer's progress.

import { EventEmitter } from 'node:events';
import type { RelationshipConfig } from '../config/types.js';
import { startPeer, type Peer, type PeerOptions, type SyncEvent } from '../endpoint/peer.js';
import type { ControlTarget } from './commands.js';

export interface PeerSupervisorEvents {
  /** A peer started: the first one, or the one a restart put in place. */
  started: [peer: Peer];
  /** The server stopped for good, as after the shutdown command. */
  stopped: [];
}

export class PeerSupervisor extends EventEmitter<PeerSupervisorEvents> implements ControlTarget {
  private readonly config: RelationshipConfig;
  private readonly peerOptions: PeerOptions;
  private current: Peer;
  private sync: SyncEvent | undefined;
  private stopped = false;
  private restarting = false;

  private constructor(config: RelationshipConfig, peerOptions: PeerOptions, peer: Peer) {
    super();
    this.config = config;
    this.peerOptions = peerOptions;
    this.current = peer;
    this.follow(peer);
  }

  /** Starts the first peer. */
  static async start(config: RelationshipConfig, options: PeerOptions): Promise<PeerSupervisor> {
    return new PeerSupervisor(config, options, await startPeer(config, options));
  }

  get peer(): Peer {
    return this.current;
  }

  /** False during a restart and after the server stopped, because no store is open then. */
  get running(): boolean {
    return !this.stopped && !this.restarting;
  }

  lastSync(): SyncEvent | undefined {
    return this.sync;
  }

  /**
   * Stops the peer, which records its state, and starts a new one on the same store. When the new
   * peer cannot start, the server stops, because no peer is left to run.
   */
  async restart(): Promise<void> {
    this.restarting = true;
    await this.current.stop();
    this.sync = undefined;
    try {
      this.current = await startPeer(this.config, this.peerOptions);
    } catch (error) {
      if (!this.stopped) {
        this.stopped = true;
        this.emit('stopped');
      }

      throw error;
    } finally {
      this.restarting = false;
    }

    // A stop during the restart (SIGTERM) stopped the old peer only, so it ends the new one here.
    if (this.stopped) {
      await this.current.stop();
      return;
    }

    this.follow(this.current);
    this.emit('started', this.current);
  }

  async stop(): Promise<void> {
    if (this.stopped) {
      return;
    }

    this.stopped = true;
    await this.current.stop();
    this.emit('stopped');
  }

  private follow(peer: Peer): void {
    peer.on('sync', (event) => {
      this.sync = event;
    });
  }
}
