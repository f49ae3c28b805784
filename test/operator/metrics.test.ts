import { Socket } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { parseRelationshipConfig } from '../../src/config/load.js';
import { createSilentLogger } from '../../src/log.js';
import { MessageCounter } from '../../src/metrics/message-counter.js';
import { MetricsServer } from '../../src/metrics/server.js';
import { POOL, temporaryDirectory } from '../peer/peer-fixtures.js';
import { bothNormal, settled, startOperatedPair, type OperatedPair } from './operator-fixtures.js';

const BASE_CONFIG = {
  name: 'fo',
  role: 'primary',
  local: { address: '127.0.0.1' },
  peer: { address: '127.0.0.2' },
  mclt: 600,
  pools: [POOL],
  store: 'fo.db',
};

async function startMetrics(pair: OperatedPair, messages: MessageCounter): Promise<MetricsServer> {
  const metrics = await MetricsServer.start({
    address: '127.0.0.1',
    port: 0,
    logger: createSilentLogger(),
    snapshot: () => ({
      status: pair.primary.supervisor.peer.status(),
      messages,
      sync: pair.primary.supervisor.lastSync(),
    }),
  });
  onTestFinished(() => metrics.close());
  return metrics;
}

describe('metrics endpoint', () => {
  it('serves states, message counts, unacknowledged updates and store size', async () => {
    const pair = await startOperatedPair(temporaryDirectory(), {}, 12);
    await bothNormal(pair);
    await settled(pair);
    const storeSize = pair.primary.supervisor.peer.store.countBindings();
    const messages = new MessageCounter();
    // Counting starts here, so the page shows exactly the three frames pushed through this tap.
    const tap = messages.tapFactory()(new Socket(), true);
    tap?.sent(Uint8Array.from([0, 12, 3, 0, 0, 0, 0, 0, 0, 0, 0, 1]));
    tap?.received(Uint8Array.from([0, 12, 4, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 12]));
    tap?.received(Uint8Array.from([99, 0, 0, 0, 0, 0, 0, 0, 0, 1]));
    const metrics = await startMetrics(pair, messages);

    const response = await fetch(`http://127.0.0.1:${metrics.port}/metrics`);
    const text = await response.text();

    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(text).toContain(
      'dhcpf_failover_state{relationship="fo-test",endpoint="local",state="NORMAL"} 1',
    );
    expect(text).toContain(
      'dhcpf_failover_state{relationship="fo-test",endpoint="partner",state="NORMAL"} 1',
    );
    expect(text).toContain(
      'dhcpf_failover_state{relationship="fo-test",endpoint="local",state="STARTUP"} 0',
    );
    expect(text).toContain(
      'dhcpf_messages_total{relationship="fo-test",direction="sent",type="BNDUPD"} 1',
    );
    expect(text).toContain(
      'dhcpf_messages_total{relationship="fo-test",direction="received",type="BNDACK"} 1',
    );
    expect(text).toContain('dhcpf_unacked_updates{relationship="fo-test"} 0');
    expect(text).toContain('dhcpf_outstanding_bndupds{relationship="fo-test"} 0');
    expect(text).toContain('dhcpf_unacked_window{relationship="fo-test"} 10');
    expect(text).toContain(`dhcpf_store_bindings{relationship="fo-test"} ${storeSize}`);
    expect(text).toContain('dhcpf_communications_ok{relationship="fo-test"} 1');
    expect(text).toContain('# TYPE dhcpf_messages_total counter');
  });

  it('answers 404 outside /metrics', async () => {
    const pair = await startOperatedPair(temporaryDirectory());
    const metrics = await startMetrics(pair, new MessageCounter());

    const response = await fetch(`http://127.0.0.1:${metrics.port}/`);

    expect(response.status).toBe(404);
  });

  it('refuses a non-loopback address in the config and at start', async () => {
    const parse = (): unknown =>
      parseRelationshipConfig({ ...BASE_CONFIG, metrics: { address: '0.0.0.0', port: 9647 } });
    const start = MetricsServer.start({
      address: '10.0.0.1',
      port: 0,
      logger: createSilentLogger(),
      snapshot: () => {
        throw new Error('never read');
      },
    });

    expect(parse).toThrow(
      'config field metrics.address is "0.0.0.0", expected a loopback address (127.0.0.0/8 or ::1), because the endpoint has no authentication',
    );
    await expect(start).rejects.toMatchObject({
      code: 'FO_ERR_CONFIG_INVALID',
      field: 'metrics.address',
    });
  });

  it('reads metrics with the default loopback address and a control socket path', () => {
    const config = parseRelationshipConfig(
      { ...BASE_CONFIG, metrics: { port: 9647 }, controlSocket: 'fo.ctl' },
      { baseDirectory: '/var/lib/dhcpf' },
    );

    expect(config.metrics).toEqual({ address: '127.0.0.1', port: 9647 });
    expect(config.controlSocket).toBe('/var/lib/dhcpf/fo.ctl');
  });
});
