import { spawnSync } from 'node:child_process';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { sendControlRequest } from '../../src/control/client.js';
import type {
  ControlAccepted,
  ControlRejected,
  ControlResponse,
} from '../../src/control/protocol.js';
import { ControlServer } from '../../src/control/server.js';
import { ManualClock } from '../../src/peer/timers.js';
import { createSilentLogger } from '../../src/log.js';
import { openLeaseStore } from '../../src/store/sqlite-store.js';
import { temporaryDirectory, testConfig, waitForState } from '../peer/peer-fixtures.js';
import {
  bothNormal,
  settled,
  startOperated,
  startOperatedPair,
  type Operated,
} from './operator-fixtures.js';

function acceptedOf(response: ControlResponse): ControlAccepted {
  if (!response.ok) {
    throw new Error(`command refused: ${response.code} ${response.error}`);
  }

  return response;
}

function rejectedOf(response: ControlResponse): ControlRejected {
  if (response.ok) {
    throw new Error(`command accepted: ${response.action}`);
  }

  return response;
}

/** A lone primary whose partner never accepts a connection, moved past STARTUP into RECOVER. */
async function lonePrimaryInRecover(): Promise<Operated> {
  const directory = temporaryDirectory();
  const clock = new ManualClock();
  const primary = await startOperated(testConfig('primary', join(directory, 'p.db')), clock);
  clock.advance(primary.config.startupSeconds * 1000);
  await waitForState(primary.supervisor.peer, 'RECOVER');
  return primary;
}

/** Sends raw text to a control socket and returns the first response line, parsed. */
function sendRaw(path: string, text: string): Promise<ControlResponse> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path, () => socket.write(text));
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      received += chunk;
      const newline = received.indexOf('\n');
      if (newline !== -1) {
        socket.end();
        resolve(JSON.parse(received.slice(0, newline)) as ControlResponse);
      }
    });
    socket.on('error', reject);
  });
}

describe('control socket', () => {
  it('is a socket with mode 0600 that answers status', async () => {
    const primary = await lonePrimaryInRecover();

    const mode = statSync(primary.control.path).mode;
    const response = acceptedOf(await primary.request({ command: 'status', id: 7 }));

    expect(statSync(primary.control.path).isSocket()).toBe(true);
    expect(mode & 0o777).toBe(0o600);
    expect(response.id).toBe(7);
    expect(response.status?.local.state).toBe('RECOVER');
    expect(response.status?.partner).toBeNull();
  });

  it('rejects a path where a server listens', async () => {
    const primary = await lonePrimaryInRecover();

    const started = ControlServer.start({
      path: primary.control.path,
      target: primary.supervisor,
      logger: createSilentLogger(),
    });

    await expect(started).rejects.toMatchObject({ code: 'FO_ERR_CONTROL_SOCKET_IN_USE' });
    expect(acceptedOf(await primary.request({ command: 'status' })).command).toBe('status');
  });

  it('removes a stale socket file and listens in its place', async () => {
    const path = join(temporaryDirectory(), 'stale.ctl');
    // A process killed while listening leaves its socket file behind, and no process accepts on it.
    const script = `require('node:net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`;
    spawnSync(process.execPath, ['-e', script]);
    const primary = await lonePrimaryInRecover();

    const wasSocket = statSync(path).isSocket();
    const control = await ControlServer.start({
      path,
      target: primary.supervisor,
      logger: createSilentLogger(),
    });
    onTestFinished(() => control.close());

    expect(wasSocket).toBe(true);
    expect(acceptedOf(await sendControlRequest(path, { command: 'status' })).ok).toBe(true);
  });

  it('rejects a path that is not a socket', async () => {
    const primary = await lonePrimaryInRecover();
    const path = join(temporaryDirectory(), 'file.ctl');
    writeFileSync(path, 'not a socket');

    const started = ControlServer.start({
      path,
      target: primary.supervisor,
      logger: createSilentLogger(),
    });

    await expect(started).rejects.toMatchObject({ code: 'FO_ERR_CONTROL_SOCKET_PATH_TAKEN' });
    expect(existsSync(path)).toBe(true);
  });

  it('answers an invalid line and an unknown command with FO_ERR_CONTROL_INVALID_REQUEST', async () => {
    const primary = await lonePrimaryInRecover();

    const notJson = rejectedOf(await sendRaw(primary.control.path, 'status please\n'));
    const unknown = rejectedOf(await sendRaw(primary.control.path, '{"command":"reboot"}\n'));

    expect(notJson.code).toBe('FO_ERR_CONTROL_INVALID_REQUEST');
    expect(unknown.code).toBe('FO_ERR_CONTROL_INVALID_REQUEST');
    expect(unknown.error).toBe(
      'request command is "reboot", expected one of status, partner-down, shutdown, resync, pause, resume',
    );
  });
});

describe('control commands in RECOVER and PAUSED', () => {
  it('rejects partner-down in RECOVER (FO-9.8.4-a, FO-9.9.3-a, FO-9.11.3-a)', async () => {
    const primary = await lonePrimaryInRecover();

    const rejected = rejectedOf(await primary.request({ command: 'partner-down' }));

    expect(rejected.code).toBe('FO_ERR_CONTROL_FORBIDDEN_IN_STATE');
    expect(rejected.rules).toEqual(['FO-9.8.4-a', 'FO-9.9.3-a', 'FO-9.11.3-a']);
    expect(rejected.error).toBe(
      'partner-down is not accepted in RECOVER, only in NORMAL (FO-9.8.4-a), ' +
        'COMMUNICATIONS-INTERRUPTED (FO-9.9.3-a), RESOLUTION-INTERRUPTED (FO-9.11.3-a)',
    );
    expect(primary.supervisor.peer.state).toBe('RECOVER');
  });

  it('rejects resync without communications (FO-8.3-a)', async () => {
    const primary = await lonePrimaryInRecover();

    const rejected = rejectedOf(await primary.request({ command: 'resync' }));

    expect(rejected.code).toBe('FO_ERR_CONTROL_NOT_CONNECTED');
    expect(rejected.rules).toEqual(['FO-8.3-a']);
  });

  it('pauses, rejects what PAUSED forbids, resumes by a restart (FO-9.13-a, FO-9.13.2-a)', async () => {
    const primary = await lonePrimaryInRecover();
    const firstPeer = primary.supervisor.peer;

    const rejectedResume = rejectedOf(await primary.request({ command: 'resume' }));
    const paused = acceptedOf(await primary.request({ command: 'pause' }));
    const rejectedPause = rejectedOf(await primary.request({ command: 'pause' }));
    const rejectedPartnerDown = rejectedOf(await primary.request({ command: 'partner-down' }));
    const resumed = acceptedOf(await primary.request({ command: 'resume' }));
    await vi.waitFor(() => expect(primary.supervisor.peer).not.toBe(firstPeer));

    expect(rejectedResume.rules).toEqual(['FO-9.13.2-a']);
    expect(paused.action).toBe(
      'entered PAUSED from RECOVER and announced it to the partner; resume or a restart returns to RECOVER',
    );
    expect(paused.rules).toEqual(['FO-9.13-a', 'FO-9.13.1-a']);
    expect(rejectedPause.error).toBe(
      'pause is not accepted in PAUSED, which only a restart leaves (FO-9.13.2-a); resume restarts the server',
    );
    expect(rejectedPartnerDown.rules).toEqual(['FO-9.13.2-a']);
    expect(resumed.rules).toContain('FO-9.13.2-a');
    expect(primary.supervisor.peer.state).toBe('STARTUP');
    expect(primary.supervisor.peer.status().local.state).toBe('STARTUP');
    expect(primary.supervisor.peer.store.readEndpoint(primary.config.name)?.previousState).toBe(
      'RECOVER',
    );
  });
});

describe('control commands on a connected pair', () => {
  it('reports both endpoints in NORMAL with no unacknowledged updates', async () => {
    const pair = await startOperatedPair(temporaryDirectory(), {}, 20);
    await bothNormal(pair);
    await settled(pair);

    const status = acceptedOf(await pair.primary.request({ command: 'status' })).status;

    expect(status?.local.state).toBe('NORMAL');
    expect(status?.partner?.state).toBe('NORMAL');
    expect(status?.connection.communicationsOk).toBe(true);
    expect(status?.connection.clockSkewSeconds).toBe(0);
    expect(status?.updates.unacknowledged).toBe(0);
    expect(status?.bindings).toBe(pair.primary.supervisor.peer.store.countBindings());
    expect(status?.bindings).toBeGreaterThanOrEqual(20);
    expect(status?.waiting).toBeNull();
  });

  it('resyncs with UPDREQALL and receives every binding again (FO-7.4.2-a)', async () => {
    const pair = await startOperatedPair(temporaryDirectory(), {}, 30);
    await bothNormal(pair);
    await settled(pair);
    const before = pair.secondary.supervisor.peer.statistics.bindingsReceived;
    const initialSync = pair.secondary.supervisor.lastSync();

    const response = acceptedOf(await pair.secondary.request({ command: 'resync' }));
    await vi.waitFor(() => {
      const sync = pair.secondary.supervisor.lastSync();
      expect(sync).not.toBe(initialSync);
      expect(sync?.done).toBe(true);
    });

    expect(response.action).toBe('sent UPDREQALL; the partner sends every binding, then UPDDONE');
    expect(pair.secondary.supervisor.peer.statistics.bindingsReceived - before).toBe(
      pair.primary.supervisor.peer.store.countBindings(),
    );
    expect(pair.secondary.supervisor.peer.state).toBe('NORMAL');
  });

  it('takes partner-down in COMMUNICATIONS-INTERRUPTED (FO-9.9.3-a, FO-9.4.2-c)', async () => {
    const pair = await startOperatedPair(temporaryDirectory());
    await bothNormal(pair);
    await pair.secondary.supervisor.stop();
    await waitForState(pair.primary.supervisor.peer, 'COMMUNICATIONS-INTERRUPTED');

    const status = acceptedOf(await pair.primary.request({ command: 'status' })).status;
    const waiting = status?.waiting;
    const future = rejectedOf(
      await pair.primary.request({ command: 'partner-down', since: 4_000_000_000 }),
    );
    // The partner was last known to operate when communications failed (FO-5.2.1-a).
    const since = status?.local.since ?? 0;
    const response = acceptedOf(await pair.primary.request({ command: 'partner-down', since }));

    expect(waiting?.partnerDown).toBe('operator-only');
    expect(future.code).toBe('FO_ERR_CONTROL_INVALID_REQUEST');
    expect(response.rules).toEqual(['FO-9.9.3-a', 'FO-9.4.2-c']);
    expect(response.warning).toBeUndefined();
    expect(response.action).toContain('entered PARTNER-DOWN from COMMUNICATIONS-INTERRUPTED');
    expect(response.action).toContain(new Date((since + 3600) * 1000).toISOString().slice(0, 19));
    expect(pair.primary.supervisor.peer.state).toBe('PARTNER-DOWN');
  });

  it('warns when partner-down comes while communications are ok (FO-9.4-a)', async () => {
    const pair = await startOperatedPair(temporaryDirectory());
    await bothNormal(pair);

    const response = acceptedOf(await pair.primary.request({ command: 'partner-down' }));

    expect(response.rules).toEqual(['FO-9.8.4-a', 'FO-9.4.2-c']);
    expect(response.warning).toContain('FO-9.4-a');
  });

  it('shuts down after the partner reports PARTNER-DOWN (FO-9.14.1-b, FO-9.14.2-c)', async () => {
    const pair = await startOperatedPair(temporaryDirectory());
    await bothNormal(pair);
    const stopped = new Promise<void>((resolve) =>
      pair.primary.supervisor.once('stopped', resolve),
    );

    const response = acceptedOf(await pair.primary.request({ command: 'shutdown' }));
    await stopped;
    const store = openLeaseStore(pair.primary.config.store);
    const record = store.readEndpoint(pair.primary.config.name);
    store.close();

    expect(response.rules).toEqual(['FO-9.14.1-a', 'FO-9.14.1-b', 'FO-9.14.2-c']);
    expect(response.action).toContain('STATE(SHUTDOWN) goes to the partner');
    expect(pair.secondary.supervisor.peer.state).toBe('PARTNER-DOWN');
    expect(record?.state).toBe('SHUTDOWN');
    expect(record?.previousState).toBe('RECOVER');
  });
});
