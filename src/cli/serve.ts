// `dhcpf serve --config FILE [--log FILE] [--pcap FILE]`: runs one failover peer until SIGTERM,
// SIGINT or the control socket's shutdown command.

import type { Command } from 'commander';
import { loadRelationshipConfig } from '../config/load.js';
import { controlSocketPathOf, OperatorServices } from '../control/operator-services.js';
import { PeerSupervisor } from '../control/peer-supervisor.js';
import { clearStaleSocket } from '../control/server.js';
import { MessageCounter } from '../metrics/message-counter.js';
import { ConfigError, FailoverError } from '../errors.js';
import { createLogger, type LogLevel } from '../log.js';
import { PcapWriter } from '../pcap/pcap-writer.js';

/** Exit status for an unusable config file, so scripts can tell it from a runtime failure. */
const EXIT_CONFIG_ERROR = 2;
const EXIT_RUNTIME_ERROR = 1;

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];

interface ServeOptions {
  config: string;
  log?: string;
  logLevel: string;
  pcap?: string;
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the failover peer of one relationship until SIGTERM or SIGINT')
    .requiredOption('--config <file>', 'relationship config file (JSON)')
    .option('--log <file>', 'append JSON log lines to this file instead of writing to stdout')
    .option('--log-level <level>', `log level: ${LOG_LEVELS.join(', ')}`, 'info')
    .option(
      '--pcap <file>',
      'write every failover message sent and received to this pcap file (Ethernet, IPv4, TCP)',
    )
    .action(async (options: ServeOptions) => {
      process.exitCode = await serve(options);
    });
}

async function serve(options: ServeOptions): Promise<number> {
  const level = LOG_LEVELS.find((candidate) => candidate === options.logLevel);
  if (level === undefined) {
    process.stderr.write(
      `dhcpf serve: --log-level is ${JSON.stringify(options.logLevel)}, expected one of ${LOG_LEVELS.join(', ')}\n`,
    );
    return EXIT_CONFIG_ERROR;
  }

  let config;
  try {
    config = loadRelationshipConfig(options.config);
  } catch (error) {
    return reportStartError(error);
  }

  const logger = createLogger({ file: options.log, level });
  let pcap: PcapWriter | undefined;
  let supervisor: PeerSupervisor | undefined;
  let services: OperatorServices;
  try {
    // A control socket in use means another server runs this config; check before the store opens.
    const socketPath = controlSocketPathOf(config);
    if (socketPath !== undefined) {
      await clearStaleSocket(socketPath);
    }

    pcap = options.pcap === undefined ? undefined : new PcapWriter(options.pcap);
    const messages = new MessageCounter();
    const tapConnection = messages.tapFactory(pcap?.tap.bind(pcap));
    supervisor = await PeerSupervisor.start(config, { logger, tapConnection });
    const terminal = process.stderr.isTTY ? process.stderr : undefined;
    services = await OperatorServices.start({ config, supervisor, messages, logger, terminal });
  } catch (error) {
    await supervisor?.stop();
    pcap?.close();
    return reportStartError(error);
  }

  await waitForStop(supervisor);
  await services.close();
  pcap?.close();
  return 0;
}

/** Resolves once the peer stopped, on SIGTERM or SIGINT or by the control socket's shutdown. */
function waitForStop(supervisor: PeerSupervisor): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      void supervisor.stop();
    };
    supervisor.once('stopped', () => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolve();
    });
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}

/** Prints a start failure as one line without a stack trace and returns the exit status. */
function reportStartError(error: unknown): number {
  if (error instanceof ConfigError) {
    process.stderr.write(`dhcpf serve: ${error.message}\n`);
    return EXIT_CONFIG_ERROR;
  }

  if (error instanceof FailoverError || (error instanceof Error && 'code' in error)) {
    process.stderr.write(`dhcpf serve: ${error.message}\n`);
    return EXIT_RUNTIME_ERROR;
  }

  throw error;
}
