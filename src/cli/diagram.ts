// `dhcpf diagram`: draws a machine of `model/` from its definition,
// as Mermaid, Graphviz DOT, SVG (through Graphviz), JSON, or a module Stately Studio can import.
// Every format comes from one graph: states with their doc blocks, and one edge per transition
// with its event, guard, actions and rule IDs.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import type { AnyStateMachine } from 'xstate';
import { toDirectedGraph } from 'xstate/graph';
import { endpointMachine } from '../../model/endpoint.js';
import { bindingStatusMachine } from '../../model/lease/binding-status-machine.js';
import { connectionMachine } from '../../model/connection.js';
import { updateFlowMachine } from '../../model/update-flow.js';

export const machineNames = ['endpoint', 'connection', 'update-flow', 'lease'] as const;
export type MachineName = (typeof machineNames)[number];

export const diagramFormats = ['mermaid', 'dot', 'svg', 'json', 'studio'] as const;
export type DiagramFormat = (typeof diagramFormats)[number];

/** Exit status: the diagram was written. */
export const EXIT_OK = 0;
/** Exit status: Graphviz was missing or failed. */
export const EXIT_FAILED = 1;
/** Exit status: invalid arguments. */
export const EXIT_USAGE = 2;

/** Path of `dot` as Debian's graphviz package installs it. */
export const DOT_PATH = '/usr/bin/dot';

/** A guard or action by name, with its parameters when it has any. */
export interface NamedImplementation {
  type: string;
  params?: unknown;
}

export interface DiagramState {
  id: string;
  doc: string | undefined;
}

export interface DiagramEdge {
  source: string;
  /** The state entered; the source itself for a transition without a target. */
  target: string;
  event: string;
  guard: NamedImplementation | undefined;
  actions: NamedImplementation[];
  rules: string[];
  /** The transition has no target: it stays in the source state without leaving it. */
  internal: boolean;
  /** The transition leaves and enters its target even when it is the source. */
  reenter: boolean;
}

export interface MachineGraph {
  id: string;
  initial: string;
  states: DiagramState[];
  edges: DiagramEdge[];
}

const machines: Record<MachineName, AnyStateMachine> = {
  endpoint: endpointMachine,
  connection: connectionMachine,
  'update-flow': updateFlowMachine,
  lease: bindingStatusMachine,
};

export function machineByName(name: MachineName): AnyStateMachine {
  return machines[name];
}

/** Returns a guard or action as its name and parameters; an inline function by its JS name. */
function namedImplementation(value: unknown): NamedImplementation {
  if (typeof value === 'string') {
    return { type: value };
  }
  if (typeof value === 'function') {
    return { type: value.name === '' ? 'inline' : value.name };
  }
  if (
    typeof value === 'object' &&
    value !== null &&
    'type' in value &&
    typeof value.type === 'string'
  ) {
    const params = 'params' in value ? value.params : undefined;

    return params === undefined ? { type: value.type } : { type: value.type, params };
  }

  return { type: 'unknown' };
}

function rulesOf(meta: unknown): string[] {
  if (
    typeof meta !== 'object' ||
    meta === null ||
    !('rules' in meta) ||
    !Array.isArray(meta.rules)
  ) {
    return [];
  }

  return meta.rules.filter((rule): rule is string => typeof rule === 'string');
}

function docOf(meta: unknown): string | undefined {
  return typeof meta === 'object' && meta !== null && 'doc' in meta && typeof meta.doc === 'string'
    ? meta.doc
    : undefined;
}

/** Builds the graph of `machine` from `toDirectedGraph`, in definition order. */
export function machineGraph(machine: AnyStateMachine): MachineGraph {
  const graph = toDirectedGraph(machine);
  const states = graph.children.map((child) => ({
    id: child.stateNode.key,
    doc: docOf(child.stateNode.meta),
  }));
  const edges = graph.children.flatMap((child) =>
    child.edges.map((edge): DiagramEdge => {
      const { transition } = edge;
      const guard =
        transition.guard === undefined ? undefined : namedImplementation(transition.guard);

      return {
        source: edge.source.key,
        target: edge.target.key,
        event: transition.eventType,
        guard,
        actions: transition.actions.map(namedImplementation),
        rules: rulesOf(transition.meta),
        internal: transition.target === undefined,
        reenter: transition.reenter,
      };
    }),
  );
  const initial = machine.root.initial.target[0]?.key ?? states[0]?.id ?? '';

  return { id: machine.id, initial, states, edges };
}

/** Transitions with the same source, target and event, drawn as one edge. */
interface DrawnEdge {
  source: string;
  target: string;
  event: string;
  /** Names of the guards, each once. */
  guards: string[];
  /** One of the transitions has no guard: it is taken when the guarded ones are not. */
  unguarded: boolean;
}

function drawnEdges(graph: MachineGraph): DrawnEdge[] {
  const byKey = new Map<string, DrawnEdge>();
  for (const edge of graph.edges) {
    const key = `${edge.source} ${edge.target} ${edge.event}`;
    const drawn = byKey.get(key) ?? {
      source: edge.source,
      target: edge.target,
      event: edge.event,
      guards: [],
      unguarded: false,
    };
    if (edge.guard === undefined) {
      drawn.unguarded = true;
    } else if (!drawn.guards.includes(edge.guard.type)) {
      drawn.guards.push(edge.guard.type);
    }
    byKey.set(key, drawn);
  }

  return [...byKey.values()];
}

/** Returns the event, and in brackets the guards, with "else" for an unguarded fallback. */
function edgeLabel(edge: DrawnEdge, separator: string): string {
  if (edge.guards.length === 0) {
    return edge.event;
  }

  const alternatives = edge.unguarded ? [...edge.guards, 'else'] : edge.guards;

  return `${edge.event}${separator}[${alternatives.join(' / ')}]`;
}

/** Mermaid state IDs may not contain hyphens; the spec names become labels. */
function mermaidId(state: string): string {
  return state.replace(/-/g, '_');
}

/** Returns a Mermaid `stateDiagram-v2` of the graph. */
export function toMermaid(graph: MachineGraph): string {
  const lines = ['stateDiagram-v2'];
  for (const state of graph.states) {
    if (mermaidId(state.id) !== state.id) {
      lines.push(`  state "${state.id}" as ${mermaidId(state.id)}`);
    }
  }
  lines.push(`  [*] --> ${mermaidId(graph.initial)}`);
  for (const edge of drawnEdges(graph)) {
    lines.push(
      `  ${mermaidId(edge.source)} --> ${mermaidId(edge.target)} : ${edgeLabel(edge, ' ')}`,
    );
  }

  return `${lines.join('\n')}\n`;
}

function dotString(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** Returns a Graphviz DOT digraph of the graph; each state's doc block is its tooltip. */
export function toDot(graph: MachineGraph): string {
  const lines = [
    `digraph ${dotString(graph.id)} {`,
    '  rankdir=LR;',
    '  node [shape=box, style=rounded, fontname="Helvetica"];',
    '  edge [fontname="Helvetica", fontsize=9];',
    '  "__initial" [shape=point, label=""];',
    `  "__initial" -> ${dotString(graph.initial)};`,
  ];
  for (const state of graph.states) {
    const tooltip = state.doc === undefined ? '' : `, tooltip=${dotString(state.doc)}`;
    lines.push(`  ${dotString(state.id)} [label=${dotString(state.id)}${tooltip}];`);
  }
  for (const edge of drawnEdges(graph)) {
    lines.push(
      `  ${dotString(edge.source)} -> ${dotString(edge.target)} ` +
        `[label=${dotString(edgeLabel(edge, '\n'))}];`,
    );
  }
  lines.push('}');

  return `${lines.join('\n')}\n`;
}

/** Returns the graph as JSON text: states with doc blocks, edges with guard, actions and rules. */
export function toJson(graph: MachineGraph): string {
  return `${JSON.stringify(graph, null, 2)}\n`;
}

function studioTransition(edge: DiagramEdge): Record<string, unknown> {
  const transition: Record<string, unknown> = {};
  if (!edge.internal) {
    transition['target'] = edge.target;
  }
  if (edge.reenter) {
    transition['reenter'] = true;
  }
  if (edge.guard !== undefined) {
    transition['guard'] = edge.guard.params === undefined ? edge.guard.type : edge.guard;
  }
  transition['actions'] = edge.actions.map((action) =>
    action.params === undefined ? action.type : action,
  );
  transition['meta'] = { rules: edge.rules };

  return transition;
}

/** Returns the machine configuration as plain data: named guards and actions, no functions. */
export function studioConfig(graph: MachineGraph): Record<string, unknown> {
  const states: Record<string, unknown> = {};
  for (const state of graph.states) {
    const on: Record<string, Record<string, unknown>[]> = {};
    for (const edge of graph.edges.filter((candidate) => candidate.source === state.id)) {
      (on[edge.event] ??= []).push(studioTransition(edge));
    }
    states[state.id] = state.doc === undefined ? { on } : { description: state.doc, on };
  }

  return { id: graph.id, initial: graph.initial, states };
}

/**
 * Returns an ES module that creates the machine from its plain configuration, the form Stately
 * Studio imports. Guards and actions stay named; their implementations live in `model/`.
 */
export function toStudioModule(graph: MachineGraph, machine: MachineName): string {
  const config = JSON.stringify(studioConfig(graph), null, 2);

  return [
    `// The ${machine} machine of dhcpf as plain configuration, written by`,
    `// \`dhcpf diagram --machine ${machine} --format studio\`. Guards and actions are named only.`,
    "import { createMachine } from 'xstate';",
    '',
    `export const machine = createMachine(${config});`,
    '',
  ].join('\n');
}

const markdownTitles: Record<MachineName, string> = {
  endpoint: 'Failover endpoint machine',
  connection: 'Connection machine',
  'update-flow': 'Binding-update flow machine',
  lease: 'Binding-status machine',
};

const markdownSources: Record<MachineName, string[]> = {
  endpoint: [
    'The failover endpoint states of draft-12 section 9 for one relationship, both roles',
    '(`model/endpoint.ts`).',
  ],
  connection: [
    'The TCP connection of one relationship for both roles: CONNECT and CONNECTACK, STATE,',
    'CONTACT and the receive timer, DISCONNECT and reconnecting (`model/connection.ts`).',
  ],
  'update-flow': [
    'The outbound BNDUPD window on one connection, BNDACK matching, UPDREQ and UPDREQALL, and',
    'when UPDDONE goes out (`model/update-flow.ts`).',
  ],
  lease: [
    'The binding-status of one address as one server stores it, with the transitions T1 to T14',
    'of draft-12 section 5.11 (`model/lease/binding-status-machine.ts`).',
  ],
};

/** Returns the Markdown page of `docs/diagrams/<machine>.md`: a few sentences and the diagram. */
export function diagramMarkdown(machine: MachineName): string {
  const mermaid = toMermaid(machineGraph(machineByName(machine)));

  return [
    `# ${markdownTitles[machine]}`,
    '',
    ...markdownSources[machine],
    'Each edge label names the event and, in brackets, the guards of the transitions the edge',
    `stands for. \`dhcpf diagram --machine ${machine} --format json\` lists every transition with`,
    'its guard parameters, actions and rule IDs. Regenerate this page with',
    `\`dhcpf diagram --machine ${machine} --format mermaid --markdown > ` +
      `docs/diagrams/${machine}.md\`.`,
    '',
    '```mermaid',
    mermaid.trimEnd(),
    '```',
    '',
  ].join('\n');
}

/** Renders DOT text to SVG with Graphviz; rejects when `dot` is missing or fails. */
export function renderSvg(dot: string, dotPath: string = DOT_PATH): Promise<string> {
  if (!existsSync(dotPath)) {
    return Promise.reject(
      new Error(
        `Graphviz not found at ${dotPath}; install the graphviz package or use --format dot`,
      ),
    );
  }

  return new Promise((resolve, reject) => {
    const child = spawn(dotPath, ['-Tsvg'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const errors: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => errors.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) {
        resolve(Buffer.concat(out).toString('utf8'));
      } else {
        const reason = Buffer.concat(errors).toString('utf8').trim();
        reject(new Error(`${dotPath} -Tsvg failed with exit status ${code}: ${reason}`));
      }
    });
    child.stdin.end(dot);
  });
}

export interface DiagramCommandOptions {
  machine?: string;
  format?: string;
  markdown?: boolean;
  dot?: string;
}

/** Output of the command: the diagram goes to `out` as one text, failures to `error`. */
export interface CommandOutput {
  out(text: string): void;
  error(line: string): void;
}

function oneOf<T extends string>(
  value: string | undefined,
  allowed: readonly T[],
  option: string,
): T {
  const found = allowed.find((candidate) => candidate === value);
  if (found === undefined) {
    throw new UsageError(`invalid ${option} "${value ?? ''}", expected ${allowed.join(', ')}`);
  }

  return found;
}

class UsageError extends Error {}

async function diagramText(machine: MachineName, format: DiagramFormat, dotPath: string) {
  const graph = machineGraph(machineByName(machine));
  switch (format) {
    case 'mermaid':
      return toMermaid(graph);
    case 'dot':
      return toDot(graph);
    case 'svg':
      return renderSvg(toDot(graph), dotPath);
    case 'json':
      return toJson(graph);
    case 'studio':
      return toStudioModule(graph, machine);
  }
}

/** Writes the requested diagram to `output` and returns the exit status. */
export async function runDiagram(
  options: DiagramCommandOptions,
  output: CommandOutput,
): Promise<number> {
  let machine: MachineName;
  let format: DiagramFormat;
  try {
    machine = oneOf(options.machine, machineNames, '--machine');
    format = oneOf(options.format ?? 'mermaid', diagramFormats, '--format');
    if (options.markdown === true && format !== 'mermaid') {
      throw new UsageError(`--markdown needs --format mermaid, found --format ${format}`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      output.error(`dhcpf diagram: ${error.message}`);
      return EXIT_USAGE;
    }

    throw error;
  }

  try {
    output.out(
      options.markdown === true
        ? diagramMarkdown(machine)
        : await diagramText(machine, format, options.dot ?? DOT_PATH),
    );
  } catch (error) {
    output.error(`dhcpf diagram: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT_FAILED;
  }

  return EXIT_OK;
}

/** Registers `dhcpf diagram --machine NAME --format ...` on the program. */
export function registerDiagramCommand(program: Command): void {
  program
    .command('diagram')
    .description('draw a machine of model/ from its definition')
    .requiredOption('--machine <machine>', `machine to draw: ${machineNames.join(' or ')}`)
    .option('--format <format>', `output format: ${diagramFormats.join(', ')}`, 'mermaid')
    .option('--markdown', 'wrap the Mermaid diagram in the Markdown page kept in docs/diagrams')
    .option('--dot <path>', 'Graphviz dot program for --format svg', DOT_PATH)
    .action(async (options: DiagramCommandOptions) => {
      const output: CommandOutput = {
        out: (text) => process.stdout.write(text),
        error: (line) => process.stderr.write(`${line}\n`),
      };
      process.exitCode = await runDiagram(options, output);
    });
}
