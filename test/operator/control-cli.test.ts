import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { registerControlCommand } from '../../src/cli/control.js';
import { capture, runOnNormalPair } from './cli-output.js';

function program(): Command {
  const command = new Command();
  command.exitOverride();
  registerControlCommand(command);
  return command;
}

afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

describe('dhcpf control', () => {
  it('exits 2 for an unknown command', async () => {
    const stderr = capture(process.stderr);

    await program().parseAsync(['node', 'dhcpf', 'control', 'reboot', '--socket', '/nonexistent']);

    expect(process.exitCode).toBe(2);
    expect(stderr.join('')).toBe(
      'dhcpf control: command is "reboot", expected one of partner-down, pause, resume, resync, shutdown\n',
    );
  });

  it('exits 2 for a --since that is no time', async () => {
    const stderr = capture(process.stderr);

    await program().parseAsync([
      'node',
      'dhcpf',
      'control',
      'partner-down',
      '--since',
      'yesterday',
      '--socket',
      '/nonexistent',
    ]);

    expect(process.exitCode).toBe(2);
    expect(stderr.join('')).toBe(
      'dhcpf control: --since is "yesterday", expected seconds since 1970 or an ISO 8601 time with an offset, such as 2026-01-01T12:00:00Z\n',
    );
  });

  it('prints the action, the rules and the warning of partner-down in NORMAL (FO-9.4-a)', async () => {
    const stdout = await runOnNormalPair(program(), 'secondary', ['control', 'partner-down']);

    const [action, warning] = stdout.trimEnd().split('\n');
    expect(process.exitCode).toBe(0);
    expect(action).toMatch(/^entered PARTNER-DOWN from NORMAL; .* \[FO-9\.8\.4-a, FO-9\.4\.2-c\]$/);
    expect(warning).toBe(
      'warning: communications with the partner are ok, but PARTNER-DOWN assumes the partner is not operating (FO-9.4-a)',
    );
  });
});
