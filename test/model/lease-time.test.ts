import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import {
  leaseToOffer,
  maxClientExpiry,
  partnerDownReuseTime,
  potentialExpirationToSend,
} from '../../model/lease-time.js';

const now = 1_796_399_501;
const mclt = 600;

describe('maxClientExpiry', () => {
  it('gives a new lease only MCLT (FO-7.1.5-c)', () => {
    expect(maxClientExpiry({ now, mclt })).toBe(now + mclt);
  });

  it('extends MCLT beyond the later of the acked and received PET (FO-7.1.5-c, E-11)', () => {
    expect(maxClientExpiry({ now, ackedPet: now + 100, receivedPet: now + 300, mclt })).toBe(
      now + 300 + mclt,
    );
    expect(maxClientExpiry({ now, ackedPet: now + 500, receivedPet: now + 300, mclt })).toBe(
      now + 500 + mclt,
    );
  });

  it('ignores PETs that have passed (FO-7.1.5-c)', () => {
    expect(maxClientExpiry({ now, ackedPet: now - 5_000, receivedPet: now - 1, mclt })).toBe(
      now + mclt,
    );
  });

  const time = fc.integer({ min: 0, max: 2 ** 32 - 1 });
  const optionalTime = fc.option(time, { nil: undefined });

  test.prop([time, optionalTime, optionalTime, fc.integer({ min: 0, max: 86_400 })])(
    'never exceeds MCLT beyond the latest PET the partner knows (FO-5.2.1-c)',
    (start, ackedPet, receivedPet, leadTime) => {
      const expiry = maxClientExpiry({ now: start, ackedPet, receivedPet, mclt: leadTime });

      expect(expiry).toBe(Math.max(start, ackedPet ?? start, receivedPet ?? start) + leadTime);
      expect(expiry).toBeGreaterThanOrEqual(start + leadTime);
    },
  );
});

describe('leaseToOffer', () => {
  it('follows the worked example: 1 h first, then the full 3 days (FO-5.2.1-c)', () => {
    const hour = 3_600;
    const desiredLease = 3 * 86_400;
    const first = leaseToOffer({ now, desiredLease, mclt: hour });
    const ackedPet = now + hour / 2 + desiredLease;
    const renewal = leaseToOffer({ now: now + hour / 2, desiredLease, ackedPet, mclt: hour });

    expect(first).toBe(hour);
    expect(renewal).toBe(desiredLease);
  });

  it('gives the desired lease when it is shorter than MCLT', () => {
    expect(leaseToOffer({ now, desiredLease: 300, mclt })).toBe(300);
  });
});

describe('potentialExpirationToSend', () => {
  it('sends now + desired + actual / 2 under the ISC policy (ISC-9)', () => {
    const pet = potentialExpirationToSend({
      now,
      desiredLease: 86_400,
      actualLease: 600,
      policy: { kind: 'isc' },
    });

    expect(pet).toBe(now + 86_400 + 300);
  });

  it('adds a fixed interval to the lease under the beyond-lease policy', () => {
    const pet = potentialExpirationToSend({
      now,
      desiredLease: 86_400,
      actualLease: 600,
      policy: { kind: 'beyond-lease', seconds: 3_600 },
    });

    expect(pet).toBe(now + 600 + 3_600);
  });

  it('keeps the PET later than the lease expiry (FO-7.1.1-f)', () => {
    const zeroExtension = potentialExpirationToSend({
      now,
      desiredLease: 600,
      actualLease: 600,
      policy: { kind: 'beyond-lease', seconds: 0 },
    });
    const zeroLease = potentialExpirationToSend({
      now,
      desiredLease: 0,
      actualLease: 0,
      policy: { kind: 'isc' },
    });

    expect(zeroExtension).toBe(now + 601);
    expect(zeroLease).toBe(now + 1);
  });
});

describe('partnerDownReuseTime', () => {
  it('waits MCLT after PD entry when nothing later is known (FO-9.4.2-c, FO-9.4.2-d)', () => {
    expect(partnerDownReuseTime({ partnerDownSince: now, mclt })).toBe(now + mclt);
    expect(
      partnerDownReuseTime({ partnerDownSince: now, mclt, leaseExpirationTime: now - 9 }),
    ).toBe(now + mclt);
  });

  it('waits MCLT beyond the latest expiry or PET either side knows (FO-7.1.5-d, E-15)', () => {
    const reuse = partnerDownReuseTime({
      partnerDownSince: now,
      mclt,
      leaseExpirationTime: now + 1_000,
      sentPet: now + 4_000,
      ackedPet: now + 3_000,
      receivedPet: now + 2_000,
    });

    expect(reuse).toBe(now + 4_000 + mclt);
  });
});
