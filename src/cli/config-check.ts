// `dhcpf config check FILE`: checks a relationship config with the loader `dhcpf serve` uses and
// prints OK with a one-line summary, or every error, each naming the field and the allowed values.
// Exit status 0 when the file is valid, 1 when it is not.

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { parseRelationshipConfig } from '../config/load.js';
import type { RelationshipConfig } from '../config/types.js';
import { ConfigError } from '../errors.js';
import { parseIPv4 } from '../store/ipv4.js';

/** Errors reported at most; a file with more is far from valid anyway. */
const MAX_ERRORS = 50;

/**
 * Valid stand-ins for required fields, put in place of an invalid value so that the loader goes on
 * to check the fields after it. Optional fields are removed instead.
 */
const STAND_INS: Record<string, unknown> = {
  name: 'stand-in',
  role: 'primary',
  local: { address: '127.0.0.1' },
  peer: { address: '127.0.0.2' },
  mclt: 3600,
  // The microsoft profile requires a subnet mask on every pool (MSF-3.1.5.2-b).
  pools: [{ start: '192.0.2.1', end: '192.0.2.1', subnetMask: '255.255.255.0' }],
  store: ':memory:',
};

export interface ConfigCheckResult {
  config?: RelationshipConfig;
  errors: ConfigError[];
}

/**
 * Checks the config file at `path`. After each error the offending top-level field is replaced by
 * a valid stand-in or removed, and the check repeats, so one run reports the errors of every
 * top-level field. A check that relates two fields may therefore report against a stand-in.
 */
export function checkConfigFile(path: string): ConfigCheckResult {
  let object: Record<string, unknown>;
  try {
    const value: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return {
        errors: [
          new ConfigError(
            'FO_ERR_CONFIG_INVALID',
            'config',
            `config file ${path} is not a JSON object`,
          ),
        ],
      };
    }

    object = { ...(value as Record<string, unknown>) };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return {
      errors: [
        new ConfigError(
          'FO_ERR_CONFIG_UNREADABLE',
          'file',
          `config file ${path} cannot be read as JSON: ${reason}`,
        ),
      ],
    };
  }

  const errors: ConfigError[] = [];
  const replaced = new Set<string>();
  while (errors.length < MAX_ERRORS) {
    try {
      const config = parseRelationshipConfig(object, { baseDirectory: dirname(resolve(path)) });
      return errors.length === 0 ? { config, errors } : { errors };
    } catch (error) {
      if (!(error instanceof ConfigError)) {
        throw error;
      }

      const field = topLevelFieldOf(error.field);
      // A second error on a replaced field is about the stand-in, not about the file.
      if (replaced.has(field)) {
        return { errors };
      }

      errors.push(error);
      replaced.add(field);
      // Own keys only: `field in STAND_INS` is true for "constructor" and "__proto__".
      if (Object.hasOwn(STAND_INS, field)) {
        object[field] = STAND_INS[field];
      } else {
        delete object[field];
      }
    }
  }

  return { errors };
}

/** Returns the top-level key of a dotted field path: `pools[0].end` gives `pools`. */
function topLevelFieldOf(field: string): string {
  return field.split(/[.[]/)[0] ?? field;
}

/** Returns the one-line summary of a valid config. */
export function summarizeConfig(config: RelationshipConfig): string {
  const addresses = config.pools.reduce(
    (sum, pool) => sum + (parseIPv4(pool.end) ?? 0) - (parseIPv4(pool.start) ?? 0) + 1,
    0,
  );
  const pools = `${config.pools.length} pool${config.pools.length === 1 ? '' : 's'} of ${addresses} addresses`;
  return (
    `relationship ${config.name}: ${config.role}, ${config.profile} profile, ` +
    `local ${config.local.address}:${config.local.port}, peer ${config.peer.address}:${config.peer.port}, ` +
    `MCLT ${config.mclt} s, ${pools}, store ${config.store}`
  );
}

export function registerConfigCheckCommand(program: Command): void {
  const config = program.command('config').description('work with relationship config files');
  config
    .command('check')
    .description(
      'check a relationship config file as `dhcpf serve` reads it; exit status 1 if invalid',
    )
    .argument('<file>', 'relationship config file (JSON)')
    .action((file: string) => {
      const result = checkConfigFile(file);
      if (result.config !== undefined) {
        process.stdout.write(`OK ${summarizeConfig(result.config)}\n`);
        process.exitCode = 0;
        return;
      }

      for (const error of result.errors) {
        process.stdout.write(`error: ${error.message}\n`);
      }

      process.exitCode = 1;
    });
}
