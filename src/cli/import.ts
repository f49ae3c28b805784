// `dhcpf import isc --conf dhcpd.conf [--leases dhcpd.leases] --out DIR [--peer NAME]`: turns the
// failover peer declaration and pools of an ISC dhcpd configuration into a dhcpf config file, and
// its lease file into a lease store, then prints a summary and the statements it skipped.

import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { parseRelationshipConfig } from '../config/load.js';
import { FailoverError } from '../errors.js';
import { parseDhcpdConf, type SkippedStatement } from '../isc/dhcpd-conf.js';
import { relationshipFromDhcpdConf } from '../isc/dhcpd-conf-relationship.js';
import { bindingsFromIscLeases, type ImportedBindings } from '../isc/import-bindings.js';
import { parseIscLeaseFile } from '../isc/lease-file.js';
import { openLeaseStore } from '../store/sqlite-store.js';
import type { StoredBinding } from '../store/types.js';

/** Bindings written per transaction. */
const WRITE_BATCH_SIZE = 500;

export interface IscImportOptions {
  conf: string;
  leases?: string;
  out: string;
  peer?: string;
}

export interface IscImportResult {
  configPath: string;
  storePath: string;
  relationship: string;
  role: string;
  pools: number;
  defaulted: string[];
  skipped: SkippedStatement[];
  leases?: ImportedBindings & { declarations: number; failoverStates: string[] };
}

/**
 * Writes `<name>.json` and `<name>.db` into `options.out`. Raises FailoverError for an unreadable
 * or invalid input, a config dhcpf would reject, or an output file that already exists.
 */
export function importIsc(options: IscImportOptions): IscImportResult {
  const conf = parseDhcpdConf(readText(options.conf));
  const out = resolve(options.out);
  const { config, defaulted } = relationshipFromDhcpdConf(conf, '', options.peer);
  const name = String(config['name']);
  config['store'] = `${safeFileName(name)}.db`;
  // The loader checks the result as `dhcpf serve` will, before anything is written.
  const checked = parseRelationshipConfig(config, { baseDirectory: out });
  const configPath = join(out, `${safeFileName(name)}.json`);
  for (const path of [configPath, checked.store]) {
    if (existsSync(path)) {
      throw new FailoverError(
        'FO_ERR_IMPORT_OUTPUT_EXISTS',
        `${path} already exists, expected a new file`,
      );
    }
  }

  // The lease file parser expects one character per byte (latin1), as readIscLeaseFile reads.
  const leaseFile =
    options.leases === undefined
      ? undefined
      : parseIscLeaseFile(readText(options.leases, 'latin1'));
  const bindings =
    leaseFile === undefined ? undefined : bindingsFromIscLeases(leaseFile.leases, checked.pools);
  try {
    mkdirSync(out, { recursive: true });
  } catch (error) {
    throw outputError(out, error);
  }

  try {
    writeFileSync(configPath, `${JSON.stringify(config, null, 2)}\n`);
    writeStore(checked.store, bindings?.bindings ?? []);
  } catch (error) {
    // The store rejects values the lease file parser lets through, such as a time past 2106.
    // Half-written output would make the next run fail with "already exists".
    removeOutput(configPath, checked.store);
    throw error instanceof FailoverError ? error : outputError(out, error);
  }

  const result: IscImportResult = {
    configPath,
    storePath: checked.store,
    relationship: name,
    role: checked.role,
    pools: checked.pools.length,
    defaulted,
    skipped: conf.skipped,
  };
  if (leaseFile !== undefined && bindings !== undefined) {
    result.leases = {
      ...bindings,
      declarations: leaseFile.leaseDeclarationCount,
      failoverStates: leaseFile.failoverPeers
        .filter((peer) => peer.name === name && peer.myState !== undefined)
        .map((peer) => `${peer.myState ?? ''}`),
    };
  }

  return result;
}

/** Files SQLite may create next to the store. */
const STORE_SIDE_FILES = ['-wal', '-shm', '-journal'];

function writeStore(path: string, bindings: readonly StoredBinding[]): void {
  const store = openLeaseStore(path);
  try {
    for (let start = 0; start < bindings.length; start += WRITE_BATCH_SIZE) {
      store.putBindings(bindings.slice(start, start + WRITE_BATCH_SIZE));
    }
  } finally {
    store.close();
  }
}

function removeOutput(configPath: string, storePath: string): void {
  const storeFiles = STORE_SIDE_FILES.map((suffix) => `${storePath}${suffix}`);
  for (const path of [configPath, storePath, ...storeFiles]) {
    rmSync(path, { force: true });
  }
}

function readText(path: string, encoding: BufferEncoding = 'utf8'): string {
  try {
    return readFileSync(path, encoding);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new FailoverError('FO_ERR_IMPORT_UNREADABLE', `${path} cannot be read: ${reason}`);
  }
}

function outputError(out: string, error: unknown): FailoverError {
  const reason = error instanceof Error ? error.message : String(error);
  return new FailoverError(
    'FO_ERR_IMPORT_UNWRITABLE',
    `output folder ${out} cannot be written: ${reason}`,
  );
}

/** Keeps a relationship name usable as a file name. */
function safeFileName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}

/**
 * Escapes control characters of text taken from the input files, so a hostile dhcpd.conf cannot
 * send escape sequences to the terminal.
 */
function printable(text: string): string {
  return text.replace(/\p{Cc}/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Formats the summary the command prints. */
export function formatImportSummary(result: IscImportResult): string {
  const lines = [
    `relationship ${printable(result.relationship)} (${result.role}), ${result.pools} pool range${result.pools === 1 ? '' : 's'}`,
    `wrote ${result.configPath}`,
  ];
  if (result.leases !== undefined) {
    const byStatus = Object.entries(result.leases.byStatus)
      .map(([status, count]) => `${count} ${status}`)
      .join(', ');
    lines.push(
      `wrote ${result.storePath}: ${result.leases.bindings.length} bindings (${byStatus || 'none'}) ` +
        `from ${result.leases.declarations} lease declarations, all pending for the partner`,
    );
    if (result.leases.outsidePools > 0) {
      lines.push(
        `left out ${countOf(result.leases.outsidePools, 'lease')} outside the failover pools`,
      );
    }

    if (result.leases.endlessLeases > 0) {
      lines.push(
        `${countOf(result.leases.endlessLeases, 'lease')} without an end; stored without an expiry`,
      );
    }

    for (const state of result.leases.failoverStates) {
      lines.push(
        `not imported: failover state ${state}; dhcpf starts without a recorded state and synchronizes in RECOVER`,
      );
    }
  } else {
    lines.push(`wrote ${result.storePath}: empty, no --leases given`);
  }

  for (const setting of result.defaulted) {
    lines.push(`defaulted as dhcpd does: ${setting}`);
  }

  lines.push(
    `skipped ${result.skipped.length} unsupported statements${result.skipped.length === 0 ? '' : ':'}`,
  );
  for (const skipped of result.skipped) {
    lines.push(`  line ${skipped.line}: ${printable(skipped.statement)}`);
  }

  return `${lines.join('\n')}\n`;
}

export function registerImportCommand(program: Command): void {
  const importCommand = program
    .command('import')
    .description('create a dhcpf config and lease store from another DHCP server');
  importCommand
    .command('isc')
    .description('import an ISC dhcpd failover peer, its pools and its leases')
    .requiredOption('--conf <file>', 'dhcpd.conf with the failover peer declaration and pools')
    .option('--leases <file>', 'dhcpd.leases to load into the lease store')
    .requiredOption('--out <dir>', 'folder for <name>.json and <name>.db (created if missing)')
    .option('--peer <name>', 'failover peer to import when dhcpd.conf declares several')
    .action((options: IscImportOptions) => {
      try {
        process.stdout.write(formatImportSummary(importIsc(options)));
        process.exitCode = 0;
      } catch (error) {
        if (!(error instanceof FailoverError)) {
          throw error;
        }

        process.stderr.write(`dhcpf import isc: ${error.message}\n`);
        process.exitCode = 1;
      }
    });
}

/** Formats a count with its noun, singular for one: "1 lease", "3 leases". */
function countOf(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
