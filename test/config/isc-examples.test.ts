import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { bothNormal } from '../../src/cli/demo.js';
import { loadRelationshipConfig } from '../../src/config/load.js';
import type { RelationshipConfig } from '../../src/config/types.js';
import { startPeer } from '../../src/endpoint/peer.js';

const examplesDirectory = resolve(dirname(fileURLToPath(import.meta.url)), '../../examples');
const primaryPath = join(examplesDirectory, 'isc-primary.json');
const secondaryPath = join(examplesDirectory, 'isc-secondary.json');

describe('ISC loopback examples', () => {
  it('load with the config loader as a primary and a secondary on loopback', () => {
    const primary = loadRelationshipConfig(primaryPath);
    const secondary = loadRelationshipConfig(secondaryPath);

    expect(primary.role).toBe('primary');
    expect(secondary.role).toBe('secondary');
    expect([primary.profile, secondary.profile]).toEqual(['isc', 'isc']);
    expect(primary.name).toBe(secondary.name);
    expect(primary.peer).toEqual(secondary.local);
    expect(secondary.peer.address).toBe(primary.local.address);
    expect(primary.local.address).toMatch(/^127\./);
    expect(secondary.local.address).toMatch(/^127\./);
    expect(primary.pools).toEqual(secondary.pools);
  });

  it('create their stores beside the config files', () => {
    expect(loadRelationshipConfig(primaryPath).store).toBe(
      join(examplesDirectory, 'isc-primary.db'),
    );
    expect(loadRelationshipConfig(secondaryPath).store).toBe(
      join(examplesDirectory, 'isc-secondary.db'),
    );
  });

  it('reach NORMAL together on loopback with empty stores', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'dhcpf-isc-examples-'));
    onTestFinished(() => rmSync(directory, { recursive: true, force: true }));
    // Only the listening port (0) and the store paths (a temporary folder) differ from the example.
    const secondaryConfig: RelationshipConfig = {
      ...loadRelationshipConfig(secondaryPath),
      local: { address: '127.0.0.1', port: 0 },
      store: join(directory, 'secondary.db'),
    };
    const secondary = await startPeer(secondaryConfig);
    onTestFinished(() => secondary.stop());
    const example = loadRelationshipConfig(primaryPath);
    const primaryConfig: RelationshipConfig = {
      ...example,
      peer: { ...example.peer, port: secondary.listeningPort ?? 0 },
      store: join(directory, 'primary.db'),
    };
    const primary = await startPeer(primaryConfig);
    onTestFinished(() => primary.stop());

    expect(await bothNormal(primary, secondary, 20_000)).toBe(true);
    expect(primary.state).toBe('NORMAL');
    expect(secondary.state).toBe('NORMAL');
  }, 30_000);
});
