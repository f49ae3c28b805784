// `dhcpf status [--json] [--socket PATH | --config FILE]`: requests the status of a running
// `dhcpf serve` over its control socket: both endpoints' states, the connection, the unacknowledged
// updates, the free addresses and what a waiting state waits for. --json prints the ControlStatus
// object as is.

import type { Command } from 'commander';
import { loadRelationshipConfig } from '../config/load.js';
import { sendControlRequest } from '../control/client.js';
import { controlSocketPathOf } from '../control/operator-services.js';
import type { ControlRequest, ControlResponse, ControlStatus } from '../control/protocol.js';
import { formatSyncText } from '../control/sync-display.js';
import type { FreeAddressStatus, WaitStatus } from '../endpoint/peer-status.js';
import { ConfigError, FailoverError } from '../errors.js';

/** Exit status when no server responded or the request failed. */
const EXIT_FAILURE = 1;
/** Exit status for bad arguments or an unusable config file. */
const EXIT_USAGE = 2;

export interface SocketOptions {
  socket?: string;
  config?: string;
}

interface StatusOptions extends SocketOptions {
  json?: boolean;
}

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description("show a running server's failover state, its partner's, and what it waits for")
    .option('--json', 'print the status as one JSON object (the format README documents)')
    .option('--socket <path>', 'control socket of the server')
    .option('--config <file>', 'relationship config of the server; its control socket is used')
    .action(async (options: StatusOptions) => {
      process.exitCode = await runControlRequest(
        'status',
        { command: 'status' },
        options,
        (response) =>
          options.json === true
            ? `${JSON.stringify(response.status)}\n`
            : response.status === undefined
              ? `${response.action}\n`
              : formatStatus(response.status),
      );
    });
}

/**
 * Sends `request` to the socket the options name and prints the formatted response; a refusal
 * goes to stderr. Returns the exit status.
 */
export async function runControlRequest(
  name: string,
  request: ControlRequest,
  options: SocketOptions,
  format: (response: Extract<ControlResponse, { ok: true }>) => string,
): Promise<number> {
  let path: string;
  try {
    path = socketPathOf(options);
  } catch (error) {
    return reportError(name, error, EXIT_USAGE);
  }

  let response: ControlResponse;
  try {
    response = await sendControlRequest(path, request);
  } catch (error) {
    return reportError(name, error, EXIT_FAILURE);
  }

  if (!response.ok) {
    const rules = response.rules === undefined ? '' : ` [${response.rules.join(', ')}]`;
    process.stderr.write(`dhcpf ${name}: ${response.error}${rules}\n`);
    return EXIT_FAILURE;
  }

  process.stdout.write(format(response));
  return 0;
}

function socketPathOf(options: SocketOptions): string {
  if (options.socket !== undefined) {
    return options.socket;
  }

  if (options.config === undefined) {
    throw new ConfigError(
      'FO_ERR_CONFIG_MISSING',
      'socket',
      'no control socket given, expected --socket PATH or --config FILE',
    );
  }

  const path = controlSocketPathOf(loadRelationshipConfig(options.config));
  if (path === undefined) {
    throw new ConfigError(
      'FO_ERR_CONFIG_MISSING',
      'controlSocket',
      `config ${options.config} gives no control socket, expected a controlSocket field`,
    );
  }

  return path;
}

function reportError(name: string, error: unknown, status: number): number {
  if (!(error instanceof FailoverError)) {
    throw error;
  }

  process.stderr.write(`dhcpf ${name}: ${error.message}\n`);
  return status;
}

/** Status text of each client service of the state permissions (draft-12 section 9, E-14). */
const CLIENT_SERVICE_TEXT: Record<ControlStatus['local']['clientService'], string> = {
  none: 'no clients',
  'renew-only': 'RENEW and REBIND only',
  balanced: 'the clients of its hash buckets, and every RENEW and REBIND',
  all: 'all clients',
};

/** Formats the status for people: one labelled line per topic. */
export function formatStatus(status: ControlStatus): string {
  const lines = [
    `relationship ${status.relationship}: ${status.role}, ${status.profile} profile, MCLT ${status.mclt} s`,
    `local:       ${status.local.state} since ${formatTime(status.local.since, status.now)}, ` +
      `serves ${CLIENT_SERVICE_TEXT[status.local.clientService]}`,
    `partner:     ${partnerLine(status)}`,
    `connection:  ${connectionLine(status)}`,
    `updates:     ${status.updates.unacknowledged} unacknowledged by the partner ` +
      `(${status.updates.outstandingBNDUPDs} BNDUPDs of a window of ${status.updates.window} in flight), ` +
      `${status.updates.sent} sent, ${status.updates.received} received ` +
      `(${status.messages.sent} messages sent, ${status.messages.received} received)`,
    `free:        local ${freeLine(status.freeAddresses.local, status.now)}`,
  ];
  if (status.freeAddresses.partner !== null) {
    lines.push(`             partner ${freeLine(status.freeAddresses.partner, status.now)}`);
  }

  lines.push(`bindings:    ${status.bindings} in the store`);
  if (status.waiting !== null) {
    lines.push(`waiting:     ${formatWait(status.waiting, status.now)}`);
  }

  if (status.sync !== null) {
    lines.push(`last sync:   ${formatSyncText(status.sync)}`);
  }

  return `${lines.join('\n')}\n`;
}

function partnerLine(status: ControlStatus): string {
  const partner = status.partner;
  if (partner === null) {
    return 'no STATE received since this server started';
  }

  const startup = partner.startup ? ' (in STARTUP, announcing its previous state)' : '';
  const stale = status.connection.communicationsOk
    ? ''
    : ' (last STATE received, not connected now)';
  return `${partner.state} since ${formatTime(partner.since, status.now)}${startup}${stale}`;
}

function connectionLine(status: ControlStatus): string {
  const { connection } = status;
  const state = connection.communicationsOk
    ? 'communications ok'
    : connection.connected
      ? 'connected, no STATE yet'
      : 'not connected';
  const skew =
    connection.clockSkewSeconds === null
      ? ''
      : `, partner clock ${signed(connection.clockSkewSeconds)} s`;
  const port =
    connection.listeningPort === null ? '' : `, listening on port ${connection.listeningPort}`;
  return `${state}${skew}${port}`;
}

function freeLine(free: FreeAddressStatus, now: number): string {
  const later =
    free.partnersUsableAt === undefined
      ? ''
      : `; ${free.partners} more ${formatIn(free.partnersUsableAt, now)} (PARTNER-DOWN start + MCLT)`;
  return `${free.usable} usable now (own ${free.own}, other side's ${free.partners})${later}`;
}

/**
 * Formats what a state waits for, such as "RECOVER-WAIT until 14:05:10 UTC (in 9 min), MCLT after
 * the failure time (FO-9.6.2-a), then RECOVER-DONE".
 */
export function formatWait(wait: WaitStatus, now: number): string {
  if (wait.partnerDown === 'operator-only') {
    return `${wait.state}: partner-down only by operator (${wait.rule}), waits for ${wait.reason}`;
  }

  if (wait.partnerDown === 'automatic' && wait.until !== undefined) {
    return `${wait.state}: partner-down automatically ${formatIn(wait.until, now)}, at ${formatTime(wait.until, now)} (safe period, ${wait.rule})`;
  }

  const until =
    wait.until === undefined
      ? ': waits for'
      : ` until ${formatTime(wait.until, now)} (${formatIn(wait.until, now)}),`;
  const next = wait.next === undefined ? '' : `, then ${wait.next}`;
  return `${wait.state}${until} ${wait.reason} (${wait.rule})${next}`;
}

/** Formats a time as HH:MM:SS UTC within a day of `now`, else with the date. */
function formatTime(seconds: number, now: number): string {
  const iso = new Date(seconds * 1000).toISOString();
  const clock = iso.slice(11, 19);
  return Math.abs(seconds - now) < 86_400 ? `${clock} UTC` : `${iso.slice(0, 10)} ${clock} UTC`;
}

/** Formats "in 42 min" or "5 s ago". */
function formatIn(seconds: number, now: number): string {
  const delta = seconds - now;
  const text = formatDuration(Math.abs(delta));
  return delta >= 0 ? `in ${text}` : `${text} ago`;
}

function formatDuration(seconds: number): string {
  if (seconds < 120) {
    return `${seconds} s`;
  }

  if (seconds < 7200) {
    return `${Math.round(seconds / 60)} min`;
  }

  const hours = Math.floor(seconds / 3600);
  return `${hours} h ${Math.round((seconds - hours * 3600) / 60)} min`;
}

function signed(value: number): string {
  return value > 0 ? `+${value}` : String(value);
}
