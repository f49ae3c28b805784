// `dhcpf control COMMAND [--since TIME] [--socket PATH | --config FILE]`: sends an operator
// command to a running `dhcpf serve`: partner-down, pause, resume, resync or shutdown. The server
// responds with what it does, or rejects the command with the rule of the failover state that
// forbids it.

import type { Command } from 'commander';
import { parseSince, type ControlRequest } from '../control/protocol.js';
import { FailoverError } from '../errors.js';
import { runControlRequest, type SocketOptions } from './status.js';

const OPERATOR_COMMANDS = ['partner-down', 'pause', 'resume', 'resync', 'shutdown'] as const;
type OperatorCommand = (typeof OPERATOR_COMMANDS)[number];

interface ControlOptions extends SocketOptions {
  since?: string;
  json?: boolean;
}

export function registerControlCommand(program: Command): void {
  program
    .command('control')
    .description(
      'send an operator command to a running server: partner-down (the partner is known to be ' +
        'down), pause, resume (restart after pause), resync (ask the partner for every binding) ' +
        'or shutdown',
    )
    .argument('<command>', OPERATOR_COMMANDS.join(', '))
    .option(
      '--since <time>',
      'partner-down: when the partner went down, seconds since 1970 or an ISO 8601 time with ' +
        'its offset, such as 2026-01-01T12:00:00Z (default now)',
    )
    .option('--json', 'print the response as one JSON object')
    .option('--socket <path>', 'control socket of the server')
    .option('--config <file>', 'relationship config of the server; its control socket is used')
    .action(async (name: string, options: ControlOptions) => {
      process.exitCode = await runControl(name, options);
    });
}

async function runControl(name: string, options: ControlOptions): Promise<number> {
  const command = OPERATOR_COMMANDS.find((candidate) => candidate === name);
  if (command === undefined) {
    process.stderr.write(
      `dhcpf control: command is ${JSON.stringify(name)}, expected one of ${OPERATOR_COMMANDS.join(', ')}\n`,
    );
    return 2;
  }

  let request: ControlRequest;
  try {
    request = requestOf(command, options);
  } catch (error) {
    if (!(error instanceof FailoverError)) {
      throw error;
    }

    process.stderr.write(`dhcpf control: ${error.message.replace('request since', '--since')}\n`);
    return 2;
  }

  return runControlRequest('control', request, options, (response) => {
    if (options.json === true) {
      return `${JSON.stringify(response)}\n`;
    }

    const warning = response.warning === undefined ? '' : `\nwarning: ${response.warning}`;
    return `${response.action} [${response.rules.join(', ')}]${warning}\n`;
  });
}

function requestOf(command: OperatorCommand, options: ControlOptions): ControlRequest {
  const request: ControlRequest = { command };
  if (options.since !== undefined) {
    const asNumber = /^\d+$/.test(options.since) ? Number(options.since) : options.since;
    request.since = parseSince(asNumber);
  }

  return request;
}
