// The model check at a bound small enough for every CI run, and with a deliberately broken rule
// injected through the checker's parameters, which it must catch with a shortest counterexample.

import { describe, expect, it } from 'vitest';
import { checkModel } from '../../model/check/explore.js';
import type { LeaseGuardOverrides } from '../../model/check/model-options.js';
import { formatCheckReport } from '../../model/check/report.js';
import { leaseWithinMclt, mayAllocate, ownerOf } from '../../model/lease/lease-guards.js';
import { EXIT_OK, EXIT_USAGE, EXIT_VIOLATION, runModelCheck } from '../../src/cli/model-check.js';

class Lines {
  readonly out: string[] = [];
  readonly errors: string[] = [];
  readonly output = {
    out: (line: string) => void this.out.push(line),
    error: (line: string) => void this.errors.push(line),
  };
}

/**
 * The broken rule: a server in COMMUNICATIONS-INTERRUPTED may also allocate the partner's
 * available addresses, which FO-9.9.2-a forbids.
 */
const partnerPoolInCommunicationsInterrupted: LeaseGuardOverrides = {
  mayAllocate: ({ context, event }, params) => {
    if (mayAllocate(context, params.status, event, params.pool)) {
      return true;
    }

    return (
      params.pool === 'partner' &&
      event.type === 'ALLOCATE' &&
      event.state === 'COMMUNICATIONS-INTERRUPTED' &&
      ownerOf(params.status) !== undefined &&
      ownerOf(params.status) !== context.role &&
      leaseWithinMclt(context, event.now, event.leaseExpirationTime)
    );
  },
};

describe('dhcpf model-check', () => {
  it('finds no violation within depth 5 and reports what it explored', () => {
    const lines = new Lines();

    const status = runModelCheck({ depth: '5' }, lines.output);

    expect(status).toBe(EXIT_OK);
    expect(lines.errors).toEqual([]);
    const explored = lines.out.find((line) => line.startsWith('explored '));
    const [, states, transitions] =
      /^explored (\d+) states and (\d+) transitions/.exec(explored ?? '') ?? [];
    expect(Number(states)).toBeGreaterThan(1_000);
    expect(Number(transitions)).toBeGreaterThan(Number(states));
    expect(lines.out).toContain('bound: depth 5, 1000000 states, clock up to tick 6');
    expect(lines.out[0]).toBe(
      'model: primary and secondary endpoint machines, 2 addresses (10.0.0.1 lent to the ' +
        'secondary), 2 clients, MCLT 2 ticks, desired lease 4 ticks, STARTUP timer policy ' +
        'keep-waiting',
    );
    for (const name of [
      'single-client-per-address',
      'lease-within-mclt',
      'normal-bindings-agree',
    ]) {
      expect(
        lines.out.some((line) =>
          line.startsWith(`invariant ${name}: holds in every explored state`),
        ),
      ).toBe(true);
    }
  });

  it('rejects a depth that is not a whole number', () => {
    const lines = new Lines();

    expect(runModelCheck({ depth: 'deep' }, lines.output)).toBe(EXIT_USAGE);
    expect(lines.errors).toEqual([
      'dhcpf model-check: invalid --depth "deep", expected a whole number of at least 0',
    ]);
    expect(lines.out).toEqual([]);
  });

  it('rejects an unknown PARTNER-DOWN premise', () => {
    const lines = new Lines();

    expect(runModelCheck({ partnerDownPremise: 'always' }, lines.output)).toBe(EXIT_USAGE);
    expect(lines.errors[0]).toContain('expected unreachable or not-operating');
  });
});

describe('model check of the STARTUP timer policies', () => {
  it('finds a duplicate lease when a restarted server resumes on STARTUP expiry (FO-9.3.2-g)', () => {
    const lines = new Lines();

    const status = runModelCheck(
      { depth: '7', addresses: '1', halts: false, startupExpiry: 'previous-state' },
      lines.output,
    );

    expect(status).toBe(EXIT_VIOLATION);
    expect(lines.out.slice(-8)).toEqual([
      'counterexample (7 steps from the initial world, shortest):',
      '  1. secondary restarts',
      '  2. tick 1',
      '  3. tick 2',
      '  4. primary PARTNER_DOWN since 0',
      '  5. primary ALLOCATE 10.0.0.1 to client-1 until 4',
      '  6. secondary STARTUP_EXPIRED',
      '  7. secondary ALLOCATE 10.0.0.1 to client-2 until 4',
    ]);
  });

  it('rejects an unknown STARTUP policy', () => {
    const lines = new Lines();

    expect(runModelCheck({ startupExpiry: 'wait' }, lines.output)).toBe(EXIT_USAGE);
    expect(lines.errors[0]).toContain('invalid --startup-expiry "wait"');
  });
});

describe('model check with a broken allocation rule', () => {
  const result = checkModel(
    { leaseGuards: partnerPoolInCommunicationsInterrupted },
    { maxDepth: 6 },
  );

  it('finds an address leased to two clients (FO-9.9.2-a)', () => {
    expect(result.violation?.invariant.name).toBe('single-client-per-address');
    expect(result.stoppedBy).toBe('violation');
    expect(result.violation?.message).toBe(
      '10.0.0.1 is leased to client-1 until 2 and to client-2 until 2 at tick 0',
    );
  });

  it('gives the shortest path: partition, notice, and one allocation on each side', () => {
    expect(result.violation?.path).toEqual([
      'connection lost',
      'primary COMMUNICATIONS_FAILED',
      'primary ALLOCATE 10.0.0.1 to client-1 until 2',
      'secondary ALLOCATE 10.0.0.1 to client-2 until 2',
    ]);
  });

  it('prints the counterexample after the violated invariant', () => {
    const report = formatCheckReport(result);
    const violated = report.findIndex((line) =>
      line.startsWith('invariant single-client-per-address: VIOLATED: 10.0.0.1 is leased'),
    );
    const header = report.indexOf('counterexample (4 steps from the initial world, shortest):');

    expect(violated).toBeGreaterThan(0);
    expect(header).toBeGreaterThan(violated);
    expect(report.slice(header + 1)).toEqual(
      (result.violation?.path ?? []).map((label, index) => `  ${index + 1}. ${label}`),
    );
  });

  it('exits with the violation status and prints the path through the command', () => {
    const lines = new Lines();

    const status = runModelCheck({ depth: '6' }, lines.output, {
      leaseGuards: partnerPoolInCommunicationsInterrupted,
    });

    expect(status).toBe(EXIT_VIOLATION);
    expect(lines.out).toContain('  4. secondary ALLOCATE 10.0.0.1 to client-2 until 2');
    expect(lines.out.some((line) => line.includes('(stopped at the first violation)'))).toBe(true);
  });
});
