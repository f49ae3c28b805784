// A TCP proxy on loopback between the primary and the secondary, which the fault script uses to
// cut the link (with resets, or silently), heal it, and slow it down. It listens on 127.0.0.1
// port 0 and forwards to the secondary's current failover port.

import { connect, createServer, type Server, type Socket } from 'node:net';

export type PartitionMode = 'reset' | 'silent';

interface ProxiedConnection {
  client: Socket;
  upstream: Socket | undefined;
}

export class LinkProxy {
  private readonly server: Server;
  private readonly connections = new Set<ProxiedConnection>();
  private partition: PartitionMode | undefined;
  private delayMs = 0;
  /** Connections the proxy accepted, for the figures. */
  accepted = 0;

  private constructor(
    server: Server,
    private targetPort: number | undefined,
  ) {
    this.server = server;
    server.on('connection', (socket) => this.accept(socket));
  }

  static async start(): Promise<LinkProxy> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new LinkProxy(server, undefined);
  }

  get port(): number {
    const address = this.server.address();
    return typeof address === 'object' && address !== null ? address.port : 0;
  }

  /** Forwards new connections to this port of 127.0.0.1. */
  setTarget(port: number): void {
    this.targetPort = port;
  }

  /**
   * Cuts the link. "reset" closes every connection and new ones at once; "silent" keeps them
   * open and drops their bytes, so only the receive-timer notices (FO-8.3-c).
   */
  cut(mode: PartitionMode): void {
    this.partition = mode;
    if (mode === 'reset') {
      this.closeAll();
    }
  }

  /** Ends a partition. Connections that lost bytes in a silent one are closed, as TCP would. */
  heal(): void {
    if (this.partition === 'silent') {
      this.closeAll();
    }

    this.partition = undefined;
  }

  /** Delays every chunk by `delayMs` in both directions, keeping their order. */
  slow(delayMs: number): void {
    this.delayMs = delayMs;
  }

  async close(): Promise<void> {
    this.closeAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    this.accepted++;
    client.on('error', () => undefined);
    if (this.partition === 'reset' || this.targetPort === undefined) {
      client.destroy();
      return;
    }

    const connection: ProxiedConnection = { client, upstream: undefined };
    this.connections.add(connection);
    client.on('close', () => this.drop(connection));
    if (this.partition === 'silent') {
      client.on('data', () => undefined);
      return;
    }

    const upstream = connect({ host: '127.0.0.1', port: this.targetPort });
    connection.upstream = upstream;
    upstream.on('error', () => undefined);
    upstream.on('close', () => this.drop(connection));
    this.forward(client, upstream);
    this.forward(upstream, client);
  }

  private forward(from: Socket, to: Socket): void {
    let lastDueMs = 0;
    from.on('data', (chunk: Buffer) => {
      if (this.partition !== undefined) {
        return;
      }

      if (this.delayMs === 0 && lastDueMs <= Date.now()) {
        to.write(chunk);
        return;
      }

      // A later chunk never overtakes an earlier one, even when the delay shrinks.
      lastDueMs = Math.max(Date.now() + this.delayMs, lastDueMs);
      setTimeout(() => {
        if (!to.destroyed) {
          to.write(chunk);
        }
      }, lastDueMs - Date.now());
    });
  }

  private drop(connection: ProxiedConnection): void {
    if (!this.connections.delete(connection)) {
      return;
    }

    connection.client.destroy();
    connection.upstream?.destroy();
  }

  private closeAll(): void {
    for (const connection of [...this.connections]) {
      this.drop(connection);
    }
  }
}
