// `dhcpf serve --config FILE [--log FILE] [--pcap FILE]`: runs one failover peer until SIGTERM or
// SIGINT.

import type { Command } from 'commander';
import { loadRelationshipConfig } from '../config/load.js';
import { startPeer } from '../endpoint/peer.js';
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
  let peer;
  try {
    pcap = options.pcap === undefined ? undefined : new PcapWriter(options.pcap);
    const tapConnection = pcap?.tap.bind(pcap);
    peer = await startPeer(config, { logger, tapConnection });
  } catch (error) {
    pcap?.close();
    return reportStartError(error);
  }

  const running = peer;
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      void running.stop().then(() => {
        pcap?.close();
        resolve();
      });
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  return 0;
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
