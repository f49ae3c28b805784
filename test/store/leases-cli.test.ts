import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  countLeases,
  listLeases,
  loadLeases,
  registerLeasesCommand,
} from '../../src/cli/leases.js';
import { LeaseFileError } from '../../src/store/lease-lines.js';
import { openLeaseStore } from '../../src/store/sqlite-store.js';
import { TextCollector, fullBinding, useTempDir } from './helpers.js';

const tempPath = useTempDir();

const LEASE_LINES = [
  '{"address":"10.77.1.5","bindingStatus":"ACTIVE","hardwareAddress":"02:00:00:00:00:05","clientIdentifier":"0102000000000005","leaseExpirationTime":1796000000,"startTimeOfState":1795900000,"clientLastTransactionTime":1795900000}',
  '{"address":"10.77.1.10","bindingStatus":"FREE"}',
  '{"address":"10.77.1.6","bindingStatus":"BACKUP","ipFlags":1}',
];

function writeLeaseFile(name: string, lines: readonly string[]): string {
  const path = tempPath(name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

describe('loadLeases', () => {
  it('creates the store and loads every line as a pending binding', async () => {
    const file = writeLeaseFile('leases.jsonl', LEASE_LINES);
    const storePath = tempPath('store.db');
    const output = new TextCollector();

    expect(await loadLeases(file, storePath, output)).toBe(3);

    expect(output.text).toBe(
      `loaded 3 bindings into ${storePath}, all pending an update to the partner\n`,
    );
    const store = openLeaseStore(storePath, { readonly: true });
    const bindings = [...store.allBindings()];
    store.close();
    expect(bindings.map((binding) => binding.address)).toEqual([
      '10.77.1.5',
      '10.77.1.6',
      '10.77.1.10',
    ]);
    expect(bindings.every((binding) => binding.pendingUpdate && binding.updateSeq === 1)).toBe(
      true,
    );
    expect(bindings[1]?.ipFlags).toBe(1);
  });

  it('raises updateSeq and keeps the potential-expiration-times of a binding loaded again', async () => {
    const storePath = tempPath('store.db');
    const store = openLeaseStore(storePath);
    store.putBindings([fullBinding({ pendingUpdate: false, updateSeq: 8 })]);
    store.close();

    await loadLeases(writeLeaseFile('leases.jsonl', LEASE_LINES), storePath, new TextCollector());

    const reopened = openLeaseStore(storePath, { readonly: true });
    const binding = reopened.getBinding('10.77.1.5');
    reopened.close();
    const previous = fullBinding();
    expect(binding?.updateSeq).toBe(9);
    expect(binding?.pendingUpdate).toBe(true);
    expect(binding?.ipFlags).toBe(0);
    expect([binding?.sentPet, binding?.ackedPet, binding?.receivedPet]).toEqual([
      previous.sentPet,
      previous.ackedPet,
      previous.receivedPet,
    ]);
    expect(binding?.otherOptions).toBeUndefined();
  });

  it('writes nothing and creates no store when a line is invalid', async () => {
    const file = writeLeaseFile('bad.jsonl', [
      ...LEASE_LINES,
      '{"address":"10.77.1.7","bindingStatus":"LEASED"}',
    ]);
    const storePath = tempPath('store.db');
    await expect(loadLeases(file, storePath, new TextCollector())).rejects.toMatchObject({
      code: 'FO_ERR_LEASE_LINE_INVALID_FIELD',
      line: 4,
      field: 'bindingStatus',
    });
    expect(existsSync(storePath)).toBe(false);
  });

  it('rejects an address given twice, naming both lines', async () => {
    const file = writeLeaseFile('twice.jsonl', [
      ...LEASE_LINES,
      '{"address":"10.77.1.10","bindingStatus":"BACKUP"}',
    ]);
    const loading = loadLeases(file, tempPath('store.db'), new TextCollector());
    await expect(loading).rejects.toBeInstanceOf(LeaseFileError);
    await expect(loading).rejects.toMatchObject({
      code: 'FO_ERR_LEASE_LINE_DUPLICATE_ADDRESS',
      line: 4,
      field: 'address',
      message: `lease file ${file} line 4 field address "10.77.1.10" repeats line 2, expected each address once`,
    });
  });

  it('rejects ACTIVE without clientLastTransactionTime (FO-5.11-a)', async () => {
    const file = writeLeaseFile('no-cltt.jsonl', [
      ...LEASE_LINES,
      '{"address":"10.0.0.11","bindingStatus":"ACTIVE","hardwareAddress":"02:00:00:00:00:0b","leaseExpirationTime":1796000000}',
    ]);
    const storePath = tempPath('store.db');
    const loading = loadLeases(file, storePath, new TextCollector());

    await expect(loading).rejects.toBeInstanceOf(LeaseFileError);
    await expect(loading).rejects.toMatchObject({
      code: 'FO_ERR_LEASE_LINE_MISSING_FIELD',
      line: 4,
      field: 'clientLastTransactionTime',
      message:
        `lease file ${file} line 4 field clientLastTransactionTime is missing, expected an ` +
        'integer 0..4294967295 (seconds since 1970) because binding-status ACTIVE requires ' +
        'client-last-transaction-time (draft-12 Table 7.1-1, FO-5.11-a)',
    });
    expect(existsSync(storePath)).toBe(false);
  });

  it('rejects an ACTIVE line without hardwareAddress (FO-5.11-a)', async () => {
    const file = writeLeaseFile('no-mac.jsonl', [
      '{"address":"10.0.0.12","bindingStatus":"ACTIVE","leaseExpirationTime":1796000000,"clientLastTransactionTime":1795900000}',
    ]);
    await expect(loadLeases(file, tempPath('store.db'), new TextCollector())).rejects.toMatchObject(
      {
        line: 1,
        field: 'hardwareAddress',
      },
    );
  });

  it('writes "1 binding" in the singular', async () => {
    const file = writeLeaseFile('one.jsonl', [LEASE_LINES[1] ?? '']);
    const storePath = tempPath('store.db');
    const output = new TextCollector();

    await loadLeases(file, storePath, output);

    expect(output.text).toBe(
      `loaded 1 binding into ${storePath}, all pending an update to the partner\n`,
    );
  });
});

describe('listLeases', () => {
  it('prints one summary line per binding ordered by address', async () => {
    const storePath = tempPath('store.db');
    await loadLeases(writeLeaseFile('leases.jsonl', LEASE_LINES), storePath, new TextCollector());
    const output = new TextCollector();

    expect(await listLeases(storePath, { json: false }, output)).toBe(3);

    expect(output.text.split('\n')).toEqual([
      '10.77.1.5       ACTIVE    02:00:00:00:00:05 0102000000000005 2026-11-30T00:53:20Z',
      '10.77.1.6       BACKUP    -                 -                -',
      '10.77.1.10      FREE      -                 -                -',
      '',
    ]);
  });

  it('prints JSON lines that load reads back to the same bindings', async () => {
    const storePath = tempPath('store.db');
    await loadLeases(writeLeaseFile('leases.jsonl', LEASE_LINES), storePath, new TextCollector());
    const output = new TextCollector();
    await listLeases(storePath, { json: true }, output);
    expect(output.text).toBe(`${[LEASE_LINES[0], LEASE_LINES[2], LEASE_LINES[1]].join('\n')}\n`);

    const copyPath = tempPath('copy.db');
    await loadLeases(
      writeLeaseFile('listed.jsonl', output.text.trimEnd().split('\n')),
      copyPath,
      new TextCollector(),
    );
    const copy = new TextCollector();
    await listLeases(copyPath, { json: true }, copy);
    expect(copy.text).toBe(output.text);
  });

  it('lists more bindings than one output batch', async () => {
    const lines = Array.from(
      { length: 2500 },
      (_, i) => `{"address":"10.8.${i >> 8}.${i & 255}","bindingStatus":"FREE"}`,
    );
    const storePath = tempPath('store.db');
    await loadLeases(writeLeaseFile('many.jsonl', lines), storePath, new TextCollector());
    const output = new TextCollector();
    expect(await listLeases(storePath, { json: true }, output)).toBe(2500);
    expect(output.text).toBe(`${lines.join('\n')}\n`);
  });
});

describe('countLeases', () => {
  it('prints the number of bindings', async () => {
    const storePath = tempPath('store.db');
    await loadLeases(writeLeaseFile('leases.jsonl', LEASE_LINES), storePath, new TextCollector());
    const output = new TextCollector();
    expect(await countLeases(storePath, output)).toBe(3);
    expect(output.text).toBe('3\n');
  });
});

describe('dhcpf leases command', () => {
  afterEach(() => {
    process.exitCode = undefined;
    vi.restoreAllMocks();
  });

  async function run(args: string[]): Promise<{ stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stdout += chunk.toString();
      return true;
    });
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr += chunk.toString();
      return true;
    });
    const program = new Command().exitOverride();
    registerLeasesCommand(program);
    await program.parseAsync(['leases', ...args], { from: 'user' });
    vi.restoreAllMocks();
    return { stdout, stderr };
  }

  it('loads, counts and lists through the registered subcommands', async () => {
    const file = writeLeaseFile('leases.jsonl', LEASE_LINES);
    const storePath = tempPath('store.db');
    expect((await run(['load', file, '--store', storePath])).stdout).toMatch(
      /^loaded 3 bindings into /,
    );
    expect((await run(['count', '--store', storePath])).stdout).toBe('3\n');
    expect((await run(['list', '--store', storePath, '--json'])).stdout.split('\n')).toHaveLength(
      4,
    );
    expect(process.exitCode).toBeUndefined();
  });

  it('exits with status 2 and one message line for an invalid lease file', async () => {
    const file = writeLeaseFile('bad.jsonl', ['{"address":"10.0.0.1"}']);
    const { stderr } = await run(['load', file, '--store', tempPath('store.db')]);
    expect(process.exitCode).toBe(2);
    expect(stderr).toBe(
      `dhcpf leases: lease file ${file} line 1 field bindingStatus is missing, expected one of FREE, ACTIVE, EXPIRED, RELEASED, ABANDONED, RESET, BACKUP\n`,
    );
  });

  it('shows an ACTIVE example line with clientLastTransactionTime in the help', () => {
    const program = new Command();
    registerLeasesCommand(program);
    let help = '';
    const leases = program.commands.find((command) => command.name() === 'leases');
    leases?.configureOutput({ writeOut: (text) => (help += text) });
    leases?.outputHelp();

    const example = help.split('\n').find((line) => line.includes('"bindingStatus":"ACTIVE"'));
    expect(example).toContain('"clientLastTransactionTime"');
    expect(help).toMatch(/ACTIVE +hardwareAddress, leaseExpirationTime, clientLastTransactionTime/);
  });

  it('exits with status 1 on a damaged store', async () => {
    const storePath = tempPath('store.db');
    writeFileSync(storePath, 'not a database\n');
    const { stderr } = await run(['list', '--store', storePath]);
    expect(process.exitCode).toBe(1);
    expect(stderr).toMatch(
      /^dhcpf leases: lease store \S+ starts with bytes 6e 6f 74 20 61 20 64 61, expected an SQLite database \("SQLite format 3"\)\n$/,
    );
    expect(readFileSync(storePath, 'utf8')).toBe('not a database\n');
  });

  it('exits with status 1 when the store to count does not exist', async () => {
    const storePath = tempPath('missing.db');
    const { stderr } = await run(['count', '--store', storePath]);
    expect(process.exitCode).toBe(1);
    expect(stderr).toBe(`dhcpf leases: lease store ${storePath} not found\n`);
    expect(existsSync(storePath)).toBe(false);
  });
});
