// Renders the metrics of one peer in the Prometheus text exposition format (version 0.0.4).

import { stateNames } from '../../model/state-permissions.js';
import type { PeerStatus } from '../endpoint/peer-status.js';
import type { SyncEvent } from '../endpoint/peer.js';
import type { MessageCounter } from './message-counter.js';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export interface MetricsSnapshot {
  status: PeerStatus;
  messages: MessageCounter;
  sync: SyncEvent | undefined;
}

interface Sample {
  labels?: Record<string, string>;
  value: number;
}

/** Returns the metrics page: one HELP and TYPE line per metric, then its samples. */
export function renderMetrics({ status, messages, sync }: MetricsSnapshot): string {
  const lines: string[] = [];
  const metric = (name: string, type: 'gauge' | 'counter', help: string, samples: Sample[]) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const sample of samples) {
      lines.push(`${name}${formatLabels(sample.labels)} ${sample.value}`);
    }
  };
  const labels = { relationship: status.relationship };

  metric(
    'dhcpf_failover_state',
    'gauge',
    'Failover state of each endpoint: 1 for the current state.',
    [
      ...stateSamples(labels, 'local', status.local.state),
      ...(status.partner === null ? [] : stateSamples(labels, 'partner', status.partner.state)),
    ],
  );
  metric('dhcpf_state_start_time_seconds', 'gauge', 'When the local failover state began.', [
    { labels, value: status.local.since },
  ]);
  metric('dhcpf_communications_ok', 'gauge', '1 while communications with the partner are ok.', [
    { labels, value: status.connection.communicationsOk ? 1 : 0 },
  ]);
  if (status.connection.clockSkewSeconds !== null) {
    metric('dhcpf_clock_skew_seconds', 'gauge', "The partner's clock minus ours.", [
      { labels, value: status.connection.clockSkewSeconds },
    ]);
  }
  metric(
    'dhcpf_messages_total',
    'counter',
    'Failover messages by direction and type.',
    messageSamples(labels, messages),
  );
  metric(
    'dhcpf_unacked_updates',
    'gauge',
    'Bindings whose latest change the partner has not acknowledged.',
    [{ labels, value: status.updates.unacknowledged }],
  );
  metric('dhcpf_outstanding_bndupds', 'gauge', 'BNDUPDs sent and not yet answered by a BNDACK.', [
    { labels, value: status.updates.outstandingBNDUPDs },
  ]);
  metric('dhcpf_unacked_window', 'gauge', "The partner's max-unacked-bndupd.", [
    { labels, value: status.updates.window },
  ]);
  metric('dhcpf_binding_updates_total', 'counter', 'Binding update transactions by direction.', [
    { labels: { ...labels, direction: 'sent' }, value: status.updates.sent },
    { labels: { ...labels, direction: 'received' }, value: status.updates.received },
  ]);
  metric('dhcpf_store_bindings', 'gauge', 'Bindings in the lease store.', [
    { labels, value: status.bindings },
  ]);
  metric('dhcpf_free_addresses', 'gauge', 'Free addresses each endpoint may allocate now.', [
    { labels: { ...labels, endpoint: 'local' }, value: status.freeAddresses.local.usable },
    ...(status.freeAddresses.partner === null
      ? []
      : [
          {
            labels: { ...labels, endpoint: 'partner' },
            value: status.freeAddresses.partner.usable,
          },
        ]),
  ]);
  metric(
    'dhcpf_sync_bindings',
    'gauge',
    'Bindings moved by the last bulk transfer; total is 0 when unknown.',
    syncSamples(labels, sync),
  );
  return `${lines.join('\n')}\n`;
}

function stateSamples(labels: Record<string, string>, endpoint: string, current: string): Sample[] {
  return stateNames.map((state) => ({
    labels: { ...labels, endpoint, state },
    value: state === current ? 1 : 0,
  }));
}

function messageSamples(labels: Record<string, string>, messages: MessageCounter): Sample[] {
  return messages
    .entries()
    .map(([direction, type, value]) => ({ labels: { ...labels, direction, type }, value }));
}

function syncSamples(labels: Record<string, string>, sync: SyncEvent | undefined): Sample[] {
  if (sync === undefined) {
    return [];
  }

  const base = { ...labels, direction: sync.direction };
  return [
    { labels: { ...base, measure: 'count' }, value: sync.count },
    { labels: { ...base, measure: 'total' }, value: sync.total },
    { labels: { ...base, measure: 'done' }, value: sync.done ? 1 : 0 },
  ];
}

/** Formats `{name="value",...}`, escaping backslash, quote and newline as the format requires. */
function formatLabels(labels: Record<string, string> | undefined): string {
  if (labels === undefined || Object.keys(labels).length === 0) {
    return '';
  }

  const pairs = Object.entries(labels).map(
    ([name, value]) =>
      `${name}="${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n')}"`,
  );
  return `{${pairs.join(',')}}`;
}
