// Runs an operator subcommand inside the test process and captures what it writes, for the tests
// of `dhcpf control` and `dhcpf status`.

import type { Command } from 'commander';
import { vi } from 'vitest';
import { temporaryDirectory } from '../peer/peer-fixtures.js';
import { bothNormal, startOperatedPair } from './operator-fixtures.js';

/** Captures the chunks written to `stream`, in order, until vi.restoreAllMocks runs. */
export function capture(stream: NodeJS.WriteStream): string[] {
  const written: string[] = [];
  vi.spyOn(stream, 'write').mockImplementation((chunk) => {
    written.push(String(chunk));
    return true;
  });
  return written;
}

/**
 * Starts an operated pair, waits until both servers are in NORMAL, and runs `program` with `args`
 * and `--socket` set to the control socket of `server`. Returns what the command wrote to stdout.
 */
export async function runOnNormalPair(
  program: Command,
  server: 'primary' | 'secondary',
  args: string[],
): Promise<string> {
  const pair = await startOperatedPair(temporaryDirectory());
  await bothNormal(pair);
  const stdout = capture(process.stdout);

  await program.parseAsync(['node', 'dhcpf', ...args, '--socket', pair[server].control.path]);
  return stdout.join('');
}
