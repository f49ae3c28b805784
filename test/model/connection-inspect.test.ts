// `dhcpf inspect`: the recorded events of an actor, fed into a fresh actor, pass through the same
// states as the recorded actor.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  parseRecording,
  recordDemoPair,
  recordedStates,
  replayActor,
  type RecordedEvent,
} from '../../src/cli/inspect.js';

describe('dhcpf inspect', () => {
  const directory = mkdtempSync(join(tmpdir(), 'dhcpf-inspect-test-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));
  let recording: RecordedEvent[] = [];

  it('records both peers reaching NORMAL', async () => {
    const file = join(directory, 'events.jsonl');
    expect(await recordDemoPair(file, 5)).toBe(true);
    recording = parseRecording(readFileSync(file, 'utf8'));

    const machines = new Set(recording.map((line) => `${line.peer}/${line.machine}`));
    expect([...machines].sort()).toEqual([
      'primary/connection',
      'primary/endpoint',
      'primary/update-flow',
      'secondary/connection',
      'secondary/endpoint',
      'secondary/update-flow',
    ]);
  });

  it('replays every recorded actor to the recorded state sequence', () => {
    const actors = new Set(recording.map((line) => line.actor));
    expect(actors.size).toBe(6);
    for (const actor of actors) {
      expect(replayActor(recording, actor), actor).toEqual(recordedStates(recording, actor));
    }
  });

  it('replays the primary connection actor through communications-ok (FO-8.3-a)', () => {
    const primary = recording.find(
      (line) => line.peer === 'primary' && line.machine === 'connection',
    );
    expect(replayActor(recording, primary?.actor ?? '')).toContain('communications-ok');
  });

  it('replays the primary endpoint through NORMAL', () => {
    const primary = recording.find(
      (line) => line.peer === 'primary' && line.machine === 'endpoint',
    );
    expect(replayActor(recording, primary?.actor ?? '')).toContain('NORMAL');
  });
});
