// `dhcpf model-check`: explores the composed failover model (both endpoint machines, a channel,
// a small lease pool) breadth-first up to a bound and checks the safety invariants in every
// state. Exits 1 with the shortest counterexample when an invariant is violated.

import { performance } from 'node:perf_hooks';
import type { Command } from 'commander';
import { checkModel } from '../../model/check/explore.js';
import {
  defaultBounds,
  defaultModelOptions,
  type CheckBounds,
  type ModelOptions,
} from '../../model/check/model-options.js';
import { formatCheckReport } from '../../model/check/report.js';
import type { StartupExpiryPolicy } from '../../model/endpoint-types.js';

/** Exit status: every invariant held within the bound. */
export const EXIT_OK = 0;
/** Exit status: an invariant was violated; the counterexample was printed. */
export const EXIT_VIOLATION = 1;
/** Exit status: invalid arguments. */
export const EXIT_USAGE = 2;

export interface ModelCheckCommandOptions {
  depth?: string;
  maxStates?: string;
  maxTime?: string;
  addresses?: string;
  clients?: string;
  mclt?: string;
  storageLoss?: boolean;
  /** False with --no-halts. */
  halts?: boolean;
  partnerDownPremise?: string;
  startupExpiry?: string;
}

/** Output of the command: the report goes to `out`, argument errors to `error`. */
export interface CommandOutput {
  out(line: string): void;
  error(line: string): void;
}

class UsageError extends Error {}

function parseCount(value: string | undefined, option: string, min: number, fallback: number) {
  if (value === undefined) {
    return fallback;
  }

  const count = Number(value);
  if (!/^\d+$/.test(value) || count < min) {
    throw new UsageError(
      `invalid ${option} "${value}", expected a whole number of at least ${min}`,
    );
  }

  return count;
}

function parsePremise(value: string | undefined): ModelOptions['partnerDownPremise'] {
  if (value === undefined || value === 'unreachable' || value === 'not-operating') {
    return value ?? defaultModelOptions.partnerDownPremise;
  }

  throw new UsageError(
    `invalid --partner-down-premise "${value}", expected unreachable or not-operating`,
  );
}

const startupPolicies: readonly StartupExpiryPolicy[] = [
  'previous-state',
  'keep-waiting',
  'partner-down',
  'serve-without-history',
];

function parseStartupExpiry(value: string | undefined): StartupExpiryPolicy {
  if (value === undefined) {
    return defaultModelOptions.startupExpiry;
  }

  const policy = startupPolicies.find((candidate) => candidate === value);
  if (policy === undefined) {
    throw new UsageError(
      `invalid --startup-expiry "${value}", expected ${startupPolicies.join(', ')}`,
    );
  }

  return policy;
}

function parseOptions(options: ModelCheckCommandOptions): {
  model: Partial<ModelOptions>;
  bounds: CheckBounds;
} {
  const addresses = parseCount(options.addresses, '--addresses', 1, defaultModelOptions.addresses);
  const model: Partial<ModelOptions> = {
    addresses,
    lentAddresses: Math.min(defaultModelOptions.lentAddresses, addresses),
    clients: parseCount(options.clients, '--clients', 1, defaultModelOptions.clients),
    mclt: parseCount(options.mclt, '--mclt', 1, defaultModelOptions.mclt),
    storageLoss: options.storageLoss === true,
    operatorHalts: options.halts !== false,
    partnerDownPremise: parsePremise(options.partnerDownPremise),
    startupExpiry: parseStartupExpiry(options.startupExpiry),
  };
  const bounds: CheckBounds = {
    maxDepth: parseCount(options.depth, '--depth', 0, defaultBounds.maxDepth),
    maxStates: parseCount(options.maxStates, '--max-states', 1, defaultBounds.maxStates),
    maxTime: parseCount(options.maxTime, '--max-time', 0, defaultBounds.maxTime),
  };

  return { model, bounds };
}

/**
 * Runs the check, prints the report and returns the exit status. `modelOverrides` replace parts of
 * the model the options do not reach, such as guards of the binding-status machine in tests.
 */
export function runModelCheck(
  options: ModelCheckCommandOptions,
  output: CommandOutput,
  modelOverrides: Partial<ModelOptions> = {},
): number {
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(options);
  } catch (error) {
    if (error instanceof UsageError) {
      output.error(`dhcpf model-check: ${error.message}`);
      return EXIT_USAGE;
    }

    throw error;
  }

  const started = performance.now();
  const result = checkModel({ ...parsed.model, ...modelOverrides }, parsed.bounds);
  const elapsedMs = performance.now() - started;
  for (const line of formatCheckReport(result, elapsedMs)) {
    output.out(line);
  }

  return result.violation === undefined ? EXIT_OK : EXIT_VIOLATION;
}

/** Registers `dhcpf model-check` on the program. */
export function registerModelCheckCommand(program: Command): void {
  program
    .command('model-check')
    .description(
      'explore the failover model breadth-first and check that no address is leased twice, ' +
        'leases keep the MCLT bound, and NORMAL partners agree',
    )
    .option(
      '--depth <steps>',
      'maximum length of an explored event sequence, in steps',
      String(defaultBounds.maxDepth),
    )
    .option(
      '--max-states <count>',
      'stop after this many distinct states',
      String(defaultBounds.maxStates),
    )
    .option('--max-time <ticks>', 'latest clock tick to explore', String(defaultBounds.maxTime))
    .option('--addresses <count>', 'addresses in the pool; the first is lent to the secondary')
    .option('--clients <count>', 'DHCP clients')
    .option('--mclt <ticks>', 'MCLT in clock ticks')
    .option('--storage-loss', 'let an endpoint restart with its stable storage lost')
    .option('--no-halts', 'leave out the operator commands PAUSE and SHUTDOWN')
    .option(
      '--startup-expiry <policy>',
      `what a restarted endpoint does when STARTUP times out: ${startupPolicies.join(', ')}`,
      defaultModelOptions.startupExpiry,
    )
    .option(
      '--partner-down-premise <premise>',
      'when the operator may declare the partner down: unreachable (default) or not-operating',
    )
    .action((options: ModelCheckCommandOptions) => {
      const output: CommandOutput = {
        out: (line) => process.stdout.write(`${line}\n`),
        error: (line) => process.stderr.write(`${line}\n`),
      };
      process.exitCode = runModelCheck(options, output);
    });
}
