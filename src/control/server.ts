// The control socket of `dhcpf serve`: a Unix domain socket, readable and writable by the owner
// only, that takes one JSON request per line and writes one JSON response per line.

import { lstatSync, chmodSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { isMainThread } from 'node:worker_threads';
import { LogEvent, type Logger } from '../log.js';
import { executeCommand, type ControlTarget } from './commands.js';
import {
  CONTROL_ERROR_CODES,
  ControlError,
  MAX_REQUEST_LINE_BYTES,
  parseControlRequest,
  rejectionOf,
  type ControlRequest,
  type ControlResponse,
} from './protocol.js';

/** Owner read and write only: the socket accepts commands that stop the server. */
const SOCKET_MODE = 0o600;

/**
 * Requests queued on one connection before the server stops reading it. A client that sends
 * without reading the responses then fills the kernel's socket buffers instead of the heap.
 */
export const MAX_QUEUED_REQUESTS = 16;

export interface ControlServerOptions {
  path: string;
  target: ControlTarget;
  logger: Logger;
}

export class ControlServer {
  readonly path: string;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly options: ControlServerOptions;

  private constructor(options: ControlServerOptions) {
    this.options = options;
    this.path = options.path;
    this.server = createServer((socket) => this.accept(socket));
  }

  /**
   * Listens on `options.path`. A stale socket file, one that accepts no connection, is removed
   * first. A live socket raises FO_ERR_CONTROL_SOCKET_IN_USE, and any other file raises
   * FO_ERR_CONTROL_SOCKET_PATH_TAKEN, because removing it could break another program.
   */
  static async start(options: ControlServerOptions): Promise<ControlServer> {
    await clearStaleSocket(options.path);
    const control = new ControlServer(options);
    await control.listen();
    options.logger.info(
      { event: LogEvent.CONTROL_LISTENING, path: options.path },
      `control socket listening at ${options.path}`,
    );
    return control;
  }

  /** Stops listening, closes open connections and removes the socket file. */
  async close(): Promise<void> {
    for (const socket of this.sockets) {
      socket.destroy();
    }

    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async listen(): Promise<void> {
    // The umask makes the socket file owner-only from its creation. chmod repeats that for file
    // systems that ignore the umask on sockets, and for worker threads, which cannot set a umask.
    const previousUmask = isMainThread ? process.umask(0o177) : undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        this.server.once('error', reject);
        this.server.listen(this.path, () => {
          this.server.off('error', reject);
          resolve();
        });
      });
    } finally {
      if (previousUmask !== undefined) {
        process.umask(previousUmask);
      }
    }

    chmodSync(this.path, SOCKET_MODE);
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let buffered = '';
    let queue = Promise.resolve();
    let queued = 0;
    const answered = (): void => {
      queued--;
      if (queued < MAX_QUEUED_REQUESTS) {
        socket.resume();
      }
    };
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      let newline = buffered.indexOf('\n');
      while (newline !== -1) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (line !== '') {
          queued++;
          queue = queue
            .then(() => this.answer(socket, line))
            .catch((error: unknown) => this.fail(socket, error))
            .finally(answered);
        }

        newline = buffered.indexOf('\n');
      }

      if (queued >= MAX_QUEUED_REQUESTS) {
        socket.pause();
      }

      if (Buffer.byteLength(buffered) > MAX_REQUEST_LINE_BYTES) {
        socket.destroy();
      }
    });
  }

  /** Handles one request line; the command's `after` work runs once the response is written. */
  private async answer(socket: Socket, line: string): Promise<void> {
    let request: ControlRequest | undefined;
    let response: ControlResponse;
    let after: (() => Promise<void>) | undefined;
    try {
      request = parseControlRequest(line);
      const result = executeCommand(request, this.options.target);
      response = result.response;
      after = result.after;
    } catch (error) {
      response = rejectionOf(error, request);
    }

    this.log(response);
    await new Promise<void>((resolve) =>
      socket.write(`${JSON.stringify(response)}\n`, () => resolve()),
    );
    if (after !== undefined) {
      await after().catch((error: unknown) =>
        this.options.logger.error(
          { event: LogEvent.CONTROL_COMMAND, command: request?.command, error: String(error) },
          `control command ${request?.command ?? ''} failed after its response: ${String(error)}`,
        ),
      );
    }
  }

  /** Logs an error no response describes, and closes the connection it came from. */
  private fail(socket: Socket, error: unknown): void {
    this.options.logger.error(
      { event: LogEvent.CONTROL_COMMAND, ok: false, error: String(error) },
      `control request failed without a response: ${String(error)}`,
    );
    socket.destroy();
  }

  private log(response: ControlResponse): void {
    if (response.ok) {
      // Monitoring may poll status every few seconds; only commands that act log at info.
      const level = response.command === 'status' ? 'debug' : 'info';
      this.options.logger[level](
        {
          event: LogEvent.CONTROL_COMMAND,
          command: response.command,
          ok: true,
          rules: response.rules,
        },
        `control command ${response.command}: ${response.action}`,
      );
      return;
    }

    this.options.logger.warn(
      {
        event: LogEvent.CONTROL_COMMAND,
        command: response.command,
        ok: false,
        code: response.code,
        rules: response.rules,
      },
      `control command ${response.command ?? '(invalid)'} rejected: ${response.error}`,
    );
  }
}

/**
 * Makes `path` free for a new control socket: nothing there, or a stale socket, which is removed.
 * Raises ControlError FO_ERR_CONTROL_SOCKET_IN_USE or FO_ERR_CONTROL_SOCKET_PATH_TAKEN.
 */
export async function clearStaleSocket(path: string): Promise<void> {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch {
    return;
  }

  if (!isSocket) {
    throw new ControlError(
      CONTROL_ERROR_CODES.socketPathTaken,
      `control socket path ${path} exists and is not a socket; remove it or set controlSocket`,
    );
  }

  if (await answers(path)) {
    throw new ControlError(
      CONTROL_ERROR_CODES.socketInUse,
      `control socket ${path} is in use by a running server; stop it or set controlSocket`,
    );
  }

  unlinkSync(path);
}

/** Returns whether a server accepts connections on the Unix socket at `path`. */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createConnection(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}
