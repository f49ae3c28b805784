// Random and raced runs of a real primary against a scripted partner. fast-check picks command
// sequences (connect, drop, acknowledge, renew, UPDREQALL, restart) and, with its scheduler, the
// order of racing stimuli; after every step the store must agree with the updates the partner received and acknowledged.

import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { sampleActiveBindings } from '../../src/endpoint/sample-bindings.js';
import { option } from '../../src/peer/options.js';
import { openLeaseStore } from '../../src/store/sqlite-store.js';
import type { StoredBinding } from '../../src/store/types.js';
import { MessageType, OptionCode } from '../../src/wire/codes.js';
import { POOL, RELATIONSHIP, waitForState } from '../peer/peer-fixtures.js';
import { recorder } from './coverage/recorder.js';
import { expectConsistent, PartnerLedger, storeContents } from './harness/partner-ledger.js';
import { PeerUnderTest, serverStateOf, waitUntil } from './harness/peer-under-test.js';
import { counterexamplePathOf, isSelected, replaySeed, withReplay } from './harness/replay.js';
import { SAFE_PERIOD_SECONDS, STARTUP_SECONDS } from './harness/timing.js';

const TEST_FILE = 'test/mbt/races.test.ts';
const LEASES = 4;
/** Runs per property: 4 in CI, because each run starts a real peer; DHCPF_MBT_RUNS sets more. */
const RUNS = Number(process.env['DHCPF_MBT_RUNS'] ?? 4);

const seed = replaySeed ?? Math.floor(Math.random() * 0x7fffffff);

/** Starts a primary recorded in NORMAL with LEASES pending leases and brings it back to NORMAL. */
async function primaryInNORMAL(): Promise<PeerUnderTest> {
  const harness = await PeerUnderTest.start({
    role: 'primary',
    recordedState: 'NORMAL',
    bindings: sampleActiveBindings(LEASES, POOL.start, Math.floor(Date.UTC(2026, 0, 1) / 1000)),
  });
  harness.partnerWindow = 2;
  await reachNORMAL(harness);
  return harness;
}

async function reachNORMAL(harness: PeerUnderTest): Promise<void> {
  await harness.connect();
  harness.sendSTATE('NORMAL', false, harness.t0);
  await waitForState(harness.peer, 'NORMAL');
}

/** Acknowledges every BNDUPD until nothing is pending: the partner then has every lease. */
async function synchronize(harness: PeerUnderTest, ledger: PartnerLedger): Promise<void> {
  const store = harness.peer.store;
  const pending = (): string => store.pendingAddresses(LEASES).join(', ');
  await waitUntil(
    () => {
      ledger.acknowledgeNew(harness.requirePartner());
      return store.countPending() === 0;
    },
    () => `every lease acknowledged, still pending: ${pending()}`,
  );
}

/** Agreement after NORMAL: the partner saw each lease as the store holds it now. */
function expectAgreement(harness: PeerUnderTest, ledger: PartnerLedger): void {
  for (const binding of harness.peer.store.allBindings()) {
    expect(ledger.seen.get(binding.address)?.leaseExpirationTime).toBe(binding.leaseExpirationTime);
  }
}

/** Restarts the peer and checks that the restart changed nothing in the store. */
async function restartKeepingStore(harness: PeerUnderTest): Promise<void> {
  let atStop: StoredBinding[] = [];
  await harness.restart(() => {
    const store = openLeaseStore(harness.storePath);
    atStop = storeContents(store);
    store.close();
  });

  expect(storeContents(harness.peer.store)).toEqual(atStop);
}

interface Model {
  connected: boolean;
}

interface Real {
  harness: PeerUnderTest;
  ledger: PartnerLedger;
}

type Command = fc.AsyncCommand<Model, Real>;

function command(
  name: string,
  check: (model: Readonly<Model>) => boolean,
  run: (model: Model, real: Real) => Promise<void>,
): Command {
  return {
    check,
    run: async (model, real) => {
      await run(model, real);
      expectConsistent(real.harness.peer.store, real.ledger);
    },
    toString: () => name,
  };
}

const connectCommand = command(
  'connect',
  (model) => !model.connected,
  async (model, { harness }) => {
    await reachNORMAL(harness);
    model.connected = true;
  },
);

const dropCommand = command(
  'drop',
  (model) => model.connected,
  async (model, { harness }) => {
    await harness.dropConnection();
    await waitForState(harness.peer, 'COMMUNICATIONS-INTERRUPTED');
    model.connected = false;
  },
);

const acknowledgeCommand = command(
  'acknowledge',
  (model) => model.connected,
  async (_, { harness, ledger }) => {
    const mark = recorder.mark;
    const sent = ledger.acknowledgeNew(harness.requirePartner());
    const processed = (): number =>
      recorder
        .stepsSince(mark)
        .filter((step) => step.machine === 'update-flow' && step.eventType === 'BNDACK').length;
    await waitUntil(() => processed() >= sent, `${sent} BNDACKs processed`);
  },
);

function renewCommand(index: number): Command {
  return command(
    `renew ${index}`,
    () => true,
    (_, { harness }) => {
      const store = harness.peer.store;
      const address = [...store.allBindings()][index]?.address ?? POOL.start;
      const binding = store.getBinding(address);
      if (binding !== undefined) {
        const leaseExpirationTime = (binding.leaseExpirationTime ?? 0) + 3600;
        store.putBindings([
          {
            ...binding,
            leaseExpirationTime,
            pendingUpdate: true,
            updateSeq: binding.updateSeq + 1,
          },
        ]);
        harness.peer.sendPendingUpdates();
      }

      return Promise.resolve();
    },
  );
}

const updreqallCommand = command(
  'UPDREQALL',
  (model) => model.connected,
  (_, { harness }) => {
    harness.requirePartner().send(MessageType.UPDREQALL, [], 90);
    return Promise.resolve();
  },
);

const restartCommand = command(
  'restart',
  () => true,
  async (model, { harness }) => {
    await restartKeepingStore(harness);
    model.connected = false;
  },
);

const commands = [
  fc.constant(connectCommand),
  fc.constant(dropCommand),
  fc.constant(acknowledgeCommand),
  fc.integer({ min: 0, max: LEASES - 1 }).map(renewCommand),
  fc.constant(updreqallCommand),
  fc.constant(restartCommand),
];

/** Runs a property with the run's seed, and the counterexample path when one is replayed. */
function assertProperty<T extends [unknown, ...unknown[]]>(
  id: string,
  property: fc.IAsyncPropertyWithHooks<T>,
): Promise<void> {
  const path = counterexamplePathOf(id);
  return fc.assert(property, {
    numRuns: RUNS,
    seed,
    endOnFailure: true,
    ...(path === undefined ? {} : { path }),
  });
}

/** Declares a property test that `DHCPF_MBT_PATH` can select and that prints its replay line. */
function propertyTest(
  id: string,
  title: string,
  property: () => fc.IAsyncPropertyWithHooks<[unknown, ...unknown[]]>,
) {
  it.runIf(isSelected(id))(`${title}`, () =>
    withReplay(id, TEST_FILE, () => assertProperty(id, property()), seed),
  );
}

beforeAll(() => {
  console.log(`fast-check seed ${seed}: replay with DHCPF_MBT_SEED=${seed}`);
});

describe('binding updates under random steps', () => {
  propertyTest(
    'random:commands',
    'keeps the store consistent with the partner and agrees after NORMAL (FO-7.2.2-a, FO-7.2-b)',
    () =>
      fc.asyncProperty(fc.commands(commands, { maxCommands: 8 }), async (sequence) => {
        const harness = await primaryInNORMAL();
        const real: Real = { harness, ledger: new PartnerLedger() };
        await fc.asyncModelRun(() => ({ model: { connected: true }, real }), sequence);
        if (harness.partner === undefined) {
          await reachNORMAL(harness);
        }

        await synchronize(harness, real.ledger);
        expectAgreement(harness, real.ledger);
      }),
  );
});

describe('races on a real peer', () => {
  propertyTest(
    'race:bndack-disconnect',
    'loses no acknowledgement when BNDACKs race a DISCONNECT (FO-7.2-b, FO-7.2.2-a)',
    () =>
      fc.asyncProperty(fc.scheduler(), async (scheduler) => {
        const harness = await primaryInNORMAL();
        const ledger = new PartnerLedger();
        const partner = harness.requirePartner();
        await waitUntil(
          () =>
            partner.received.filter((message) => message.type === MessageType.BNDUPD).length >= 2,
          'the first window of BNDUPDs',
        );
        const acknowledged = scheduler.schedule(Promise.resolve('BNDACK')).then(() => {
          ledger.acknowledgeNew(partner);
        });
        const disconnected = scheduler.schedule(Promise.resolve('DISCONNECT')).then(() => {
          partner.send(MessageType.DISCONNECT, [option(OptionCode.REJECT_REASON, 0)], 7);
        });
        await scheduler.waitAll();
        await Promise.all([acknowledged, disconnected]);
        await waitForState(harness.peer, 'COMMUNICATIONS-INTERRUPTED');
        expectConsistent(harness.peer.store, ledger);

        // FO-7.9-a: after a DISCONNECT the primary waits a minute before connecting again.
        harness.advance(60);
        await reachNORMAL(harness);
        await synchronize(harness, ledger);
        expectAgreement(harness, ledger);
      }),
  );

  propertyTest(
    'race:timer-state',
    'announces and stores one state when a timer races an incoming STATE (FO-9.2-a, FO-7.10-b, FO-9.3.2-d)',
    () =>
      fc.asyncProperty(fc.scheduler(), fc.boolean(), async (scheduler, safePeriod) => {
        const harness = await PeerUnderTest.start({ role: 'secondary', recordedState: 'NORMAL' });
        if (safePeriod) {
          harness.advance(STARTUP_SECONDS);
        }

        await harness.connect();
        const mark = recorder.mark;
        const timer = scheduler.schedule(Promise.resolve('timer')).then(() => {
          harness.advance(safePeriod ? SAFE_PERIOD_SECONDS : STARTUP_SECONDS);
        });
        const state = scheduler.schedule(Promise.resolve('STATE')).then(() => {
          harness.sendSTATE('NORMAL', false, harness.t0);
        });
        await scheduler.waitAll();
        await Promise.all([timer, state]);
        await waitUntil(
          () => recorder.stepsSince(mark).some((step) => step.eventType === 'PARTNER_STATE'),
          'the STATE processed',
        );

        const peer = harness.peer;
        // A partner in NORMAL never leaves this server in PARTNER-DOWN (FO-9.4.3-b).
        expect(['NORMAL', 'POTENTIAL-CONFLICT']).toContain(peer.state);
        expect(peer.store.readEndpoint(RELATIONSHIP)?.state).toBe(peer.state);
        await waitUntil(() => {
          const sent = harness
            .requirePartner()
            .received.filter((m) => m.type === MessageType.STATE);
          return serverStateOf(sent.at(-1) ?? sent[0]!) === peer.state;
        }, `STATE ${peer.state} announced last`);
      }),
  );

  propertyTest(
    'race:updreqall-restart',
    'keeps every lease and its acknowledgement when UPDREQALL races a restart (FO-5.17-b, FO-9.2-e)',
    () =>
      fc.asyncProperty(fc.scheduler(), async (scheduler) => {
        const harness = await primaryInNORMAL();
        const ledger = new PartnerLedger();
        await synchronize(harness, ledger);
        const partner = harness.requirePartner();
        const request = scheduler.schedule(Promise.resolve('UPDREQALL')).then(() => {
          partner.send(MessageType.UPDREQALL, [], 91);
        });
        const restart = scheduler
          .schedule(Promise.resolve('restart'))
          .then(() => restartKeepingStore(harness));
        await scheduler.waitAll();
        await Promise.all([request, restart]);

        expect(harness.peer.store.countBindings()).toBe(LEASES);
        expectConsistent(harness.peer.store, ledger);
        await reachNORMAL(harness);
        harness.requirePartner().send(MessageType.UPDREQALL, [], 92);
        await synchronize(harness, ledger);
        expectAgreement(harness, ledger);
      }),
  );
});
