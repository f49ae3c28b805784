// The settings sweep behind dhcpf's best resync settings (`npm run bench -- --sweep`).

import { describeSettings, type ResyncRow } from './resync.js';
import type { UpdateSettings } from './resync-types.js';
import { fixed, integer, markdownTable } from './table.js';

/** Windows and transactions per BNDUPD tried by --sweep. */
export const SWEEP_GRID: readonly UpdateSettings[] = [10, 50, 200, 1000].flatMap((window) =>
  [1, 4, 16].map((updatesPerMessage) => ({ maxUnackedUpdates: window, updatesPerMessage })),
);

export function formatSweep(rows: readonly ResyncRow[]): string {
  const table = rows.map((row) => [
    describeSettings(row.settings),
    row.notMeasured === undefined ? fixed(row.syncMs / 1000, 3) : `failed: ${row.notMeasured}`,
    row.notMeasured === undefined ? integer(row.leasesPerSecond) : '-',
  ]);
  return [
    '## Settings sweep',
    '',
    `dhcpf<->dhcpf resync of ${integer(rows[0]?.leases ?? 0)} leases, one run per setting.`,
    '',
    markdownTable(['settings', 'sync s', 'leases/s'], table),
  ].join('\n');
}
