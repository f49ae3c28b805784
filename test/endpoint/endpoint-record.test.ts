import { describe, expect, it } from 'vitest';
import { endpointInputOf } from '../../src/endpoint/endpoint-record.js';
import type { EndpointRecord } from '../../src/store/types.js';

const record: EndpointRecord = {
  relationship: 'fo',
  state: 'NORMAL',
  startTimeOfState: 1_700_000_000,
  previousState: 'RECOVER',
  lastOperatingTime: 1_700_000_500,
  hasSyncedBefore: true,
};

describe('endpointInputOf', () => {
  it('starts a first run with no previous state and failure time 0 (FO-9.3.2-a)', () => {
    expect(endpointInputOf(undefined, 'secondary')).toEqual({
      role: 'secondary',
      previousState: undefined,
      lastOperatingTime: 0,
      hasSyncedBefore: false,
      storageLost: false,
    });
  });

  it('resumes the recorded state (FO-9.2-e)', () => {
    expect(endpointInputOf(record, 'primary')).toMatchObject({
      previousState: 'NORMAL',
      lastOperatingTime: 1_700_000_500,
      hasSyncedBefore: true,
    });
  });

  it.each(['PAUSED', 'SHUTDOWN', 'STARTUP'] as const)(
    'resumes the state held before %s (FO-9.13.2-a)',
    (state) => {
      expect(endpointInputOf({ ...record, state }, 'primary').previousState).toBe('RECOVER');
    },
  );
});
