// The rule list of the specification set (rules.tsv): one rule per line, tab-separated
// `id, source, strength, area, summary`, with a header line.

import { readFileSync } from 'node:fs';

export const AREAS = [
  'wire',
  'auth',
  'conn',
  'state',
  'bndupd',
  'lease',
  'loadbal',
  'timer',
  'nap',
  'misc',
] as const;
export type Area = (typeof AREAS)[number];

export interface Rule {
  id: string;
  source: string;
  /** RFC 2119 word(s), or INFO, DESC, ERRATUM, AMBIGUITY, OBSERVED; mixed ones joined by `/`. */
  strength: string;
  area: Area;
  summary: string;
}

const HEADER = 'id\tsource\tstrength\tarea\tsummary';

function isArea(value: string): value is Area {
  return (AREAS as readonly string[]).includes(value);
}

/** Parses rules.tsv text; raises an Error naming `path` and the line of the first bad line. */
export function parseRules(text: string, path: string): Map<string, Rule> {
  const lines = text.split('\n');
  if (lines[0]?.trimEnd() !== HEADER) {
    throw new Error(
      `${path}:1: header ${JSON.stringify(lines[0])}, expected ${JSON.stringify(HEADER)}`,
    );
  }

  const rules = new Map<string, Rule>();
  for (const [index, line] of lines.entries()) {
    if (index === 0 || line.trim() === '') continue;

    const [id, source, strength, area, summary, ...extra] = line.trimEnd().split('\t');
    const where = `${path}:${index + 1}`;
    if (summary === undefined || extra.length > 0 || id === undefined) {
      throw new Error(`${where}: ${line.split('\t').length} columns, expected 5`);
    }
    if (area === undefined || !isArea(area)) {
      throw new Error(
        `${where}: area ${JSON.stringify(area)}, expected one of ${AREAS.join(', ')}`,
      );
    }
    rules.set(id, { id, source: source ?? '', strength: strength ?? '', area, summary });
  }
  return rules;
}

export function readRules(path: string): Map<string, Rule> {
  return parseRules(readFileSync(path, 'utf8'), path);
}
