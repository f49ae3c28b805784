// Reads the rule tables of the spec-notes Markdown files. Each file contains one table with the
// header `| ID | strength | code | test | status |`; other lines (headings, prose) are ignored.
//
// Cells: `code` and `test` contain several entries separated by `<br>`, each optionally in
// backticks. A code entry is a path from the repository root, optionally followed by `:` and a
// name that must occur in that file (`src/wire/message.ts:decodeMessage`). A test entry is an `it`
// title. `status` is `done`, `gap` (optionally `gap: <what is missing>`), or `n/a` followed by its
// reason (`n/a: no TLS in ISC dhcpd`).

export type NoteStatus = 'done' | 'gap' | 'n/a';

export interface CodeLocation {
  path: string;
  /** Name that must occur in the file, when given. */
  symbol?: string;
}

export interface NoteRow {
  /** File as given to `parseNotesTable`, for messages. */
  file: string;
  line: number;
  id: string;
  strength: string;
  code: CodeLocation[];
  tests: string[];
  status: NoteStatus;
  /** Reason given with `n/a` (required) or `gap` (optional). */
  reason?: string;
}

export interface ParsedNotes {
  rows: NoteRow[];
  /** Problems, each `FILE:LINE: message`. */
  errors: string[];
}

const HEADER_CELLS = ['id', 'strength', 'code', 'test', 'status'];

/** Splits a table line into trimmed cells; `\|` stays inside a cell as `|`. */
export function splitTableRow(line: string): string[] {
  const body = line.trim().replace(/^\|/, '').replace(/\|$/, '');
  return body.split(/(?<!\\)\|/).map((cell) => cell.trim().replaceAll('\\|', '|'));
}

/** Splits a cell at `<br>` and removes surrounding backticks from each entry. */
function splitEntries(cell: string): string[] {
  return cell
    .split(/<br\s*\/?>/i)
    .map((entry) =>
      entry
        .trim()
        .replace(/^`(.*)`$/, '$1')
        .trim(),
    )
    .filter((entry) => entry !== '' && entry !== '-' && entry !== '—');
}

function parseCodeLocation(entry: string): CodeLocation {
  const colon = entry.indexOf(':');
  if (colon === -1) return { path: entry };

  return { path: entry.slice(0, colon), symbol: entry.slice(colon + 1).trim() };
}

function parseStatus(cell: string): { status: NoteStatus; reason?: string } | undefined {
  if (cell === 'done' || cell === 'gap') return { status: cell };

  const gap = /^gap:\s*(.+)$/.exec(cell);
  if (gap?.[1] !== undefined) return { status: 'gap', reason: gap[1].trim() };

  const notApplicable = /^n\/a\b[\s:—–(-]*(.*?)\)?$/.exec(cell);
  if (notApplicable === null) return undefined;

  return { status: 'n/a', reason: notApplicable[1]?.trim() ?? '' };
}

function isSeparatorRow(cells: string[]): boolean {
  return cells.every((cell) => /^:?-{3,}:?$/.test(cell));
}

/** Parses the rule table of one spec-notes file. */
export function parseNotesTable(text: string, file: string): ParsedNotes {
  const rows: NoteRow[] = [];
  const errors: string[] = [];
  let seenHeader = false;
  for (const [index, rawLine] of text.split('\n').entries()) {
    if (!rawLine.trimStart().startsWith('|')) continue;

    const line = index + 1;
    const cells = splitTableRow(rawLine);
    if (!seenHeader) {
      const header = cells.map((cell) => cell.toLowerCase());
      if (header.join('|') !== HEADER_CELLS.join('|')) {
        errors.push(`${file}:${line}: table header ${rawLine.trim()}, expected ${headerText()}`);
        return { rows, errors };
      }
      seenHeader = true;
      continue;
    }
    if (isSeparatorRow(cells)) continue;

    const row = parseRow(cells, file, line, errors);
    if (row !== undefined) rows.push(row);
  }
  return { rows, errors };
}

function headerText(): string {
  return '| ID | strength | code | test | status |';
}

function parseRow(
  cells: string[],
  file: string,
  line: number,
  errors: string[],
): NoteRow | undefined {
  const [id, strength, code, test, statusCell] = cells;
  if (cells.length !== 5 || statusCell === undefined) {
    errors.push(`${file}:${line}: ${cells.length} cells, expected 5 (${headerText()})`);
    return undefined;
  }

  const status = parseStatus(statusCell);
  if (status === undefined) {
    errors.push(`${file}:${line}: status "${statusCell}", expected done, gap or n/a with a reason`);
    return undefined;
  }

  return {
    file,
    line,
    id: id?.replace(/^`(.*)`$/, '$1') ?? '',
    strength: strength ?? '',
    code: splitEntries(code ?? '').map(parseCodeLocation),
    tests: splitEntries(test ?? ''),
    ...status,
  };
}
