// The control socket protocol: one JSON object per line in each direction. A request names a
// command; the response states what the server does, or why the current state forbids it, with
// the rule IDs behind either outcome.

import type { PeerStatus } from '../endpoint/peer-status.js';
import type { SyncEvent } from '../endpoint/peer.js';
import { FailoverError } from '../errors.js';

export const CONTROL_COMMANDS = [
  'status',
  'partner-down',
  'shutdown',
  'resync',
  'pause',
  'resume',
] as const;

export type ControlCommand = (typeof CONTROL_COMMANDS)[number];

/** Stable codes of control errors, in responses and in thrown FailoverErrors. */
export const CONTROL_ERROR_CODES = {
  /** The request line is not a JSON object with a known command and valid arguments. */
  invalidRequest: 'FO_ERR_CONTROL_INVALID_REQUEST',
  /** The current failover state does not accept the command; `rules` lists the deciding rules. */
  forbiddenInState: 'FO_ERR_CONTROL_FORBIDDEN_IN_STATE',
  /** The peer is restarting (resume) or stopped (shutdown), so no command can reach it. */
  notRunning: 'FO_ERR_CONTROL_NOT_RUNNING',
  /** The command needs communications with the partner, which are not ok. */
  notConnected: 'FO_ERR_CONTROL_NOT_CONNECTED',
  /** Another running server accepts connections on the control socket path. */
  socketInUse: 'FO_ERR_CONTROL_SOCKET_IN_USE',
  /** The control socket path exists and is not a socket, so it is left alone. */
  socketPathTaken: 'FO_ERR_CONTROL_SOCKET_PATH_TAKEN',
  /** The client could not reach the control socket or got no valid response. */
  unreachable: 'FO_ERR_CONTROL_UNREACHABLE',
} as const;

/** Maximum request line length, bytes; a longer line closes the connection. */
export const MAX_REQUEST_LINE_BYTES = 65_536;

export interface ControlRequest {
  /** Copied into the response, so a client can match them. */
  id?: string | number;
  command: ControlCommand;
  /** partner-down: when the partner went down, seconds since 1970 (FO-9.8.4-a). */
  since?: number;
}

/** The status command's result: the peer's snapshot plus the last bulk transfer's progress. */
export interface ControlStatus extends PeerStatus {
  sync: SyncEvent | null;
}

export interface ControlAccepted {
  id?: string | number;
  ok: true;
  command: ControlCommand;
  /** Description of what the server does now, one sentence. */
  action: string;
  /** Rules the action carries out. */
  rules: string[];
  /** A risk the operator should know about; the command is carried out anyway. */
  warning?: string;
  status?: ControlStatus;
}

export interface ControlRejected {
  id?: string | number;
  ok: false;
  command?: string;
  code: string;
  error: string;
  /** Rules that forbid the command in the current state, when a rule does. */
  rules?: string[];
}

export type ControlResponse = ControlAccepted | ControlRejected;

/** A request that cannot be carried out; the server turns it into a ControlRejected line. */
export class ControlError extends FailoverError {
  readonly rules: string[] | undefined;

  constructor(code: string, message: string, rules?: string[]) {
    super(code, message);
    this.rules = rules;
  }
}

/** Parses one request line; raises ControlError with FO_ERR_CONTROL_INVALID_REQUEST. */
export function parseControlRequest(line: string): ControlRequest {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw invalidRequest(`request is not JSON: ${abbreviate(line)}`);
  }

  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidRequest(`request is ${abbreviate(line)}, expected a JSON object`);
  }

  const fields = value as Record<string, unknown>;
  const command = CONTROL_COMMANDS.find((name) => name === fields['command']);
  if (command === undefined) {
    throw invalidRequest(
      `request command is ${JSON.stringify(fields['command']) ?? 'missing'}, expected one of ${CONTROL_COMMANDS.join(', ')}`,
    );
  }

  const request: ControlRequest = { command };
  const id = fields['id'];
  if (typeof id === 'string' || typeof id === 'number') {
    request.id = id;
  }

  if (fields['since'] !== undefined) {
    request.since = parseSince(fields['since']);
  }

  return request;
}

/**
 * ISO 8601 date and time with seconds optional and the offset required, so the time does not
 * depend on the time zone of the server: 2026-01-01T12:00:00Z or 2026-01-01T13:00+01:00.
 */
const ISO_8601_TIME = /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** Reads a `since` time: whole seconds since 1970, or an ISO 8601 time with its UTC offset. */
export function parseSince(value: unknown): number {
  const seconds =
    typeof value === 'number'
      ? value
      : typeof value === 'string'
        ? secondsOfIsoTime(value)
        : Number.NaN;
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > 0xffff_ffff) {
    throw invalidRequest(
      `request since is ${JSON.stringify(value)}, expected seconds since 1970 or an ISO 8601 time with an offset, such as 2026-01-01T12:00:00Z`,
    );
  }

  return seconds;
}

/** Returns NaN for any other form, because Date.parse also reads "1.5" or "1/2/3" as dates. */
function secondsOfIsoTime(text: string): number {
  const match = ISO_8601_TIME.exec(text);
  if (match === null) {
    return Number.NaN;
  }

  // Date.parse rolls 2026-02-30 over to March; the date part must survive unchanged.
  const [, year, month, day] = match;
  const milliseconds = Date.parse(text);
  const calendarDay = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  if (calendarDay.toISOString().slice(0, 10) !== `${year}-${month}-${day}`) {
    return Number.NaN;
  }

  return Math.floor(milliseconds / 1000);
}

function invalidRequest(message: string): ControlError {
  return new ControlError(CONTROL_ERROR_CODES.invalidRequest, message);
}

function abbreviate(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Returns the response line for an error raised while handling a request. */
export function rejectionOf(error: unknown, request?: ControlRequest): ControlRejected {
  if (!(error instanceof FailoverError)) {
    throw error;
  }

  const rejected: ControlRejected = { ok: false, code: error.code, error: error.message };
  if (request?.id !== undefined) {
    rejected.id = request.id;
  }

  if (request !== undefined) {
    rejected.command = request.command;
  }

  if (error instanceof ControlError && error.rules !== undefined) {
    rejected.rules = error.rules;
  }

  return rejected;
}
