// The only module that calls pino. Every line carries a stable dotted `event` name plus fields;
// everything else in dhcpf logs through the Logger returned here.

import pino, { type Logger as PinoLogger, type LevelWithSilent } from 'pino';
import pretty from 'pino-pretty';

export type Logger = PinoLogger;
export type LogLevel = LevelWithSilent;

/** Stable event names; tools that read the log match on these, never on message text. */
export const LogEvent = {
  /** Fields from, to, trigger (the machine event that caused it), startTimeOfState, rules. */
  STATE_CHANGE: 'state.change',
  /** Communications are ok: CONNECT/CONNECTACK done and a STATE arrived (FO-8.3-a). */
  CONNECTION_UP: 'connection.up',
  /** A connection ended; field reason. */
  CONNECTION_DOWN: 'connection.down',
  /** A TCP connection from an address other than the configured partner was closed. */
  CONNECTION_REFUSED: 'connection.refused',
  /** An outgoing connection attempt failed and will be retried. */
  CONNECTION_RETRY: 'connection.retry',
  /** A received message was not acted on: decode error, unknown type, rejected CONNECT. */
  MESSAGE_REJECTED: 'message.rejected',
  /** One line per message sent or received, at debug level. */
  MESSAGE_SENT: 'message.sent',
  MESSAGE_RECEIVED: 'message.received',
  /** A message of ours could not be encoded, so the connection closed; fields type, length. */
  MESSAGE_UNENCODABLE: 'message.unencodable',
  /** The partner sent DISCONNECT; fields rejectReason, message. */
  DISCONNECT_RECEIVED: 'disconnect.received',
  /** A binding update transaction was rejected, by the partner or by us. */
  UPDATE_REJECTED: 'update.rejected',
  /** Relaxed content accepted from the partner (ISC-13, ISC-14), at debug level. */
  UPDATE_RELAXED: 'update.relaxed',
  /** An update older than the stored BACKUP binding was acknowledged and not applied, at debug level. */
  UPDATE_KEPT_STORED: 'update.kept-stored',
  /** Updates committed before their BNDACKs (FO-5.2.1-f), at debug level; field bindings. */
  UPDATES_COMMITTED: 'updates.committed',
  SYNC_PROGRESS: 'sync.progress',
  SYNC_DONE: 'sync.done',
  /** Stable storage could not be written (a MUST cannot be met). */
  STORE_FAILED: 'store.failed',
  PEER_STARTED: 'peer.started',
  PEER_STOPPED: 'peer.stopped',
  /** A secondary adopted the primary's MCLT (FO-7.8.2-h). */
  MCLT_ADOPTED: 'mclt.adopted',
  /** The machine asked for an operator alarm (FO-9.9.1-b, FO-9.11.1-a). */
  ALARM_RAISED: 'alarm.raised',
  /** A timer the machine waits for was started; fields timer, expiresAt. */
  TIMER_STARTED: 'timer.started',
  /** A message failed the digest check and the connection closed (MSF-3.1.5-a); field code. */
  AUTH_FAILED: 'auth.failed',
  /** A primary lent free addresses to the secondary as BACKUP (MSF-3.2.6-a); field count. */
  ADDRESSES_REBALANCED: 'addresses.rebalanced',
  /** The control socket or the metrics endpoint listens; fields path or address and port. */
  CONTROL_LISTENING: 'control.listening',
  METRICS_LISTENING: 'metrics.listening',
  /** An operator command arrived on the control socket; fields command, ok, code, rules. */
  CONTROL_COMMAND: 'control.command',
} as const;
export type LogEventName = (typeof LogEvent)[keyof typeof LogEvent];

export interface LoggerOptions {
  /** Append JSON lines to this file; without it, write to stdout. */
  file?: string;
  /** Write JSON lines to this stream instead (tests read the lines back). */
  stream?: { write(line: string): void };
  level?: LogLevel;
  /** Human-readable single lines; by default only when writing to a terminal. */
  pretty?: boolean;
}

// Any config or message field with one of these names is replaced before the line is written.
const REDACTED_PATHS = ['secret', 'sharedSecret', '*.secret', '*.sharedSecret'];

/** Creates the process-wide logger: JSON lines to a file or stdout, readable lines on a terminal. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const pinoOptions = {
    level: options.level ?? 'info',
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  if (options.stream !== undefined) {
    return pino(pinoOptions, options.stream);
  }

  if (options.file !== undefined) {
    // Synchronous writes so that a line is in the file when the event has happened; tools that
    // wait for `state.change` read the file while the peer runs.
    return pino(pinoOptions, pino.destination({ dest: options.file, sync: true, mkdir: true }));
  }

  const usePretty = options.pretty ?? process.stdout.isTTY === true;
  if (usePretty) {
    const stream = pretty({
      colorize: process.stdout.isTTY === true,
      singleLine: true,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname',
      messageFormat: '{event} {msg}',
      sync: true,
    });
    return pino(pinoOptions, stream);
  }

  return pino(pinoOptions, pino.destination({ dest: 1, sync: true }));
}

/** A logger that writes nothing, for tests and embedders that bring no logger. */
export function createSilentLogger(): Logger {
  return pino({ level: 'silent' });
}

export interface RelationshipBindings {
  relationship: string;
  role: string;
  /** Partner address and port, "10.77.0.2:647". */
  peer: string;
}

/** Returns a child logger whose lines carry the relationship name, our role and the partner. */
export function relationshipLogger(logger: Logger, bindings: RelationshipBindings): Logger {
  return logger.child(bindings);
}
