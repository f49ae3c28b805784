// The two peer children of a fault run. A child that dies at a kill point is checked against its
// store at once (every update it committed must be there) and started again on the same store.

import { join } from 'node:path';
import type { Role } from '../model/endpoint-types.js';
import { checkCommitted, countPending, readBindings } from './fault-checks.js';
import type { FaultRunResult } from './fault-run.js';
import type { FaultScript } from './fault-script.js';
import type { KillPoint } from './kill-point.js';
import type { LinkProxy } from './link-proxy.js';
import { PeerProcess } from './peer-process.js';

const ROLES: readonly Role[] = ['primary', 'secondary'];
/** Server identifier (option 54) of each peer's DHCP front end; both listen on 127.0.0.1. */
export const SERVER_IDENTIFIERS: Record<Role, string> = {
  primary: '127.0.0.1',
  secondary: '127.0.0.2',
};
/** How long a kill point may take to be reached before the step gives up on it. */
const KILL_POINT_WAIT_MS = 1_500;
const START_TIMEOUT_MS = 10_000;

/**
 * Start of the error of a run whose pending updates never clear because both peers changed one
 * address within the same second and each rejects the other's update (FO-7.1.3-d).
 */
export const CLTT_TIE_ERROR = 'pending updates stuck on a client-last-transaction-time tie';

/** Every child still running, so an ending harness never leaves one behind. */
const liveChildren = new Set<PeerProcess>();
process.on('exit', () => {
  for (const child of liveChildren) {
    child.child.kill('SIGKILL');
  }
});

export class ProcessPair {
  private readonly processes = new Map<Role, PeerProcess>();
  private readonly restarting = new Map<Role, Promise<void>>();
  private stopping = false;
  /** Harness time at which both peers were NORMAL with nothing pending. */
  quietAtMs = 0;

  constructor(
    private readonly directory: string,
    private readonly script: FaultScript,
    private readonly proxy: LinkProxy,
    private readonly result: FaultRunResult,
  ) {}

  configPath(role: Role): string {
    return join(this.directory, `${role}.json`);
  }

  storePath(role: Role): string {
    return join(this.directory, `${role}.db`);
  }

  current(role: Role): PeerProcess | undefined {
    return this.processes.get(role);
  }

  /** DHCP ports of the peers running now, by their server identifier. */
  dhcpPorts(): Map<string, number> {
    const ports = new Map<string, number>();
    for (const role of ROLES) {
      const peer = this.processes.get(role);
      if (peer?.running === true && peer.dhcpPort !== undefined) {
        ports.set(SERVER_IDENTIFIERS[role], peer.dhcpPort);
      }
    }

    return ports;
  }

  async startBoth(launchKill: FaultScript['launchKill']): Promise<void> {
    await this.start('secondary', launchKill?.role === 'secondary' ? launchKill.point : undefined);
    await this.start('primary', launchKill?.role === 'primary' ? launchKill.point : undefined);
  }

  /** Arms a kill point and waits for the child to die there; false when it was never reached. */
  async killAt(role: Role, point: KillPoint): Promise<boolean> {
    await this.restarting.get(role);
    const peer = this.processes.get(role);
    if (peer === undefined || !peer.running) {
      return false;
    }

    peer.arm(point);
    const reached = await Promise.race([
      peer.exited.then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), KILL_POINT_WAIT_MS)),
    ]);
    if (!reached) {
      peer.arm(null);
      return false;
    }

    await this.restarting.get(role);
    return true;
  }

  /** Sends SIGKILL at once; the supervisor checks the store and starts the peer again. */
  async killNow(role: Role): Promise<boolean> {
    await this.restarting.get(role);
    const peer = this.processes.get(role);
    if (peer === undefined || !peer.running) {
      return false;
    }

    await peer.kill();
    await this.restarting.get(role);
    return true;
  }

  /** Stops a peer with SIGTERM; the supervisor starts it again on the same store. */
  async restart(role: Role): Promise<void> {
    await this.restarting.get(role);
    await this.processes.get(role)?.stop();
    await this.restarting.get(role);
  }

  /** Waits until both are NORMAL, following a peer across restarts. */
  async waitNormal(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (const role of ROLES) {
      for (;;) {
        await this.restarting.get(role);
        const peer = this.processes.get(role);
        if (peer === undefined) {
          throw new Error(`${role} is not running`);
        }

        try {
          await peer.waitFor('NORMAL', () => peer.state === 'NORMAL', deadline - Date.now());
          break;
        } catch (error) {
          if (peer.running || this.stopping || Date.now() > deadline) {
            throw error;
          }
        }
      }
    }
  }

  /** Waits until both are NORMAL with no update left unacknowledged. */
  async waitQuiet(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.isQuiet()) {
      if (Date.now() > deadline) {
        const ties = ROLES.reduce(
          (sum, role) => sum + (this.processes.get(role)?.clttTies ?? 0),
          0,
        );
        throw new Error(
          ties > 0
            ? `${CLTT_TIE_ERROR}: ${ties} updates rejected on an equal client-last-transaction-time`
            : `pending updates remain after ${timeoutMs} ms in NORMAL`,
        );
      }

      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    this.quietAtMs = Date.now();
  }

  /** Stops both peers, first recording their peak resident set size in the result. */
  async stopAll(): Promise<void> {
    this.stopping = true;
    await Promise.all([...this.restarting.values()]);
    for (const peer of this.processes.values()) {
      this.result.peakPeerRss = Math.max(this.result.peakPeerRss, peer.peakRss());
    }

    await Promise.all([...this.processes.values()].map((peer) => peer.stop()));
  }

  private isQuiet(): boolean {
    return ROLES.every((role) => {
      const peer = this.processes.get(role);
      return peer?.state === 'NORMAL' && peer.running && countPending(this.storePath(role)) === 0;
    });
  }

  private async start(role: Role, killPoint?: KillPoint): Promise<void> {
    const peer = new PeerProcess({
      label: role,
      configPath: this.configPath(role),
      skewSeconds: this.script.skewSeconds[role],
      logPath: join(this.directory, `${role}.log`),
    });
    liveChildren.add(peer);
    this.processes.set(role, peer);
    if (killPoint !== undefined) {
      peer.arm(killPoint);
    }

    void peer.exited.then(() => this.onExit(role, peer));
    await peer.waitFor(
      'its DHCP port',
      () => peer.dhcpPort !== undefined && (role === 'primary' || peer.failoverPort !== undefined),
      START_TIMEOUT_MS,
    );
    if (role === 'secondary' && peer.failoverPort !== undefined) {
      this.proxy.setTarget(peer.failoverPort);
    }
  }

  /** Checks the dead child's store and starts it again, unless the run is ending. */
  private onExit(role: Role, peer: PeerProcess): void {
    liveChildren.delete(peer);
    if (this.stopping || this.processes.get(role) !== peer) {
      return;
    }

    const status = peer.child.signalCode;
    if (status === 'SIGKILL' && peer.armedPoint !== undefined) {
      const name = `kill:${peer.armedPoint.name}`;
      this.result.faults[name] = (this.result.faults[name] ?? 0) + 1;
    }

    this.result.updatesAcknowledged += peer.committedCount;
    try {
      const stored = readBindings(this.storePath(role));
      this.result.violations.push(
        ...checkCommitted(peer.committed.values(), stored, `${role} (killed)`),
      );
    } catch (error) {
      // An unreadable store fails the run; the harness itself goes on.
      this.result.error ??= `${role} store unreadable after exit: ${String(error)}`;
    }

    const restarted = this.start(role).catch((error: unknown) => {
      this.result.error ??= `${role} did not start again: ${String(error)}`;
    });
    this.restarting.set(role, restarted);
  }
}
