// Checks the spec-notes tables against rules.tsv and the repository: every ID exists and sits in
// its area's file with its strength, each code location exists, each test title occurs in a file
// under test/, and every GAP(<rule-id>) marker in the code has a `gap` row.

import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { AREAS, type Area, type Rule } from './rules.js';
import { type NoteRow, parseNotesTable } from './notes-table.js';

export interface CheckInput {
  repositoryRoot: string;
  rules: Map<string, Rule>;
}

export interface AreaCount {
  area: Area;
  rules: number;
  done: number;
  gap: number;
  notApplicable: number;
}

export interface CheckResult {
  /** Problems, each `FILE:LINE: message` with FILE relative to the repository root. */
  errors: string[];
  /** Rules of rules.tsv that have a row. */
  mapped: number;
  total: number;
  areas: AreaCount[];
}

/** Folders whose source files may carry GAP markers. */
const SOURCE_FOLDERS = ['src', 'model', 'bench'];
const GAP_MARKER = /GAP\(([A-Z]+-[0-9A-Za-z.-]+)\)/g;

/** Lists every file below `folder`, skipping node_modules and dist. */
function listFiles(folder: string): string[] {
  if (!existsSync(folder)) return [];

  const files: string[] = [];
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;

    const path = join(folder, entry.name);
    if (entry.isDirectory()) files.push(...listFiles(path));
    else if (entry.isFile()) files.push(path);
  }
  return files;
}

export function checkSpecNotes(input: CheckInput): CheckResult {
  const { repositoryRoot, rules } = input;
  const errors: string[] = [];
  const rows: NoteRow[] = [];
  for (const area of AREAS) {
    const file = `spec-notes/${area}.md`;
    const path = join(repositoryRoot, file);
    if (!existsSync(path)) continue;

    const parsed = parseNotesTable(readFileSync(path, 'utf8'), file);
    errors.push(...parsed.errors);
    rows.push(...parsed.rows.map((row) => ({ ...row, file })));
  }

  const testTexts = listFiles(join(repositoryRoot, 'test')).map((path) =>
    readFileSync(path, 'utf8'),
  );
  const seen = new Map<string, NoteRow>();
  for (const row of rows) {
    errors.push(...checkRow(row, rules, repositoryRoot, testTexts));
    const earlier = seen.get(row.id);
    if (earlier !== undefined) {
      errors.push(
        `${row.file}:${row.line}: ${row.id} already has a row at ${earlier.file}:${earlier.line}`,
      );
    }
    seen.set(row.id, row);
  }
  errors.push(...checkGapMarkers(repositoryRoot, seen));

  const areas = countAreas(rules, seen);
  const mapped = areas.reduce(
    (sum, count) => sum + count.done + count.gap + count.notApplicable,
    0,
  );
  return { errors, mapped, total: rules.size, areas };
}

function checkRow(
  row: NoteRow,
  rules: Map<string, Rule>,
  repositoryRoot: string,
  testTexts: string[],
): string[] {
  const where = `${row.file}:${row.line}`;
  const rule = rules.get(row.id);
  if (rule === undefined) return [`${where}: unknown rule ID ${row.id}, not in rules.tsv`];

  const errors: string[] = [];
  if (`spec-notes/${rule.area}.md` !== row.file) {
    errors.push(
      `${where}: ${row.id} belongs to area ${rule.area}, expected in spec-notes/${rule.area}.md`,
    );
  }
  if (row.strength !== rule.strength) {
    errors.push(`${where}: ${row.id} strength "${row.strength}", expected "${rule.strength}"`);
  }
  if (row.status === 'n/a' && row.reason === '') {
    errors.push(`${where}: ${row.id} is n/a without a reason, expected "n/a: <reason>"`);
  }
  if (row.status === 'done' && row.code.length === 0) {
    errors.push(`${where}: ${row.id} is done without a code location`);
  }
  for (const location of row.code) {
    const path = join(repositoryRoot, location.path);
    if (!existsSync(path)) {
      errors.push(`${where}: ${row.id} code location ${location.path} does not exist`);
    } else if (
      location.symbol !== undefined &&
      !readFileSync(path, 'utf8').includes(location.symbol)
    ) {
      errors.push(`${where}: ${row.id} code location ${location.path} has no "${location.symbol}"`);
    }
  }
  for (const title of row.tests) {
    if (!testTexts.some((text) => text.includes(title))) {
      errors.push(`${where}: ${row.id} test title "${title}" appears in no file under test/`);
    }
  }
  return errors;
}

/** Reports each GAP(<rule-id>) marker in the source folders that has no row with status gap. */
function checkGapMarkers(repositoryRoot: string, rows: Map<string, NoteRow>): string[] {
  const errors: string[] = [];
  for (const folder of SOURCE_FOLDERS) {
    for (const path of listFiles(join(repositoryRoot, folder))) {
      if (!path.endsWith('.ts')) continue;

      const lines = readFileSync(path, 'utf8').split('\n');
      for (const [index, line] of lines.entries()) {
        for (const match of line.matchAll(GAP_MARKER)) {
          const id = match[1] ?? '';
          if (rows.get(id)?.status === 'gap') continue;

          const where = `${relative(repositoryRoot, path)}:${index + 1}`;
          errors.push(`${where}: GAP(${id}) has no row with status gap in spec-notes`);
        }
      }
    }
  }
  return errors;
}

function countAreas(rules: Map<string, Rule>, rows: Map<string, NoteRow>): AreaCount[] {
  return AREAS.map((area) => {
    const count: AreaCount = { area, rules: 0, done: 0, gap: 0, notApplicable: 0 };
    for (const rule of rules.values()) {
      if (rule.area !== area) continue;

      count.rules++;
      const status = rows.get(rule.id)?.status;
      if (status === 'done') count.done++;
      if (status === 'gap') count.gap++;
      if (status === 'n/a') count.notApplicable++;
    }
    return count;
  });
}

/** Formats the report of `npm run spec-notes`: the mapped total, then one line per area. */
export function formatSummary(result: CheckResult): string {
  const lines = [`${result.mapped} of ${result.total} rules mapped`];
  for (const count of result.areas) {
    const mapped = count.done + count.gap + count.notApplicable;
    lines.push(
      `  ${count.area.padEnd(8)} ${mapped} of ${count.rules} ` +
        `(done ${count.done}, gap ${count.gap}, n/a ${count.notApplicable})`,
    );
  }
  return lines.join('\n');
}
