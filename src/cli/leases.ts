// `dhcpf leases load|list|count`: moves bindings between a JSON-lines lease file and a lease store.

import { once } from 'node:events';
import type { Command } from 'commander';
import { FailoverError } from '../errors.js';
import {
  LeaseFileError,
  checkLeaseRequirements,
  formatHardwareAddress,
  formatLeaseLine,
  readLeaseFile,
  requiredLeaseFields,
  type LeaseLine,
} from '../store/lease-lines.js';
import { isBindingStatusName } from '../store/binding-row.js';
import { BindingStatus } from '../wire/codes.js';
import { parseIPv4 } from '../store/ipv4.js';
import { openLeaseStore } from '../store/sqlite-store.js';
import type { StoredBinding } from '../store/types.js';

/** Bindings written per putBindings call (one transaction) while loading. */
const LOAD_BATCH_SIZE = 500;

/** Lines collected before one write to the output. */
const OUTPUT_BATCH_LINES = 1000;

/** Exit status for a lease store that cannot be opened, read or written. */
const EXIT_STORE_ERROR = 1;

/** Exit status for a lease file that cannot be read or contains an invalid line. */
const EXIT_LEASE_FILE_ERROR = 2;

/** Output stream of the commands: process.stdout in the CLI, a collecting stream in tests. */
export type OutputStream = NodeJS.WritableStream;

/**
 * Loads every binding of a lease file into the store at `storePath`, creating the store when it is
 * missing. The whole file is checked before the first write, so an invalid line leaves the store
 * untouched. Loaded bindings are marked pending because the partner has not seen them.
 * Returns the number of bindings loaded.
 */
export async function loadLeases(
  file: string,
  storePath: string,
  output: OutputStream,
): Promise<number> {
  const count = await checkLeaseFile(file);
  const store = openLeaseStore(storePath);
  try {
    let batch: StoredBinding[] = [];
    for await (const { lease } of readLeaseFile(file)) {
      batch.push(toPendingBinding(lease, store.getBinding(lease.address)));
      if (batch.length === LOAD_BATCH_SIZE) {
        store.putBindings(batch);
        batch = [];
      }
    }
    store.putBindings(batch);
  } finally {
    store.close();
  }

  const bindings = count === 1 ? 'binding' : 'bindings';
  await writeText(
    output,
    `loaded ${count} ${bindings} into ${storePath}, all pending an update to the partner\n`,
  );
  return count;
}

/**
 * Reads the whole file once, raising the first invalid line, line without the fields its
 * binding-status requires, or repeated address; returns the count.
 */
async function checkLeaseFile(file: string): Promise<number> {
  const firstLineOf = new Map<number, number>();
  for await (const { lineNumber, lease } of readLeaseFile(file)) {
    checkRequirementsInFile(file, lease, lineNumber);
    const address = parseIPv4(lease.address) ?? -1;
    const firstLine = firstLineOf.get(address);
    if (firstLine !== undefined) {
      throw new LeaseFileError(
        'FO_ERR_LEASE_LINE_DUPLICATE_ADDRESS',
        `lease file ${file} line ${lineNumber} field address "${lease.address}" repeats line ${firstLine}, expected each address once`,
        lineNumber,
        'address',
      );
    }

    firstLineOf.set(address, lineNumber);
  }
  return firstLineOf.size;
}

function checkRequirementsInFile(file: string, lease: LeaseLine, lineNumber: number): void {
  try {
    checkLeaseRequirements(lease, lineNumber);
  } catch (error) {
    if (!(error instanceof LeaseFileError)) {
      throw error;
    }

    throw new LeaseFileError(
      error.code,
      `lease file ${file} ${error.message}`,
      error.line,
      error.field,
    );
  }
}

/**
 * Builds the stored form of a loaded lease. The potential-expiration-times already sent, acknowledged
 * or received stay, because the wait before reusing an address depends on them (FO-7.1.1-g). The
 * options of the previous update go, because they described the previous client.
 */
function toPendingBinding(lease: LeaseLine, existing: StoredBinding | undefined): StoredBinding {
  return {
    ...lease,
    ipFlags: lease.ipFlags ?? 0,
    sentPet: existing?.sentPet,
    ackedPet: existing?.ackedPet,
    receivedPet: existing?.receivedPet,
    pendingUpdate: true,
    updateSeq: (existing?.updateSeq ?? 0) + 1,
  };
}

/**
 * Prints every binding of the store, ordered by address: a lease file line each with `json`, else a
 * summary line each. Opens the store read-only. Returns the number of bindings printed.
 */
export async function listLeases(
  storePath: string,
  options: { json: boolean },
  output: OutputStream,
): Promise<number> {
  const format = options.json ? formatLeaseLine : formatSummaryLine;
  const store = openLeaseStore(storePath, { readonly: true });
  let count = 0;
  try {
    let lines: string[] = [];
    for (const binding of store.allBindings()) {
      lines.push(format(binding));
      count += 1;
      if (lines.length === OUTPUT_BATCH_LINES) {
        await writeText(output, `${lines.join('\n')}\n`);
        lines = [];
      }
    }
    if (lines.length > 0) {
      await writeText(output, `${lines.join('\n')}\n`);
    }
  } finally {
    store.close();
  }
  return count;
}

/**
 * Formats address, binding-status, hardware address, client-identifier and lease end (ISO 8601,
 * UTC) in columns, with "-" for a missing value. A hardware type other than Ethernet precedes the
 * hardware address, as in "6/aa:bb".
 */
export function formatSummaryLine(binding: StoredBinding): string {
  const hardware = binding.clientHardwareAddress;
  const hardwareText =
    hardware === undefined
      ? '-'
      : `${hardware.htype === 1 ? '' : `${hardware.htype}/`}${formatHardwareAddress(hardware.chaddr)}`;
  const clientIdentifier =
    binding.clientIdentifier === undefined
      ? '-'
      : Buffer.from(binding.clientIdentifier).toString('hex');
  const leaseEnd =
    binding.leaseExpirationTime === undefined ? '-' : formatIsoTime(binding.leaseExpirationTime);
  return [
    binding.address.padEnd(15),
    binding.bindingStatus.padEnd(9),
    hardwareText.padEnd(17),
    clientIdentifier.padEnd(16),
    leaseEnd,
  ].join(' ');
}

/** Formats seconds since 1970 as ISO 8601 UTC without fractional seconds. */
function formatIsoTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}

/** Prints the number of bindings in the store, opened read-only, and returns it. */
export async function countLeases(storePath: string, output: OutputStream): Promise<number> {
  const store = openLeaseStore(storePath, { readonly: true });
  let count: number;
  try {
    count = store.countBindings();
  } finally {
    store.close();
  }

  await writeText(output, `${count}\n`);
  return count;
}

async function writeText(output: OutputStream, text: string): Promise<void> {
  if (!output.write(text)) {
    await once(output, 'drain');
  }
}

/**
 * Runs a command and turns a FailoverError into one line on stderr and an exit status, so a user
 * error never prints a stack trace. Other errors are bugs and propagate with their stack.
 */
async function runLeasesAction(action: () => Promise<unknown>): Promise<void> {
  try {
    await action();
  } catch (error) {
    if (isClosedPipe(error)) {
      return;
    }

    if (!(error instanceof FailoverError)) {
      throw error;
    }

    process.stderr.write(`dhcpf leases: ${error.message}\n`);
    process.exitCode = error instanceof LeaseFileError ? EXIT_LEASE_FILE_ERROR : EXIT_STORE_ERROR;
  }
}

/** Tells whether `error` is EPIPE, which a reader such as `head` causes by closing the pipe early. */
function isClosedPipe(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === 'EPIPE';
}

function ignoreClosedPipe(error: Error): void {
  if (!isClosedPipe(error)) {
    throw error;
  }
}

/** Lists the extra fields each binding-status requires, one binding-status a line. */
function requiredFieldsHelp(): string {
  return Object.keys(BindingStatus)
    .filter(isBindingStatusName)
    .map((status) => {
      const fields = requiredLeaseFields(status);
      return `  ${status.padEnd(9)} ${fields.length === 0 ? '-' : fields.join(', ')}`;
    })
    .join('\n');
}

export function registerLeasesCommand(program: Command): void {
  const leases = program
    .command('leases')
    .description('load, list and count the bindings of a lease store')
    .addHelpText(
      'after',
      `
Lease files hold one JSON object per line, for example:
  {"address":"10.77.1.5","bindingStatus":"ACTIVE","hardwareAddress":"02:00:00:00:00:05","leaseExpirationTime":1796000000,"clientLastTransactionTime":1795900000}
Every line needs address and bindingStatus. A binding-status also requires the fields that its
binding updates must carry (draft-12 Table 7.1-1):
${requiredFieldsHelp()}
Exit status: ${EXIT_STORE_ERROR} when the store cannot be opened, read or written; ${EXIT_LEASE_FILE_ERROR} when the lease file is invalid.`,
    );

  leases
    .command('load')
    .description(
      'add or replace the bindings of a JSON-lines lease file; creates the store if missing',
    )
    .argument('<file>', 'JSON-lines lease file, one binding per line')
    .requiredOption('--store <path>', 'SQLite lease store file')
    .action((file: string, options: { store: string }) =>
      runLeasesAction(() => loadLeases(file, options.store, process.stdout)),
    );

  leases
    .command('list')
    .description('print every binding ordered by address')
    .requiredOption('--store <path>', 'SQLite lease store file')
    .option('--json', 'print JSON lines in the format that `leases load` reads', false)
    .action((options: { store: string; json: boolean }) => {
      process.stdout.on('error', ignoreClosedPipe);
      return runLeasesAction(() =>
        listLeases(options.store, { json: options.json }, process.stdout),
      );
    });

  leases
    .command('count')
    .description('print the number of bindings')
    .requiredOption('--store <path>', 'SQLite lease store file')
    .action((options: { store: string }) =>
      runLeasesAction(() => countLeases(options.store, process.stdout)),
    );
}
