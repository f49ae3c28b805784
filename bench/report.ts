// The printed report: one Markdown section per measurement, the same text bench/README.md shows.

import type { CodecResult } from './codec.js';
import type { MachineDetails } from './machine.js';
import type { MemoryRow } from './memory.js';
import { describeSettings, type GoalCheck, type ResyncRow } from './resync.js';
import type { SteadyRow } from './steady.js';
import { fixed, integer, markdownTable, megabytes } from './table.js';

export interface MachineLoad {
  loadAverage: readonly number[];
  ioPressure: { avg10: number; avg60: number } | undefined;
}

export function formatMachine(
  machine: MachineDetails,
  atStart: MachineLoad,
  atEnd: MachineLoad,
): string {
  const rows: [string, string][] = [
    ['CPU', machine.cpuModel],
    ['cores', String(machine.cores)],
    ['memory', `${(machine.memoryBytes / 2 ** 30).toFixed(1)} GiB`],
    ['OS', machine.os],
    ['kernel', machine.kernel],
    ['node', machine.node],
    ['SQLite', machine.sqlite],
    ['dhcpd', machine.dhcpd],
    ['root', machine.root ? 'yes' : 'no'],
    ['load average 1/5/15 min, start / end', `${loads(atStart)} / ${loads(atEnd)}`],
    ['I/O pressure 10 s / 60 s, start / end', `${pressure(atStart)} / ${pressure(atEnd)}`],
  ];
  const busy = [atStart, atEnd].some(
    (load) =>
      (load.loadAverage[0] ?? 0) > machine.cores ||
      (load.ioPressure?.avg60 ?? 0) > BUSY_IO_PRESSURE,
  );
  const warning = busy
    ? [
        '',
        `Other work kept the machine busy (1-minute load above ${machine.cores} cores or I/O pressure above ${BUSY_IO_PRESSURE} %), so the wall-clock figures are lower than on an idle machine, dhcpd's most.`,
      ]
    : [];
  return ['## Machine', '', markdownTable(['', ''], rows), ...warning].join('\n');
}

/** Share of time with a task waiting for I/O (percent, last 60 s) above which a run is flagged. */
const BUSY_IO_PRESSURE = 10;

function loads(load: MachineLoad): string {
  return load.loadAverage.map((value) => value.toFixed(2)).join(', ');
}

function pressure(load: MachineLoad): string {
  const io = load.ioPressure;
  return io === undefined ? 'n/a' : `${fixed(io.avg10, 1)} %, ${fixed(io.avg60, 1)} %`;
}

export function formatCodec(result: CodecResult): string {
  const first = result.rows[0];
  const goal = result.decodeGoal;
  const rows = result.rows.map((row) => [
    row.set,
    row.operation,
    integer(row.messagesPerCpuSecond),
    fixed(row.megabytesPerCpuSecond, 1),
    `${fixed(row.ratioToCopy, 3)}x`,
    integer(row.messagesPerSecond),
  ]);
  return [
    '## Codec',
    '',
    `BNDUPDs from ${result.source}: ${first?.messages ?? 0} messages, ${fixed(first?.averageBytes, 1)} bytes on average. One thread; rates per second of CPU time (wall-clock rate beside), median of the rounds.`,
    '',
    markdownTable(
      ['BNDUPDs', 'operation', 'messages/CPU s', 'MB/CPU s', 'vs Buffer.copy', 'messages/s wall'],
      rows,
    ),
    '',
    `Goal: decode >= ${integer(goal.perSecond)} BNDUPDs/s on one core: ${goal.met ? 'met' : 'not met'} (${integer(goal.measured)}/s).`,
  ].join('\n');
}

export function formatResync(rows: readonly ResyncRow[], goals: readonly GoalCheck[]): string {
  const table = rows.map((row) => {
    if (row.notMeasured !== undefined) {
      const cells = [`not measured: ${row.notMeasured}`, '-', '-', '-', '-', '-', '-', '-'];
      return [integer(row.leases), row.kind, describeSettings(row.settings), '-', ...cells];
    }

    return [
      integer(row.leases),
      row.kind,
      describeSettings(row.settings),
      `${row.runs.filter((run) => run.ok).length}/${row.runs.length}`,
      fixed(row.syncMs / 1000, 3),
      fixed(row.normalMs / 1000, 3),
      integer(row.leasesPerSecond),
      ratio(row.ratioToDhcpd),
      fixed(row.fastestSyncMs / 1000, 3),
      integer(row.fastestLeasesPerSecond),
      ratio(row.fastestRatioToDhcpd),
      peakRss(row),
    ];
  });
  const goalLines = goals.map(
    (goal) =>
      `Goal at ${integer(goal.leases)} leases: ${goal.goal}: ${goal.met ? 'met' : 'not met'} (median ${fixed(goal.ratio, 2)}x, fastest runs ${fixed(goal.fastestRatio, 2)}x).`,
  );
  const network = rows.find((row) => row.kind !== 'dhcpd')?.network ?? 'namespaces';
  const where =
    network === 'namespaces'
      ? 'each pair in its own two network namespaces'
      : 'dhcpf pairs on 127.0.0.1 (not root: no namespaces)';
  return [
    '## Resync',
    '',
    `The empty side pulls N leases: UPDREQALL to the partner's UPDDONE ("sync s") and to NORMAL, median of the runs and fastest run; ${where}. The goals are checked on the medians.`,
    '',
    markdownTable(
      [
        'leases',
        'pair',
        'settings',
        'runs ok',
        'sync s',
        'NORMAL s',
        'leases/s',
        'dhcpf/dhcpd',
        'fastest sync s',
        'fastest leases/s',
        'fastest dhcpf/dhcpd',
        'peak RSS full/empty MB',
      ],
      table,
    ),
    '',
    ...(goalLines.length > 0 ? goalLines : ['Goals: not checked, dhcpd was not measured.']),
  ].join('\n');
}

function ratio(value: number | undefined): string {
  return value === undefined ? '-' : `${fixed(value, 2)}x`;
}

function peakRss(row: ResyncRow): string {
  const last = row.runs.filter((run) => run.ok).at(-1);
  return last === undefined
    ? '-'
    : `${megabytes(last.fullSidePeakRss)} / ${megabytes(last.emptySidePeakRss)}`;
}

export function formatSteady(rows: readonly SteadyRow[]): string {
  const table = rows.map((row) => [
    integer(row.maxUnackedUpdates),
    integer(row.updatesPerMessage),
    integer(row.updates),
    integer(row.messages),
    fixed(row.elapsedMs / 1000, 3),
    integer(row.updatesPerSecond),
  ]);
  return [
    '## Steady updates',
    '',
    'A backlog of pending binding changes flushed through BNDUPD/BNDACK over 127.0.0.1; each side commits to its own SQLite store before it acknowledges or sends.',
    '',
    markdownTable(['window', 'updates/BNDUPD', 'updates', 'BNDACKs', 'time s', 'updates/s'], table),
  ].join('\n');
}

export function formatMemory(rows: readonly MemoryRow[]): string {
  const table = rows.map((row) => [
    integer(row.leases),
    integer(row.peakHeapPerLease),
    integer(row.peakRssPerLease),
    integer(row.retainedHeapPerLease),
    `${integer(row.primaryStorePerLease)} / ${integer(row.secondaryStorePerLease)}`,
    fixed(row.syncMs / 1000, 2),
  ]);
  return [
    '## Memory',
    '',
    'One process runs both peers of a resync (best settings). Per lease: peak heapUsed (sampled every 20 ms, garbage included) and peak RSS above the baseline taken before the peers start, heapUsed left after the resync and a full GC, and store file size.',
    '',
    markdownTable(
      [
        'leases',
        'peak heap B/lease',
        'peak RSS B/lease',
        'retained heap B/lease',
        'store B/lease sender/receiver',
        'start to NORMAL s',
      ],
      table,
    ),
  ].join('\n');
}

export function formatScaling(resync: readonly ResyncRow[], memory: readonly MemoryRow[]): string {
  const counts = [
    ...new Set([...resync.map((row) => row.leases), ...memory.map((row) => row.leases)]),
  ].sort((a, b) => a - b);
  const rate = (leases: number, kind: ResyncRow['kind']): string => {
    const row = resync.find((candidate) => candidate.leases === leases && candidate.kind === kind);
    return row === undefined || row.notMeasured !== undefined ? '-' : integer(row.leasesPerSecond);
  };
  const table = counts.map((leases) => {
    const memoryRow = memory.find((row) => row.leases === leases);
    const best = resync.find((row) => row.leases === leases && row.kind === 'dhcpf best settings');
    return [
      integer(leases),
      rate(leases, 'dhcpd'),
      rate(leases, 'dhcpf same settings'),
      rate(leases, 'dhcpf best settings'),
      best === undefined ? '-' : peakRss(best),
      memoryRow === undefined ? '-' : integer(memoryRow.peakHeapPerLease),
      memoryRow === undefined ? '-' : integer(memoryRow.secondaryStorePerLease),
    ];
  });
  return [
    '## Scaling',
    '',
    markdownTable(
      [
        'leases',
        'dhcpd leases/s',
        'dhcpf same leases/s',
        'dhcpf best leases/s',
        'best: peak RSS full/empty MB',
        'peak heap B/lease',
        'store B/lease',
      ],
      table,
    ),
  ].join('\n');
}
