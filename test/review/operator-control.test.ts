import { createConnection, type Socket } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { sendControlRequest } from '../../src/control/client.js';
import { executeCommand } from '../../src/control/commands.js';
import { OperatorServices } from '../../src/control/operator-services.js';
import { PeerSupervisor } from '../../src/control/peer-supervisor.js';
import { parseSince, type ControlResponse } from '../../src/control/protocol.js';
import { MAX_QUEUED_REQUESTS } from '../../src/control/server.js';
import { createSilentLogger } from '../../src/log.js';
import { MessageCounter } from '../../src/metrics/message-counter.js';
import { ManualClock } from '../../src/peer/timers.js';
import { temporaryDirectory, testConfig, waitForState } from '../peer/peer-fixtures.js';
import {
  bothNormal,
  startOperated,
  startOperatedPair,
  type Operated,
} from '../operator/operator-fixtures.js';

/** A lone primary whose partner never accepts a connection, moved past STARTUP into RECOVER. */
async function lonePrimaryInRecover(): Promise<Operated> {
  const clock = new ManualClock();
  const primary = await startOperated(
    testConfig('primary', join(temporaryDirectory(), 'p.db')),
    clock,
  );
  clock.advance(primary.config.startupSeconds * 1000);
  await waitForState(primary.supervisor.peer, 'RECOVER');
  return primary;
}

function rejectionCodeOf(response: ControlResponse): string {
  if (response.ok) {
    throw new Error(`command accepted: ${response.action}`);
  }

  return response.code;
}

/** Connects a client that writes requests and never reads a response. */
async function connectNonReader(path: string): Promise<Socket> {
  const socket = createConnection(path);
  onTestFinished(() => {
    socket.destroy();
  });
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.pause();
  return socket;
}

describe('control socket with no running peer', () => {
  it('rejects status once the server stopped, instead of reading a closed store', async () => {
    const primary = await lonePrimaryInRecover();
    await primary.supervisor.stop();

    const response = await primary.request({ command: 'status' });

    expect(rejectionCodeOf(response)).toBe('FO_ERR_CONTROL_NOT_RUNNING');
  });

  it('rejects resume while a restart replaces the peer', async () => {
    const primary = await lonePrimaryInRecover();
    await primary.request({ command: 'pause' });

    const restarting = primary.supervisor.restart();
    const secondResume = (): unknown => executeCommand({ command: 'resume' }, primary.supervisor);
    expect(secondResume).toThrow(expect.objectContaining({ code: 'FO_ERR_CONTROL_NOT_RUNNING' }));
    await restarting;

    expect(primary.supervisor.running).toBe(true);
    expect(primary.supervisor.peer.state).toBe('STARTUP');
  });

  it('stops the new peer when a stop comes during a restart', async () => {
    const primary = await lonePrimaryInRecover();
    await primary.request({ command: 'pause' });

    const restarting = primary.supervisor.restart();
    await primary.supervisor.stop();
    await restarting;

    expect(primary.log.withEvent('peer.started')).toHaveLength(2);
    expect(primary.log.withEvent('peer.stopped')).toHaveLength(2);
    expect(primary.supervisor.running).toBe(false);
  });

  it('serves 503 on the metrics endpoint once the peer stopped', async () => {
    const directory = temporaryDirectory();
    const config = testConfig('primary', join(directory, 'p.db'), {
      metrics: { address: '127.0.0.1', port: 0 },
    });
    const logger = createSilentLogger();
    const supervisor = await PeerSupervisor.start(config, { logger });
    onTestFinished(() => supervisor.stop());
    const services = await OperatorServices.start({
      config,
      supervisor,
      messages: new MessageCounter(),
      logger,
    });
    onTestFinished(() => services.close());
    await supervisor.stop();

    const response = await fetch(`http://127.0.0.1:${services.metrics?.port ?? 0}/metrics`);

    expect(response.status).toBe(503);
    expect(await response.text()).toBe('peer not running: restarting or stopped\n');
  });
});

describe('control socket under load', () => {
  it('stops reading a client that sends without reading the responses', async () => {
    const primary = await lonePrimaryInRecover();
    const client = await connectNonReader(primary.control.path);

    // 10 000 status responses of about 1 KB each are far more than the socket buffers hold.
    client.write('{"command":"status"}\n'.repeat(10_000));

    // The server's side of the connection is private; the test reads it to see the pause.
    const serverSockets = (): Socket[] => [...primary.control['sockets']];
    await vi.waitFor(() => expect(serverSockets()[0]?.isPaused()).toBe(true));
    expect(MAX_QUEUED_REQUESTS).toBeLessThan(10_000);
  });

  it('answers other clients while one client does not read', async () => {
    const primary = await lonePrimaryInRecover();
    const client = await connectNonReader(primary.control.path);
    client.write('{"command":"status"}\n'.repeat(10_000));

    const responses = await Promise.all(
      Array.from({ length: 20 }, () => primary.request({ command: 'status' })),
    );

    expect(responses.every((response) => response.ok)).toBe(true);
  });
});

describe('control client errors', () => {
  it('names a missing socket and what to check', async () => {
    const path = join(temporaryDirectory(), 'missing.ctl');

    const request = sendControlRequest(path, { command: 'status' });

    await expect(request).rejects.toMatchObject({
      code: 'FO_ERR_CONTROL_UNREACHABLE',
      message: `control socket ${path}: no such socket; is \`dhcpf serve\` running with this config?`,
    });
  });
});

describe('partner-down since', () => {
  it.each([
    ['1.5'],
    ['-1'],
    ['1/2/3'],
    ['0'],
    ['2026-01-01 12:00'],
    ['2026-01-01T12:00'],
    ['2026-02-30T12:00:00Z'],
    ['tomorrow'],
    [''],
  ])('rejects the string %j ', (text) => {
    expect(() => parseSince(text)).toThrow(
      expect.objectContaining({ code: 'FO_ERR_CONTROL_INVALID_REQUEST' }),
    );
  });

  it.each([
    ['2026-01-01T12:00:00Z', 1_767_268_800],
    ['2026-01-01T13:00+01:00', 1_767_268_800],
    ['2026-01-01T12:00:00.900Z', 1_767_268_800],
    ['2024-02-29T00:00:00Z', 1_709_164_800],
  ])('reads %s as %d', (text, seconds) => {
    expect(parseSince(text)).toBe(seconds);
  });

  it('reads whole seconds since 1970 from a number', () => {
    expect(parseSince(1_767_268_800)).toBe(1_767_268_800);
  });
});

describe('partner-down since the partner was last known to operate', () => {
  it('rejects a time before communications failed (FO-5.2.1-a)', async () => {
    const pair = await startOperatedPair(temporaryDirectory());
    await bothNormal(pair);
    await pair.secondary.supervisor.stop();
    await waitForState(pair.primary.supervisor.peer, 'COMMUNICATIONS-INTERRUPTED');
    const failedAt = pair.primary.supervisor.peer.status().local.since;

    const early = await pair.primary.request({ command: 'partner-down', since: failedAt - 600 });

    const failedAtText = new Date(failedAt * 1000).toISOString().replace('.000Z', 'Z');
    expect(early).toMatchObject({
      ok: false,
      code: 'FO_ERR_CONTROL_INVALID_REQUEST',
      rules: ['FO-5.2.1-a'],
    });
    expect(early.ok ? '' : early.error).toContain(
      `expected ${failedAtText} or later, when COMMUNICATIONS-INTERRUPTED began, because the partner may have operated until then`,
    );
    expect(pair.primary.supervisor.peer.state).toBe('COMMUNICATIONS-INTERRUPTED');
  });

  it('takes the time communications failed (FO-5.2.1-a)', async () => {
    const pair = await startOperatedPair(temporaryDirectory());
    await bothNormal(pair);
    await pair.secondary.supervisor.stop();
    await waitForState(pair.primary.supervisor.peer, 'COMMUNICATIONS-INTERRUPTED');
    const failedAt = pair.primary.supervisor.peer.status().local.since;

    const response = await pair.primary.request({ command: 'partner-down', since: failedAt });

    expect(response.ok).toBe(true);
    expect(pair.primary.supervisor.peer.status().freeAddresses.local.partnersUsableAt).toBe(
      failedAt + pair.primary.supervisor.peer.mclt,
    );
  });

  it('rejects an earlier time while communications are ok (FO-5.2.1-a)', async () => {
    const pair = await startOperatedPair(temporaryDirectory());
    await bothNormal(pair);
    const now = pair.primary.supervisor.peer.status().now;

    const early = await pair.primary.request({ command: 'partner-down', since: now - 60 });

    expect(early).toMatchObject({ ok: false, rules: ['FO-5.2.1-a'] });
    expect(pair.primary.supervisor.peer.state).toBe('NORMAL');
  });
});

describe('resync in a halted state', () => {
  it('rejects resync in PAUSED with communications ok (FO-9.13.2-a)', async () => {
    const pair = await startOperatedPair(temporaryDirectory());
    await bothNormal(pair);
    await pair.primary.request({ command: 'pause' });
    // With communications ok, only the state can reject resync, not the FO-8.3-a check.
    await vi.waitFor(() =>
      expect(pair.primary.supervisor.peer.status().connection.communicationsOk).toBe(true),
    );

    const response = await pair.primary.request({ command: 'resync' });

    expect(response).toMatchObject({
      ok: false,
      code: 'FO_ERR_CONTROL_FORBIDDEN_IN_STATE',
      rules: ['FO-9.13.2-a'],
    });
  });
});
