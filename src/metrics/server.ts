// The optional metrics endpoint: GET /metrics on a loopback address returns the Prometheus text
// of the running peer. The config loader accepts only loopback addresses, because the endpoint
// has no authentication; `startMetricsServer` checks again so no other caller can bypass that.

import { createServer, type Server } from 'node:http';
import { isIPv6, type AddressInfo } from 'node:net';
import { isLoopbackAddress, type MetricsConfig } from '../config/operator-fields.js';
import { ConfigError } from '../errors.js';
import { LogEvent, type Logger } from '../log.js';
import { PROMETHEUS_CONTENT_TYPE, renderMetrics, type MetricsSnapshot } from './prometheus.js';

export interface MetricsServerOptions extends MetricsConfig {
  logger: Logger;
  /** Returns the values to render, read at each request; undefined while no peer runs. */
  snapshot(): MetricsSnapshot | undefined;
}

export class MetricsServer {
  private readonly server: Server;

  private constructor(server: Server) {
    this.server = server;
  }

  /** Starts listening; raises ConfigError FO_ERR_CONFIG_INVALID for a non-loopback address. */
  static async start(options: MetricsServerOptions): Promise<MetricsServer> {
    if (!isLoopbackAddress(options.address)) {
      throw new ConfigError(
        'FO_ERR_CONFIG_INVALID',
        'metrics.address',
        `config field metrics.address is ${JSON.stringify(options.address)}, expected a loopback address (127.0.0.0/8 or ::1)`,
      );
    }

    const server = createServer((request, response) => {
      if (request.method !== 'GET' || (request.url ?? '/').split('?')[0] !== '/metrics') {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('not found; try /metrics\n');
        return;
      }

      // A restart closes the store for a moment; an error page lets the scraper retry.
      const snapshot = options.snapshot();
      if (snapshot === undefined) {
        response
          .writeHead(503, { 'content-type': 'text/plain' })
          .end('peer not running: restarting or stopped\n');
        return;
      }

      response
        .writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE })
        .end(renderMetrics(snapshot));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.address, () => resolve());
    });
    const metrics = new MetricsServer(server);
    options.logger.info(
      { event: LogEvent.METRICS_LISTENING, address: options.address, port: metrics.port },
      `metrics at http://${isIPv6(options.address) ? `[${options.address}]` : options.address}:${metrics.port}/metrics`,
    );
    return metrics;
  }

  /** The port listened on; useful when the config asked for port 0. */
  get port(): number {
    // A TCP server's address() is an AddressInfo once it listens.
    return (this.server.address() as AddressInfo).port;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
