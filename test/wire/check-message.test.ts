import { describe, expect, it } from 'vitest';
import { checkMessage } from '../../src/wire/check-message.js';
import { buildMessage } from '../../src/wire/message-builder.js';
import { option } from '../../src/wire/options.js';
import type { FailoverMessage, FailoverOption, WireProfile } from '../../src/wire/types.js';
import { ISC_BNDUPD_MESSAGE } from '../fixtures/wire/isc-bndupd.js';
import { ISC_CONNECT_MESSAGE } from '../fixtures/wire/isc-connect.js';
import { ISC_STATE_MESSAGE } from '../fixtures/wire/isc-state.js';
import {
  MS_BNDUPD_MESSAGE,
  MS_CONNECT_MESSAGE,
  MS_UPDREQ_MESSAGE,
} from '../fixtures/wire/microsoft.js';

function withOptions(message: FailoverMessage, options: FailoverOption[]): FailoverMessage {
  return { ...message, options };
}

function without(message: FailoverMessage, code: number): FailoverMessage {
  return withOptions(
    message,
    message.options.filter((candidate) => candidate.code !== code),
  );
}

function codesOf(message: FailoverMessage, profile: WireProfile = 'isc', strict = false): string[] {
  return checkMessage(message, profile, { strict }).map((problem) =>
    `${problem.code} ${problem.rule} ${problem.optionCode ?? ''}`.trim(),
  );
}

const FREE_UPDATE: FailoverOption[] = [
  option(2, '10.0.0.9'),
  option(3, 1),
  option(13, 0),
  option(18, 0),
  option(25, 0),
];

describe('checkMessage', () => {
  it.each([
    ['ISC CONNECT', ISC_CONNECT_MESSAGE, 'isc'],
    ['ISC STATE', ISC_STATE_MESSAGE, 'isc'],
    ['ISC BNDUPD', ISC_BNDUPD_MESSAGE, 'isc'],
    ['Windows CONNECT', MS_CONNECT_MESSAGE, 'microsoft'],
    ['Windows UPDREQ', MS_UPDREQ_MESSAGE, 'microsoft'],
    ['Windows BNDUPD', MS_BNDUPD_MESSAGE, 'microsoft'],
  ] as const)('finds no problem in the %s fixture', (_name, message, profile) => {
    expect(checkMessage(message, profile)).toEqual([]);
  });

  it.each([22, 14, 19, 28, 20, 27, 15, 11])(
    'reports a CONNECT without option %i (FO-7.8.1-b..d)',
    (code) => {
      const problems = checkMessage(without(ISC_CONNECT_MESSAGE, code), 'isc');

      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatchObject({ code: 'FO_ERR_MISSING_OPTION', optionCode: code });
      expect(problems[0]?.rule).toMatch(/^FO-7\.8\.1-[bcd]$/);
    },
  );

  it('accepts a Windows CONNECT without TLS-request (MSF-3.2.7.1-b)', () => {
    expect(checkMessage(without(MS_CONNECT_MESSAGE, 27), 'microsoft')).toEqual([]);
  });

  it('reports an option repeated outside BNDUPD and BNDACK transactions (FO-6.2-c)', () => {
    const message = withOptions(ISC_STATE_MESSAGE, [...ISC_STATE_MESSAGE.options, option(24, 2)]);

    expect(checkMessage(message, 'isc')).toEqual([
      {
        code: 'FO_ERR_REPEATED_OPTION',
        rule: 'FO-6.2-c',
        message: 'STATE has server-state more than once, expected at most once',
        optionCode: 24,
        address: undefined,
      },
    ]);
  });

  it('allows the same option once in each transaction of a batched BNDUPD (FO-6.2-c)', () => {
    const message = withOptions(ISC_BNDUPD_MESSAGE, [
      ...FREE_UPDATE,
      ...FREE_UPDATE.map((candidate) =>
        candidate.code === 2 ? option(2, '10.0.0.10') : candidate,
      ),
    ]);

    expect(checkMessage(message, 'isc')).toEqual([]);
  });

  it('reports an option repeated inside one transaction (FO-6.2-c)', () => {
    const message = withOptions(ISC_BNDUPD_MESSAGE, [...FREE_UPDATE, option(25, 1)]);

    expect(codesOf(message)).toEqual(['FO_ERR_REPEATED_OPTION FO-6.2-c 25']);
    expect(checkMessage(message, 'isc')[0]?.address).toBe('10.0.0.9');
  });

  it('reports a BNDUPD transaction that does not start with assigned-IP-address (FO-6.3-b)', () => {
    const message = withOptions(ISC_BNDUPD_MESSAGE, [
      option(3, 1),
      ...FREE_UPDATE.filter((candidate) => candidate.code !== 3),
    ]);

    expect(codesOf(message)).toEqual([
      'FO_ERR_OPTION_ORDER FO-6.3-b 3',
      'FO_ERR_MISSING_OPTION FO-7.1.3-a 3',
    ]);
  });

  it('reports a BNDUPD without any transaction (FO-7.1.1-d)', () => {
    expect(codesOf(withOptions(ISC_BNDUPD_MESSAGE, []))).toEqual([
      'FO_ERR_NO_TRANSACTION FO-7.1.1-d 2',
    ]);
  });

  it('reports a missing binding-status with reject-reason 3 (FO-7.1.3-a)', () => {
    const problems = checkMessage(without(ISC_BNDUPD_MESSAGE, 3), 'isc');

    expect(problems).toMatchObject([
      { code: 'FO_ERR_MISSING_OPTION', rejectReason: 3, address: '10.77.1.0' },
    ]);
  });

  it.each([5, 13, 18, 6])('reports an ACTIVE update without option %i (FO-7.1.3-a)', (code) => {
    expect(codesOf(without(ISC_BNDUPD_MESSAGE, code))).toEqual([
      `FO_ERR_MISSING_OPTION FO-7.1.3-a ${code}`,
    ]);
  });

  it('reports client-hardware-address in an ABANDONED update (FO-5.11-a)', () => {
    const message = withOptions(ISC_BNDUPD_MESSAGE, [
      option(2, '10.0.0.9'),
      option(3, 5),
      option(5, { htype: 1, chaddr: Uint8Array.of(1) }),
    ]);

    expect(codesOf(message)).toEqual(['FO_ERR_FORBIDDEN_OPTION FO-5.11-a 5']);
  });

  it('accepts FREE with zero lease times and ACTIVE with PET equal to the lease end (ISC-13)', () => {
    expect(checkMessage(withOptions(ISC_BNDUPD_MESSAGE, FREE_UPDATE), 'isc')).toEqual([]);
    expect(checkMessage(ISC_BNDUPD_MESSAGE, 'isc')).toEqual([]);
  });

  it('reports those relaxed forms in a strict check (ISC-14)', () => {
    expect(codesOf(withOptions(ISC_BNDUPD_MESSAGE, FREE_UPDATE), 'isc', true)).toEqual([
      'FO_ERR_FORBIDDEN_OPTION FO-5.11-a 13',
      'FO_ERR_FORBIDDEN_OPTION FO-5.11-a 18',
    ]);
    expect(codesOf(ISC_BNDUPD_MESSAGE, 'isc', true)).toEqual([
      'FO_ERR_INVALID_VALUE FO-7.1.1-f 18',
    ]);
  });

  it('reports an ACTIVE PET before the lease end even when relaxed (FO-7.1.1-f)', () => {
    const options = ISC_BNDUPD_MESSAGE.options.map((candidate) =>
      candidate.code === 18 ? option(18, 1) : candidate,
    );

    expect(codesOf(withOptions(ISC_BNDUPD_MESSAGE, options))).toEqual([
      'FO_ERR_INVALID_VALUE FO-7.1.1-f 18',
    ]);
  });

  it('reports IP-flags bits 2-15 from an ISC partner (FO-12.12-a)', () => {
    expect(codesOf(withOptions(ISC_BNDUPD_MESSAGE, [...FREE_UPDATE, option(12, 4)]))).toEqual([
      'FO_ERR_INVALID_VALUE FO-12.12-a 12',
    ]);
  });

  it('reports an unknown binding-status with reject-reason 3 (FO-7.1.1-c, FO-7.1.3-a)', () => {
    const problems = checkMessage(
      withOptions(ISC_BNDUPD_MESSAGE, [option(2, '10.0.0.9'), option(3, 9)]),
      'isc',
    );

    expect(problems).toMatchObject([{ code: 'FO_ERR_INVALID_VALUE', rule: 'FO-7.1.1-c' }]);
    expect(problems[0]?.rejectReason).toBe(3);
  });

  it.each([0, 1])(
    'reports an ACTIVE PET of %i with reject-reason 3 (FO-7.1.1-f, FO-7.1.3-a)',
    (pet) => {
      const options = ISC_BNDUPD_MESSAGE.options.map((candidate) =>
        candidate.code === 18 ? option(18, pet) : candidate,
      );
      const problems = checkMessage(withOptions(ISC_BNDUPD_MESSAGE, options), 'isc');

      expect(problems).toMatchObject([{ code: 'FO_ERR_INVALID_VALUE', rule: 'FO-7.1.1-f' }]);
      expect(problems[0]?.rejectReason).toBe(3);
    },
  );

  it('accepts an infinite ACTIVE lease with an infinite PET in a strict check (FO-7.1.1-f)', () => {
    const options = ISC_BNDUPD_MESSAGE.options.map((candidate) =>
      candidate.code === 18 || candidate.code === 13
        ? option(candidate.code, 0xffff_ffff)
        : candidate,
    );

    expect(codesOf(withOptions(ISC_BNDUPD_MESSAGE, options), 'isc', true)).toEqual([]);
  });

  it('reports a Windows update without subnet mask with reject-reason 3 (MSF-3.1.5.2-c)', () => {
    const problems = checkMessage(without(MS_BNDUPD_MESSAGE, 33), 'microsoft');

    expect(problems).toMatchObject([
      { code: 'FO_ERR_MISSING_OPTION', rule: 'MSF-3.1.5.2-c', optionCode: 33, rejectReason: 3 },
    ]);
  });

  it('classifies a Windows redistribution update as FREE/BACKUP and forbids client options (AMB-3)', () => {
    const redistribution = [
      option(2, '192.168.1.40'),
      option(3, 2),
      option(12, 0),
      option(33, '255.255.255.0'),
    ];

    expect(checkMessage(withOptions(MS_BNDUPD_MESSAGE, redistribution), 'microsoft')).toEqual([]);
    expect(
      codesOf(withOptions(MS_BNDUPD_MESSAGE, [...redistribution, option(6, 5)]), 'microsoft'),
    ).toEqual(['FO_ERR_FORBIDDEN_OPTION MSF-3.1.5.2-b 6']);
  });

  it('skips every check of a Windows update deleted while communications were down (MSF-3.1.5.2-f)', () => {
    expect(
      checkMessage(
        withOptions(MS_BNDUPD_MESSAGE, [option(2, '192.168.1.40'), option(3, 1), option(12, 4)]),
        'microsoft',
      ),
    ).toEqual([]);
  });

  it('reports more than 16 updates in one Windows BNDUPD (MSF-3.1.4.2-c)', () => {
    const update = (index: number): FailoverOption[] => [
      option(2, `192.168.1.${index}`),
      option(3, 1),
      option(12, 0),
      option(33, '255.255.255.0'),
    ];
    const message = withOptions(
      MS_BNDUPD_MESSAGE,
      Array.from({ length: 17 }, (_, index) => update(index)).flat(),
    );

    expect(codesOf(message, 'microsoft')).toEqual(['FO_ERR_TOO_MANY_UPDATES MSF-3.1.4.2-c']);
  });

  it('requires the accept options in a CONNECTACK without reject-reason (FO-7.9.1-e)', () => {
    const accept = buildMessage(6, 0, 0, [option(22, 'fo'), option(20, 1)], 'isc');

    expect(codesOf(accept)).toEqual([
      'FO_ERR_MISSING_OPTION FO-7.9.1-e 14',
      'FO_ERR_MISSING_OPTION FO-7.9.1-e 19',
      'FO_ERR_MISSING_OPTION FO-7.9.1-e 28',
    ]);
  });

  it('reports accept-only options in a rejecting CONNECTACK (FO-7.9.1-b)', () => {
    const reject = buildMessage(
      6,
      0,
      0,
      [
        option(22, 'fo'),
        option(20, 1),
        option(21, 8),
        option(16, 'no such partner'),
        option(14, 10),
      ],
      'isc',
    );

    expect(codesOf(reject)).toEqual(['FO_ERR_FORBIDDEN_OPTION FO-7.9.1-b 14']);
  });

  it('reports STATE with server-state STARTUP (FO-12.24-a) and with bits 1-7 of server-flags (FO-12.23-a)', () => {
    const message = withOptions(ISC_STATE_MESSAGE, [option(24, 1), option(23, 3), option(25, 0)]);

    expect(codesOf(message)).toEqual([
      'FO_ERR_INVALID_VALUE FO-12.24-a 24',
      'FO_ERR_INVALID_VALUE FO-12.23-a 23',
    ]);
  });

  it('accepts server-state 254 for RECOVER-WAIT (E-5, ISC-7)', () => {
    expect(
      checkMessage(
        withOptions(ISC_STATE_MESSAGE, [option(24, 254), option(23, 0), option(25, 0)]),
        'isc',
      ),
    ).toEqual([]);
  });

  it('reports delayed-service-parameter 0 or without hash-bucket-assignment (FO-12.10-a)', () => {
    const message = withOptions(ISC_CONNECT_MESSAGE, [
      ...without(ISC_CONNECT_MESSAGE, 11).options,
      option(10, 0),
    ]);

    expect(codesOf(message)).toEqual([
      'FO_ERR_MISSING_OPTION FO-7.8.1-d 11',
      'FO_ERR_INVALID_VALUE FO-12.10-a 10',
      'FO_ERR_INVALID_VALUE FO-12.10-a 10',
    ]);
  });

  it('reports a message-digest that is not the first option (FO-12.17-a, E-7)', () => {
    const digest = option(17, { digestType: 1, digest: new Uint8Array(16) });
    const message = withOptions(ISC_STATE_MESSAGE, [...ISC_STATE_MESSAGE.options, digest]);

    expect(codesOf(message)).toEqual(['FO_ERR_OPTION_ORDER FO-12.17-a 17']);
    expect(
      checkMessage(withOptions(ISC_STATE_MESSAGE, [digest, ...ISC_STATE_MESSAGE.options]), 'isc'),
    ).toEqual([]);
  });

  it('reports vendor-specific-options without vendor-class-identifier (FO-12.29-a)', () => {
    const message = withOptions(ISC_STATE_MESSAGE, [...ISC_STATE_MESSAGE.options, option(29, [])]);

    expect(codesOf(message)).toEqual(['FO_ERR_MISSING_OPTION FO-12.29-a 28']);
  });

  it.each([
    ['DISCONNECT', 12, 21, 'FO-8.6-c'],
    ['POOLRESP', 2, 1, 'FO-7.7.1-a'],
  ])('reports a %s without its mandatory option', (_name, type, code, rule) => {
    expect(codesOf(buildMessage(type, 0, 0, [], 'isc'))).toEqual([
      `FO_ERR_MISSING_OPTION ${rule} ${code}`,
    ]);
  });

  it.each([
    [0, 'FO-6.1-d', 'close the connection'],
    [127, 'FO-6.1-d', 'close the connection'],
    [128, 'E-4', 'ignore the message'],
    [255, 'FO-6.1-d', 'ignore the message'],
  ])('reports unknown message type %i and what the receiver must do (%s)', (type, rule, action) => {
    const problems = checkMessage(buildMessage(type, 0, 0, [], 'isc'), 'isc');

    expect(problems).toHaveLength(1);
    expect(problems[0]?.rule).toBe(rule);
    expect(problems[0]?.message).toContain(action);
  });
});
