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

/**
 * Share of the last 10 and 60 seconds in which some task waited for I/O (/proc/pressure/io, in
 * percent), or undefined where the kernel has no pressure stall information. Other processes'
 * disk syncs slow every resync row, dhcpd's more than dhcpf's.
 */
export function ioPressure(): { avg10: number; avg60: number } | undefined {
  try {
    const text = readFileSync('/proc/pressure/io', 'utf8');
    const match = /^some avg10=([\d.]+) avg60=([\d.]+)/m.exec(text);
    return match === null ? undefined : { avg10: Number(match[1]), avg60: Number(match[2]) };
  } catch {
    return undefined;
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
