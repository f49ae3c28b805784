// Starts what `dhcpf serve` offers operators next to the peer: the control socket, the optional
// metrics endpoint and the display of long binding transfers.

import { MAX_SOCKET_PATH_LENGTH } from '../config/operator-fields.js';
import type { RelationshipConfig } from '../config/types.js';
import type { Peer } from '../endpoint/peer.js';
import { LogEvent, type Logger } from '../log.js';
import type { MessageCounter } from '../metrics/message-counter.js';
import { MetricsServer } from '../metrics/server.js';
import type { PeerSupervisor } from './peer-supervisor.js';
import { ControlServer } from './server.js';
import { SyncDisplay } from './sync-display.js';

/** Suffix of the default control socket path, next to the store. */
export const CONTROL_SOCKET_SUFFIX = '.ctl';

/** Returns the control socket path: `controlSocket`, else the store path plus `.ctl`. */
export function controlSocketPathOf(config: RelationshipConfig): string | undefined {
  if (config.controlSocket !== undefined) {
    return config.controlSocket;
  }

  // An in-memory store has no folder to put the socket in.
  if (config.store === ':memory:') {
    return undefined;
  }

  // A default path too long for a Unix socket gives no socket, so the server still starts. The
  // config loader checks an explicit controlSocket instead.
  const path = `${config.store}${CONTROL_SOCKET_SUFFIX}`;
  return Buffer.byteLength(path) <= MAX_SOCKET_PATH_LENGTH ? path : undefined;
}

export interface OperatorServicesOptions {
  config: RelationshipConfig;
  supervisor: PeerSupervisor;
  messages: MessageCounter;
  logger: Logger;
  /** Terminal for the transfer progress bar; without one, progress goes to the log. */
  terminal?: { write(text: string): unknown };
}

export class OperatorServices {
  readonly control: ControlServer | undefined;
  readonly metrics: MetricsServer | undefined;
  private readonly display: SyncDisplay;

  private constructor(
    control: ControlServer | undefined,
    metrics: MetricsServer | undefined,
    display: SyncDisplay,
  ) {
    this.control = control;
    this.metrics = metrics;
    this.display = display;
  }

  /** Starts every service the config enables, and stops the started ones if a later one fails. */
  static async start(options: OperatorServicesOptions): Promise<OperatorServices> {
    const { config, supervisor, logger } = options;
    const display = new SyncDisplay({ logger, terminal: options.terminal });
    const showSync = (peer: Peer): void => {
      peer.on('sync', (event) => display.update(event));
    };
    showSync(supervisor.peer);
    supervisor.on('started', showSync);

    const path = controlSocketPathOf(config);
    if (path === undefined) {
      logger.warn(
        { event: LogEvent.CONTROL_LISTENING, store: config.store },
        'no control socket: set controlSocket, because the store path gives none',
      );
    }

    const control =
      path === undefined
        ? undefined
        : await ControlServer.start({ path, target: supervisor, logger });
    try {
      const metrics =
        config.metrics === undefined
          ? undefined
          : await MetricsServer.start({
              ...config.metrics,
              logger,
              snapshot: () =>
                supervisor.running
                  ? {
                      status: supervisor.peer.status(),
                      messages: options.messages,
                      sync: supervisor.lastSync(),
                    }
                  : undefined,
            });
      return new OperatorServices(control, metrics, display);
    } catch (error) {
      display.close();
      await control?.close();
      throw error;
    }
  }

  async close(): Promise<void> {
    this.display.close();
    await this.control?.close();
    await this.metrics?.close();
  }
}
