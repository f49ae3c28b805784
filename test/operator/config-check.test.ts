import { Command } from 'commander';
import { copyFileSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { checkConfigFile, registerConfigCheckCommand } from '../../src/cli/config-check.js';
import { temporaryDirectory } from '../peer/peer-fixtures.js';

const examplesDirectory = resolve(dirname(fileURLToPath(import.meta.url)), '../../examples');
const examples = readdirSync(examplesDirectory).filter((name) => name.endsWith('.json'));

function runCheck(file: string): string {
  const written: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    written.push(String(chunk));
    return true;
  });
  const program = new Command();
  program.exitOverride();
  registerConfigCheckCommand(program);
  program.parse(['node', 'dhcpf', 'config', 'check', file]);
  return written.join('');
}

afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

describe('dhcpf config check', () => {
  it.each(examples)('accepts examples/%s with a one-line summary', (name) => {
    // The microsoft example reads its secret from a file the example leaves out, so it is checked
    // from a copy that has one.
    const directory = temporaryDirectory();
    const path = join(directory, name);
    copyFileSync(join(examplesDirectory, name), path);
    writeFileSync(join(directory, 'dhcp-fo-1.secret'), 'test secret');

    const output = runCheck(path);

    expect(process.exitCode).toBe(0);
    expect(output).toMatch(
      /^OK relationship \S+: (primary|secondary), (isc|microsoft) profile, .*\n$/,
    );
    expect(output.split('\n')).toHaveLength(2);
  });

  it('summarizes the loopback primary example', () => {
    const output = runCheck(join(examplesDirectory, 'isc-primary.json'));

    expect(output).toBe(
      'OK relationship dhcpf-loopback: primary, isc profile, local 127.0.0.1:16648, ' +
        `peer 127.0.0.1:16647, MCLT 600 s, 1 pool of 256 addresses, store ${join(examplesDirectory, 'isc-primary.db')}\n`,
    );
  });

  it('lists an error for every bad top-level field and exits 1', () => {
    const path = join(temporaryDirectory(), 'bad.json');
    writeFileSync(
      path,
      JSON.stringify({
        name: 'fo',
        role: 'tertiary',
        local: { address: '127.0.0.1' },
        peer: { address: '127.0.0.1', port: 70000 },
        pools: [{ start: '10.0.0.9', end: '10.0.0.1' }],
        store: 'fo.db',
        mclt: 600,
        colour: 'blue',
      }),
    );

    const output = runCheck(path);

    expect(process.exitCode).toBe(1);
    expect(output.trimEnd().split('\n')).toEqual([
      'error: config field colour is unknown, expected one of ' +
        (checkConfigFile(path).errors[0]?.message.split('expected one of ')[1] ?? ''),
      'error: config field role is "tertiary", expected one of "primary", "secondary"',
      'error: config field peer.port is 70000, expected an integer from 1 to 65535',
      'error: config field pools[0].end is "10.0.0.1", expected an address not below start 10.0.0.9',
    ]);
  });

  const secretPresent = existsSync(join(examplesDirectory, 'dhcp-fo-1.secret'));
  it.skipIf(secretPresent)(
    'names the missing secret file of the microsoft example (needs the secret file absent)',
    () => {
      const output = runCheck(join(examplesDirectory, 'microsoft.json'));

      expect(process.exitCode).toBe(1);
      expect(output).toMatch(/^error: .*dhcp-fo-1\.secret/);
    },
  );

  it('reports a file that is not JSON', () => {
    const path = join(temporaryDirectory(), 'broken.json');
    writeFileSync(path, '{ "name": ');

    const output = runCheck(path);

    expect(process.exitCode).toBe(1);
    expect(output).toMatch(/^error: config file .*broken\.json cannot be read as JSON: /);
  });
});
