// `dhcpf diagram`: every format drawn from the machine definitions, the Stately Studio module
// imported back, SVG through Graphviz where it is installed, and the committed Mermaid pages.

import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { AnyStateMachine } from 'xstate';
import {
  DOT_PATH,
  EXIT_FAILED,
  EXIT_OK,
  EXIT_USAGE,
  diagramMarkdown,
  machineByName,
  machineGraph,
  machineNames,
  runDiagram,
  toDot,
  toJson,
  toMermaid,
  toStudioModule,
  type MachineName,
} from '../../src/cli/diagram.js';
import { repositoryRoot } from '../helpers/shared-dir.js';

class Captured {
  text = '';
  readonly errors: string[] = [];
  readonly output = {
    out: (text: string) => void (this.text += text),
    error: (line: string) => void this.errors.push(line),
  };
}

const graphs = machineNames.map((name) => ({ name, graph: machineGraph(machineByName(name)) }));

/** Mermaid writes a state ID without hyphens and names the spec state in a label. */
function mermaidId(state: string): string {
  return state.replace(/-/g, '_');
}

describe('machineGraph', () => {
  it('has the twelve endpoint states and the seven binding-statuses', () => {
    const endpoint = graphs.find((entry) => entry.name === 'endpoint');
    const lease = graphs.find((entry) => entry.name === 'lease');

    expect(endpoint?.graph.states).toHaveLength(12);
    expect(endpoint?.graph.initial).toBe('STARTUP');
    expect(lease?.graph.states.map((state) => state.id)).toEqual([
      'FREE',
      'ACTIVE',
      'EXPIRED',
      'RELEASED',
      'ABANDONED',
      'RESET',
      'BACKUP',
    ]);
    expect(lease?.graph.initial).toBe('FREE');
  });

  it.each(graphs)('gives every $name transition an event and rule IDs', ({ graph }) => {
    expect(graph.edges.length).toBeGreaterThan(10);
    for (const edge of graph.edges) {
      expect(edge.event, `${edge.source} -> ${edge.target}`).toMatch(/^[A-Z_]+$/);
      expect(edge.rules.length, `${edge.source} on ${edge.event}`).toBeGreaterThan(0);
    }
  });

  it('keeps guard parameters, so ALLOCATE shows both pools', () => {
    const lease = machineGraph(machineByName('lease'));
    const allocations = lease.edges.filter(
      (edge) => edge.source === 'FREE' && edge.event === 'ALLOCATE',
    );

    expect(allocations.map((edge) => edge.guard)).toEqual([
      { type: 'mayAllocate', params: { status: 'FREE', pool: 'own' } },
      { type: 'mayAllocate', params: { status: 'FREE', pool: 'partner' } },
    ]);
  });
});

describe('toMermaid', () => {
  it.each(graphs)('draws every $name state and transition', ({ graph }) => {
    const lines = toMermaid(graph).split('\n');

    expect(lines[0]).toBe('stateDiagram-v2');
    expect(lines).toContain(`  [*] --> ${mermaidId(graph.initial)}`);
    for (const state of graph.states) {
      const declared =
        mermaidId(state.id) === state.id
          ? lines.some((line) => line.includes(` ${state.id} `))
          : lines.includes(`  state "${state.id}" as ${mermaidId(state.id)}`);
      expect(declared, state.id).toBe(true);
    }
    for (const edge of graph.edges) {
      const prefix = `  ${mermaidId(edge.source)} --> ${mermaidId(edge.target)} : ${edge.event}`;
      const drawn = lines.find((line) => line === prefix || line.startsWith(`${prefix} [`));
      expect(drawn, prefix).toBeDefined();
      if (edge.guard !== undefined) {
        expect(drawn, `${prefix} guard`).toContain(edge.guard.type);
      }
    }
  });

  it('uses no hyphen in a state ID', () => {
    const transitions = toMermaid(machineGraph(machineByName('endpoint')))
      .split('\n')
      .filter((line) => line.includes('-->'));

    for (const line of transitions) {
      const [from, to] = line.split(' : ')[0]?.trim().split(' --> ') ?? [];
      expect(from, line).not.toContain('-');
      expect(to, line).not.toContain('-');
    }
  });
});

describe('toDot', () => {
  it.each(graphs)('names every $name state and edge', ({ graph }) => {
    const dot = toDot(graph);

    expect(dot.startsWith(`digraph "${graph.id}" {`)).toBe(true);
    expect(dot).toContain(`"__initial" -> "${graph.initial}";`);
    for (const edge of graph.edges) {
      expect(dot, `${edge.source} -> ${edge.target}`).toContain(
        `"${edge.source}" -> "${edge.target}" [label="${edge.event}`,
      );
    }
  });
});

describe('toJson', () => {
  it('round-trips the graph with guards, actions and rules', () => {
    const lease = machineGraph(machineByName('lease'));

    const parsed: unknown = JSON.parse(toJson(lease));

    expect(parsed).toEqual(JSON.parse(JSON.stringify(lease)));
  });
});

describe('toStudioModule', () => {
  const directory = mkdtempSync(join(tmpdir(), 'dhcpf-studio-'));
  // The module imports xstate by name, so it needs the repository's packages beside it.
  symlinkSync(join(repositoryRoot, 'node_modules'), join(directory, 'node_modules'), 'dir');
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  async function importStudioMachine(name: MachineName): Promise<AnyStateMachine> {
    const path = join(directory, `${name}.mjs`);
    writeFileSync(path, toStudioModule(machineGraph(machineByName(name)), name));
    const module: unknown = await import(pathToFileURL(path).href);
    if (typeof module !== 'object' || module === null || !('machine' in module)) {
      throw new Error(`${path} exports no machine`);
    }

    // The module is the one written just above, whose `machine` comes from createMachine.
    return module.machine as AnyStateMachine;
  }

  it.each(machineNames)('imports back as the %s machine graph', async (name) => {
    const source = machineGraph(machineByName(name));

    const imported = machineGraph(await importStudioMachine(name));

    expect(imported.initial).toBe(source.initial);
    expect(imported.states.map((state) => state.id)).toEqual(
      source.states.map((state) => state.id),
    );
    expect(imported.edges).toEqual(source.edges);
  });

  it('contains no function in the configuration', () => {
    const text = toStudioModule(machineGraph(machineByName('endpoint')), 'endpoint');

    expect(text).toContain("import { createMachine } from 'xstate';");
    expect(text).toContain('export const machine = createMachine({');
    expect(text).not.toMatch(/=>|function\s*\(/);
  });
});

describe('dhcpf diagram', () => {
  it.runIf(existsSync(DOT_PATH))('renders SVG through Graphviz (needs /usr/bin/dot)', async () => {
    const captured = new Captured();

    const status = await runDiagram({ machine: 'lease', format: 'svg' }, captured.output);

    expect(status).toBe(EXIT_OK);
    expect(captured.errors).toEqual([]);
    expect(captured.text).toContain('<svg');
    for (const state of ['FREE', 'ACTIVE', 'EXPIRED', 'RELEASED', 'ABANDONED', 'RESET', 'BACKUP']) {
      expect(captured.text, state).toContain(`<title>${state}</title>`);
    }
  });

  it('names the missing Graphviz program and the way out', async () => {
    const captured = new Captured();

    const status = await runDiagram(
      { machine: 'lease', format: 'svg', dot: '/nonexistent/dot' },
      captured.output,
    );

    expect(status).toBe(EXIT_FAILED);
    expect(captured.errors).toEqual([
      'dhcpf diagram: Graphviz not found at /nonexistent/dot; ' +
        'install the graphviz package or use --format dot',
    ]);
    expect(captured.text).toBe('');
  });

  it('rejects an unknown machine', async () => {
    const captured = new Captured();

    expect(await runDiagram({ machine: 'pool' }, captured.output)).toBe(EXIT_USAGE);
    expect(captured.errors).toEqual([
      'dhcpf diagram: invalid --machine "pool", expected endpoint, connection, update-flow, lease',
    ]);
  });

  it('rejects --markdown with a format other than mermaid', async () => {
    const captured = new Captured();

    expect(
      await runDiagram({ machine: 'lease', format: 'dot', markdown: true }, captured.output),
    ).toBe(EXIT_USAGE);
    expect(captured.errors[0]).toContain('--markdown needs --format mermaid');
  });

  it('writes mermaid by default', async () => {
    const captured = new Captured();

    expect(await runDiagram({ machine: 'endpoint' }, captured.output)).toBe(EXIT_OK);
    expect(captured.text).toBe(toMermaid(machineGraph(machineByName('endpoint'))));
  });
});

describe('docs/diagrams', () => {
  it.each(machineNames)('has a current Mermaid page for the %s machine', (name) => {
    const committed = readFileSync(join(repositoryRoot, 'docs', 'diagrams', `${name}.md`), 'utf8');

    expect(
      committed,
      `docs/diagrams/${name}.md is stale; regenerate it with ` +
        `dhcpf diagram --machine ${name} --format mermaid --markdown > docs/diagrams/${name}.md`,
    ).toBe(diagramMarkdown(name));
  });
});
