// The DORA section's parsing and goal checks, without servers: running it needs root, perfdhcp
// and minutes, so CI runs only these pieces.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  checkDoraGoals,
  formatDora,
  parsePerfdhcp,
  uncommittedSteps,
  type DoraRow,
} from '../../bench/dora.js';
import { countDhcpdLeases } from '../../bench/dora-servers.js';

const PERFDHCP_REPORT = `Running: perfdhcp -4 -l eth0 -r 1000 -R 16000000 -p 10 all
***Rate statistics***
Rate: 969.504 4-way exchanges/second, expected rate: 1000
***Statistics for: DISCOVER-OFFER***
sent packets: 9999
received packets: 9727
drops: 272
***Statistics for: REQUEST-ACK***
sent packets: 9727
received packets: 9697
drops: 30
`;

function row(setup: DoraRow['setup'], acksPerSecond: number, storedLeases = 10_000): DoraRow {
  return {
    setup,
    offeredRate: 1000,
    periodSeconds: 10,
    discovers: 10_000,
    offers: 10_000,
    requests: 10_000,
    acks: acksPerSecond * 10,
    acksPerSecond,
    lossPercent: 0,
    serverCpuPercent: 50,
    storedLeases,
  };
}

describe('parsePerfdhcp', () => {
  it('reads sent and received counts of both exchanges', () => {
    expect(parsePerfdhcp(PERFDHCP_REPORT)).toEqual({
      discovers: 9999,
      offers: 9727,
      requests: 9727,
      acks: 9697,
    });
  });

  it('returns zeros for output without statistics', () => {
    expect(parsePerfdhcp('perfdhcp: cannot open socket')).toEqual({
      discovers: 0,
      offers: 0,
      requests: 0,
      acks: 0,
    });
  });
});

describe('checkDoraGoals', () => {
  it('divides the peak rates of the setups', () => {
    const rows = [row('dhcpf', 800), row('dhcpf', 1000), row('dhcpf-pair', 950)];

    const checks = checkDoraGoals([...rows, row('dhcpd-pair', 380)]);

    expect(checks.map((check) => check.ratio)).toEqual([0.95, 2.5]);
  });

  it('leaves a ratio undefined when a setup did not run', () => {
    const checks = checkDoraGoals([row('dhcpf', 1000)]);

    expect(checks.map((check) => check.ratio)).toEqual([undefined, undefined]);
  });
});

describe('uncommittedSteps', () => {
  it('lists dhcpf steps that stored fewer leases than ACKs', () => {
    const short = row('dhcpf-pair', 1000, 9_999);

    expect(uncommittedSteps([row('dhcpf', 1000), short, row('dhcpd', 1000, 5)])).toEqual([short]);
  });

  it('reports the shortfall in the formatted section', () => {
    const text = formatDora({ rows: [row('dhcpf', 1000, 9_999)], skipped: [] });

    expect(text).toContain('dhcpf stored fewer leases than ACKs in 1 steps: dhcpf at 1000/s.');
  });
});

describe('countDhcpdLeases', () => {
  it('counts addresses whose last statement in any file is active', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dhcpf-dora-test-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const lease = (address: string, state: string) =>
      `lease ${address} {\n  starts 4 2026/12/04 20:00:00;\n  binding state ${state};\n}\n`;
    const primary = join(dir, 'a.leases');
    const secondary = join(dir, 'b.leases');
    writeFileSync(primary, lease('10.88.1.1', 'active') + lease('10.88.1.2', 'free'));
    writeFileSync(secondary, lease('10.88.1.1', 'active') + lease('10.88.1.3', 'active'));
    writeFileSync(join(dir, 'c.leases'), lease('10.88.1.4', 'active') + lease('10.88.1.4', 'free'));

    expect(countDhcpdLeases([primary, secondary, join(dir, 'c.leases')])).toBe(2);
  });
});
