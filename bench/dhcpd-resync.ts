// One full resync between two fresh ISC dhcpd servers in a namespace pair, measured the way the
// interop kit's baseline measures it. The primary holds N ACTIVE leases and the secondary none, in a
// pool of N + 256 addresses, with max-unacked-updates 10, MCLT 600 and split 128. Neither lease file
// has failover state, so both servers start in RECOVER and both send UPDREQALL. The time runs from
// the empty side's first "Sent update request all" to its "peer update completed." and to its
// "Both servers normal".

import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { poolEnd, POOL_START, writeDhcpdLeases } from './lease-seeds.js';
import { ADDRESS_A, ADDRESS_B, NamespacePair } from './namespaces.js';
import { StartedProcess, waitUntil } from './processes.js';
import type { ResyncRun, UpdateSettings } from './resync-types.js';
import { StampedLines } from './stamped-lines.js';

const SENT_UPDREQALL = 'Sent update request all';
const UPDATE_COMPLETED = 'peer update completed';
const BOTH_NORMAL = 'Both servers normal';
const SERVING = 'Server starting service';

export const DHCPD_SETTINGS: UpdateSettings = { maxUnackedUpdates: 10, updatesPerMessage: 1 };

const START_TIMEOUT_MS = 20_000;

/** Writes a dhcpd.conf with one failover pool, as the interop kit's configurations have it. */
export function dhcpdConfig(role: 'primary' | 'secondary', leaseCount: number): string {
  const [local, peer] = role === 'primary' ? [ADDRESS_A, ADDRESS_B] : [ADDRESS_B, ADDRESS_A];
  return [
    'authoritative;',
    // ping-check would probe each address with ICMP and wait a second before an OFFER.
    'ddns-update-style none; ping-check false;',
    'default-lease-time 86400; max-lease-time 86400;',
    'failover peer "fo" {',
    `  ${role};`,
    `  address ${local}; port 647;`,
    `  peer address ${peer}; peer port 647;`,
    `  max-response-delay 30; max-unacked-updates ${DHCPD_SETTINGS.maxUnackedUpdates};`,
    '  load balance max seconds 3;',
    ...(role === 'primary' ? ['  mclt 600; split 128;'] : []),
    '}',
    'subnet 10.77.0.0 netmask 255.255.0.0 {',
    `  pool { failover peer "fo"; range ${POOL_START} ${poolEnd(leaseCount)}; }`,
    '}',
    '',
  ].join('\n');
}

interface DhcpdServer {
  process: StartedProcess;
  log: StampedLines;
}

function startDhcpd(
  dhcpdPath: string,
  namespace: string,
  directory: string,
  tag: string,
): DhcpdServer {
  const started = new StartedProcess({
    label: `dhcpd ${tag}`,
    namespace,
    command: dhcpdPath,
    args: [
      '-4',
      '-f',
      '-d',
      '-cf',
      `${tag}.conf`,
      '-lf',
      `${tag}.leases`,
      '-pf',
      join(directory, `${tag}.pid`),
      'eth0',
    ],
    cwd: directory,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const stderr = started.child.stderr;
  if (stderr === null) {
    throw new Error('dhcpd stderr is not piped');
  }

  const watched = [SERVING, SENT_UPDREQALL, UPDATE_COMPLETED, BOTH_NORMAL];
  return {
    process: started,
    log: new StampedLines(stderr, join(directory, `${tag}.log`), watched),
  };
}

/** Runs one dhcpd<->dhcpd resync of `leaseCount` leases in `directory`. */
export async function runDhcpdResync(
  dhcpdPath: string,
  leaseCount: number,
  directory: string,
): Promise<ResyncRun> {
  writeFileSync(join(directory, 'p.conf'), dhcpdConfig('primary', leaseCount));
  writeFileSync(join(directory, 's.conf'), dhcpdConfig('secondary', leaseCount));
  writeDhcpdLeases(join(directory, 'p.leases'), leaseCount, Math.floor(Date.now() / 1000));
  writeFileSync(join(directory, 's.leases'), '');
  const pair = new NamespacePair();
  const servers: DhcpdServer[] = [];
  try {
    // The empty side starts first, so it is serving before the full side connects.
    const empty = startDhcpd(dhcpdPath, pair.b, directory, 's');
    servers.push(empty);
    await waitUntil('the empty dhcpd to serve', () => empty.log.has(SERVING), {
      timeoutMs: START_TIMEOUT_MS,
      watch: [empty.process],
    });
    const full = startDhcpd(dhcpdPath, pair.a, directory, 'p');
    servers.push(full);
    await waitUntil(`"${BOTH_NORMAL}" on the empty dhcpd`, () => empty.log.has(BOTH_NORMAL), {
      timeoutMs: 60_000 + leaseCount * 10,
      watch: [empty.process, full.process],
    });
    return measuredRun(leaseCount, directory, empty, full);
  } catch (error) {
    return { leases: leaseCount, ok: false, syncMs: 0, normalMs: 0, error: String(error) };
  } finally {
    await Promise.all(servers.map((server) => server.process.stop()));
    servers.forEach((server) => server.log.close());
    pair.close();
  }
}

function measuredRun(
  leaseCount: number,
  directory: string,
  empty: DhcpdServer,
  full: DhcpdServer,
): ResyncRun {
  const start = empty.log.timeOf(SENT_UPDREQALL) ?? 0;
  const completed = empty.log.timeOf(UPDATE_COMPLETED);
  const normal = empty.log.timeOf(BOTH_NORMAL) ?? 0;
  return {
    leases: leaseCount,
    ok: completed !== undefined && start > 0,
    syncMs: (completed ?? 0) - start,
    normalMs: normal - start,
    fullSidePeakRss: full.process.peakRssBytes(),
    emptySidePeakRss: empty.process.peakRssBytes(),
    fullSideStoreBytes: fileSize(join(directory, 'p.leases')),
    emptySideStoreBytes: fileSize(join(directory, 's.leases')),
  };
}

function fileSize(path: string): number | undefined {
  return existsSync(path) ? statSync(path).size : undefined;
}
