// Sends one request to a control socket and reads its response, for `dhcpf status` and
// `dhcpf control`.

import { createConnection } from 'node:net';
import {
  CONTROL_ERROR_CODES,
  ControlError,
  type ControlRequest,
  type ControlResponse,
} from './protocol.js';

/** Wait for the response before giving up, ms. */
const DEFAULT_TIMEOUT_MS = 10_000;

/** Reasons for the usual connect failures, with what to check next. */
const CONNECT_ERRORS: Record<string, string> = {
  ENOENT: 'no such socket; is `dhcpf serve` running with this config?',
  ECONNREFUSED: 'no server accepts connections; the socket file is left from a stopped server',
  EACCES: 'permission denied; the socket is readable by the user that runs `dhcpf serve` only',
  ENOTSOCK: 'the path is not a socket',
};

function describeSocketError(error: NodeJS.ErrnoException): string {
  const reason = error.code === undefined ? undefined : CONNECT_ERRORS[error.code];
  return reason ?? error.message;
}

/** Sends `request` and resolves with the response; raises FO_ERR_CONTROL_UNREACHABLE. */
export function sendControlRequest(
  path: string,
  request: ControlRequest,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<ControlResponse> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    let received = '';
    const fail = (reason: string): void => {
      socket.destroy();
      reject(
        new ControlError(CONTROL_ERROR_CODES.unreachable, `control socket ${path}: ${reason}`),
      );
    };
    socket.setTimeout(timeoutMs, () => fail(`no response within ${timeoutMs} ms`));
    socket.setEncoding('utf8');
    socket.on('error', (error: NodeJS.ErrnoException) => fail(describeSocketError(error)));
    socket.on('connect', () => socket.write(`${JSON.stringify(request)}\n`));
    socket.on('data', (chunk: string) => {
      received += chunk;
      const newline = received.indexOf('\n');
      if (newline === -1) {
        return;
      }

      socket.end();
      try {
        // The server writes only ControlResponse objects; callers check `ok` before the fields.
        resolve(JSON.parse(received.slice(0, newline)) as ControlResponse);
      } catch {
        fail('the response is not JSON');
      }
    });
    socket.on('end', () => fail('closed without a response'));
  });
}
