import { describe, expect, it } from 'vitest';
import type { Role } from '../../model/endpoint-types.js';
import { DHCPMessageType } from '../../src/dhcp/packet.js';
import { DHCPLogEvent, type FailoverView, type FailoverViewConfig } from '../../src/dhcp/server.js';
import { hashBucketAssignmentForSplit } from '../../src/peer/hash-buckets.js';
import { ManualClock, nowSeconds } from '../../src/peer/timers.js';
import type { StoredBinding } from '../../src/store/types.js';
import { IP_FLAG_RESERVED, type FailoverStateName } from '../../src/wire/codes.js';
import { clientRequest } from './dhcp-client.js';
import {
  binding,
  openStoreWith,
  startFrontEnd,
  type RunningFrontEnd,
} from './front-end-fixture.js';

const MCLT = 600;
const POOL = { start: '192.0.2.10', end: '192.0.2.12' };
const CHADDR = Uint8Array.from([2, 0, 0, 0, 0, 7]);
const OTHER_CHADDR = Uint8Array.from([2, 0, 0, 0, 0, 8]);

interface Fixture extends RunningFrontEnd {
  view: { state: FailoverStateName; startTimeOfState?: number | undefined } & FailoverView;
  clock: ManualClock;
}

/** Starts a front end over a stub failover view in `state`, entered at the clock's time. */
async function serve(
  state: FailoverStateName,
  role: Role,
  bindings: StoredBinding[],
  config: Partial<FailoverViewConfig> = {},
): Promise<Fixture> {
  const store = openStoreWith(bindings);
  const clock = new ManualClock();
  const view = {
    state,
    startTimeOfState: nowSeconds(clock) as number | undefined,
    mclt: MCLT,
    hashBucketAssignment: hashBucketAssignmentForSplit(128),
    store,
    config: { role, pools: [POOL], ...config },
    sendPendingUpdates(): void {},
  };
  const { server, client, log } = await startFrontEnd(view, clock, {
    desiredLeaseSeconds: 7200,
    replyTo: 'source',
  });
  return { view, server, client, clock, log };
}

function discover(fixture: Fixture, chaddr: Uint8Array) {
  return fixture.client.exchangeOrSilence(
    clientRequest(chaddr, DHCPMessageType.DHCPDISCOVER),
    fixture.server,
  );
}

const allBackup = [
  binding('192.0.2.10', { bindingStatus: 'BACKUP' }),
  binding('192.0.2.11', { bindingStatus: 'BACKUP' }),
];

describe('DHCP server in PARTNER-DOWN', () => {
  it('gives the partner BACKUP addresses only from PARTNER-DOWN start + MCLT (FO-9.4.2-c)', async () => {
    const fixture = await serve('PARTNER-DOWN', 'primary', [
      ...allBackup,
      binding('192.0.2.12', {
        bindingStatus: 'ACTIVE',
        clientHardwareAddress: { htype: 1, chaddr: OTHER_CHADDR },
      }),
    ]);

    fixture.clock.advance((MCLT - 1) * 1000);
    const before = await discover(fixture, CHADDR);
    fixture.clock.advance(1000);
    const after = await discover(fixture, CHADDR);

    expect(before).toBeUndefined();
    expect(after?.yiaddr).toBe('192.0.2.10');
  });

  it('uses the own pool before the partner pool after the MCLT (FO-9.4.2-a)', async () => {
    const fixture = await serve('PARTNER-DOWN', 'primary', allBackup);
    fixture.clock.advance(MCLT * 1000);

    const offer = await discover(fixture, CHADDR);

    expect(offer?.yiaddr).toBe('192.0.2.12');
  });

  it('keeps the partner pool closed without a known PARTNER-DOWN start (FO-9.4.2-c)', async () => {
    const fixture = await serve('PARTNER-DOWN', 'primary', [
      ...allBackup,
      binding('192.0.2.12', { bindingStatus: 'ABANDONED' }),
    ]);
    fixture.view.startTimeOfState = undefined;
    fixture.clock.advance(86_400_000);

    expect(await discover(fixture, CHADDR)).toBeUndefined();
  });

  it('never gives the partner pool in COMMUNICATIONS-INTERRUPTED, however long (FO-9.9.2-a)', async () => {
    const fixture = await serve('COMMUNICATIONS-INTERRUPTED', 'primary', [
      ...allBackup,
      binding('192.0.2.12', { bindingStatus: 'ABANDONED' }),
    ]);
    fixture.clock.advance(86_400_000);

    expect(await discover(fixture, CHADDR)).toBeUndefined();
  });
});

describe('DHCP server with an exhausted own pool', () => {
  it('logs once at warn why it offers nothing, until an offer succeeds (FO-9.9.2-a)', async () => {
    const fixture = await serve('COMMUNICATIONS-INTERRUPTED', 'secondary', [
      binding('192.0.2.10', { bindingStatus: 'BACKUP' }),
    ]);

    await fixture.client.obtainLease(CHADDR);
    await discover(fixture, OTHER_CHADDR);
    await discover(fixture, Uint8Array.from([2, 0, 0, 0, 0, 9]));
    const lines = fixture.log.withEvent(DHCPLogEvent.POOL_EXHAUSTED);

    expect(lines).toHaveLength(1);
    expect(lines[0]?.['level']).toBe(40);
    expect(lines[0]?.['partnerAvailable']).toBe(2);
    expect(lines[0]?.['msg']).toBe(
      'no BACKUP address left for new clients in COMMUNICATIONS-INTERRUPTED; 2 FREE addresses ' +
        'belong to the partner and are usable only in PARTNER-DOWN, MCLT after it begins (FO-9.9.2-a)',
    );
  });
});

describe('DHCP server renewals', () => {
  it('stays silent to a RENEW of an address it has no ACTIVE binding of (FO-9.9.2-a)', async () => {
    const fixture = await serve('NORMAL', 'primary', [
      binding('192.0.2.11', {
        bindingStatus: 'EXPIRED',
        clientHardwareAddress: { htype: 1, chaddr: CHADDR },
      }),
    ]);

    const unknown = await fixture.client.exchangeOrSilence(
      clientRequest(CHADDR, DHCPMessageType.DHCPREQUEST, { ciaddr: '192.0.2.10' }),
      fixture.server,
    );
    const expired = await fixture.client.exchangeOrSilence(
      clientRequest(CHADDR, DHCPMessageType.DHCPREQUEST, { ciaddr: '192.0.2.11' }),
      fixture.server,
    );

    expect(unknown).toBeUndefined();
    expect(expired).toBeUndefined();
    expect(fixture.server.statistics.committed).toBe(0);
  });

  it('NAKs a RENEW of an address bound to another client (FO-9.9.2-a)', async () => {
    const fixture = await serve('COMMUNICATIONS-INTERRUPTED', 'primary', [
      binding('192.0.2.11', {
        bindingStatus: 'ACTIVE',
        clientHardwareAddress: { htype: 1, chaddr: OTHER_CHADDR },
      }),
    ]);

    const reply = await fixture.client.exchange(
      clientRequest(CHADDR, DHCPMessageType.DHCPREQUEST, { ciaddr: '192.0.2.11' }),
    );

    expect(reply.options.messageType).toBe(DHCPMessageType.DHCPNAK);
  });
});

describe('DHCP server with reservations', () => {
  const reservations = [{ address: '192.0.2.10', hardwareAddress: CHADDR }];

  it('offers a reserved FREE address only to its client (FO-5.13-a)', async () => {
    const fixture = await serve('COMMUNICATIONS-INTERRUPTED', 'primary', [], { reservations });

    const stranger = await discover(fixture, OTHER_CHADDR);
    const owner = await discover(fixture, CHADDR);

    expect(stranger?.yiaddr).toBe('192.0.2.11');
    expect(owner?.yiaddr).toBe('192.0.2.10');
  });

  it('NAKs a stranger that requests the reserved address (FO-5.13-a)', async () => {
    const fixture = await serve('COMMUNICATIONS-INTERRUPTED', 'primary', [], { reservations });

    const reply = await fixture.client.exchange(
      clientRequest(
        OTHER_CHADDR,
        DHCPMessageType.DHCPREQUEST,
        {},
        { requestedAddress: '192.0.2.10', serverIdentifier: '127.0.0.1' },
      ),
    );

    expect(reply.options.messageType).toBe(DHCPMessageType.DHCPNAK);
  });

  it('matches a reservation by client-identifier when the client sends one (FO-5.13-a)', async () => {
    const clientIdentifier = Uint8Array.of(0xff, 1, 2, 3);
    const fixture = await serve('COMMUNICATIONS-INTERRUPTED', 'primary', [], {
      reservations: [{ address: '192.0.2.12', hardwareAddress: OTHER_CHADDR, clientIdentifier }],
    });

    const offer = await fixture.client.exchangeOrSilence(
      clientRequest(CHADDR, DHCPMessageType.DHCPDISCOVER, {}, { clientIdentifier }),
      fixture.server,
    );

    expect(offer?.yiaddr).toBe('192.0.2.12');
  });

  it('offers a BACKUP address stored with R=1 but reserved nowhere here to nobody (FO-5.13-b)', async () => {
    const fixture = await serve('COMMUNICATIONS-INTERRUPTED', 'secondary', [
      binding('192.0.2.10', { bindingStatus: 'BACKUP', ipFlags: IP_FLAG_RESERVED }),
    ]);

    expect(await discover(fixture, CHADDR)).toBeUndefined();
  });
});
