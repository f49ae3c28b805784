import { afterEach, describe, expect, it, vi } from 'vitest';
import { formatSyncBar, SyncDisplay } from '../../src/control/sync-display.js';
import { CapturedLog } from '../peer/peer-fixtures.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('sync display', () => {
  it('draws a bar on a terminal and ends the line when the transfer is done', () => {
    const written: string[] = [];
    const display = new SyncDisplay({
      logger: new CapturedLog().logger,
      terminal: { write: (text: string) => written.push(text) },
    });

    display.update({ direction: 'sent', count: 1200, total: 5000, done: false });
    display.update({ direction: 'sent', count: 5000, total: 5000, done: true });

    expect(written).toEqual([
      `\r[${'#'.repeat(7)}${'.'.repeat(23)}] 1200 of 5000 bindings sent (24%)`,
      `\r[${'#'.repeat(30)}] 5000 of 5000 bindings sent (100%), done\n`,
    ]);
  });

  it('logs the progress every interval without a terminal, and stops when done', () => {
    vi.useFakeTimers();
    const log = new CapturedLog();
    const display = new SyncDisplay({ logger: log.logger, intervalSeconds: 10 });

    display.update({ direction: 'received', count: 300, total: 0, done: false });
    vi.advanceTimersByTime(10_000);
    display.update({ direction: 'received', count: 700, total: 0, done: false });
    vi.advanceTimersByTime(10_000);
    display.update({ direction: 'received', count: 900, total: 900, done: true });
    vi.advanceTimersByTime(30_000);
    display.close();

    const lines = log.withEvent('sync.progress');
    expect(lines.map((line) => line['msg'])).toEqual([
      '300 bindings received',
      '700 bindings received',
    ]);
    expect(lines[1]?.['count']).toBe(700);
  });

  it('stops logging a transfer that no longer moves', () => {
    vi.useFakeTimers();
    const log = new CapturedLog();
    const display = new SyncDisplay({ logger: log.logger, intervalSeconds: 10 });

    display.update({ direction: 'sent', count: 100, total: 1000, done: false });
    vi.advanceTimersByTime(60_000);
    display.close();

    expect(log.withEvent('sync.progress')).toHaveLength(1);
  });

  it('shows an empty bar while the total is unknown', () => {
    expect(formatSyncBar({ direction: 'received', count: 42, total: 0, done: false })).toBe(
      `[${'.'.repeat(30)}] 42 bindings received`,
    );
  });
});
