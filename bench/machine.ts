// Details of the machine a run measured on, printed above the tables and stored with the results.

import { spawnSync } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { join } from 'node:path';
import os from 'node:os';
import Database from 'better-sqlite3';

export interface MachineDetails {
  cpuModel: string;
  cores: number;
  memoryBytes: number;
  os: string;
  kernel: string;
  node: string;
  sqlite: string;
  /** `dhcpd --version`, or why it is not available. */
  dhcpd: string;
  root: boolean;
}

export function describeMachine(dhcpdPath: string | undefined): MachineDetails {
  return {
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    memoryBytes: os.totalmem(),
    os: osName(),
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    sqlite: sqliteVersion(),
    dhcpd: dhcpdPath === undefined ? 'not installed' : dhcpdVersion(dhcpdPath),
    root: process.getuid?.() === 0,
  };
}

function osName(): string {
  try {
    const release = readFileSync('/etc/os-release', 'utf8');
    const match = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(release);
    return match?.[1] ?? os.platform();
  } catch {
    return os.platform();
  }
}

function sqliteVersion(): string {
  const db = new Database(':memory:');
  try {
    return String(db.prepare('SELECT sqlite_version()').pluck().get());
  } finally {
    db.close();
  }
}

/** dhcpd prints its version on stderr and exits 0 ("isc-dhcpd-4.4.3-P1"). */
function dhcpdVersion(dhcpdPath: string): string {
  const result = spawnSync(dhcpdPath, ['--version'], { encoding: 'utf8', timeout: 5000 });
  const text = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim();
  return text === '' ? 'unknown' : text;
}

/** Returns the absolute path of a command found on PATH or in the sbin folders, or undefined. */
export function findCommand(name: string): string | undefined {
  const folders = (process.env['PATH'] ?? '').split(':').concat(['/usr/sbin', '/sbin']);
  for (const folder of folders.filter((candidate) => candidate !== '')) {
    const candidate = join(folder, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not in this folder; try the next one.
    }
  }

  return undefined;
}
