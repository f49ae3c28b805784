import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkSpecNotes, formatSummary } from '../../spec-notes/checker.js';
import { parseNotesTable, splitTableRow } from '../../spec-notes/notes-table.js';
import { parseRules, readRules } from '../../spec-notes/rules.js';
import { repositoryRoot, sharedAvailable, sharedPath } from '../helpers/shared-dir.js';

const RULES_TSV = [
  'id\tsource\tstrength\tarea\tsummary',
  'FO-6.1-a\tdraft12\tMUST\twire\tHeader is 12 bytes',
  'FO-6.1-b\tdraft12\tSHOULD\twire\tIgnore unknown options',
  'FO-7.1-a\tdraft12\tMUST\tbndupd\tAck every BNDUPD',
  'E-1\tdraft12\tERRATUM\twire\tPayload offset is 12',
].join('\n');

const HEADER = '| ID | strength | code | test | status |\n|---|---|---|---|---|\n';

let root: string;

function writeRepositoryFile(path: string, text: string): void {
  const full = join(root, path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, text);
}

function check(): ReturnType<typeof checkSpecNotes> {
  return checkSpecNotes({ repositoryRoot: root, rules: parseRules(RULES_TSV, 'rules.tsv') });
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'dhcpf-spec-notes-'));
  writeRepositoryFile('src/wire/message.ts', 'export function decodeMessage() {}\n');
  writeRepositoryFile(
    'test/wire/message.test.ts',
    "it('decodes a 12-byte header (FO-6.1-a)', () => {});\n",
  );
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('checkSpecNotes', () => {
  it('counts mapped rules in total and per area', () => {
    writeRepositoryFile(
      'spec-notes/wire.md',
      '# wire\n\n' +
        HEADER +
        '| FO-6.1-a | MUST | `src/wire/message.ts:decodeMessage` | decodes a 12-byte header (FO-6.1-a) | done |\n' +
        '| E-1 | ERRATUM | | | n/a: the header is fixed |\n',
    );

    const result = check();

    expect(result.errors).toEqual([]);
    expect(result.mapped).toBe(2);
    expect(result.total).toBe(4);
    expect(result.areas.find((count) => count.area === 'wire')).toEqual({
      area: 'wire',
      rules: 3,
      done: 1,
      gap: 0,
      notApplicable: 1,
    });
    expect(formatSummary(result).split('\n')[0]).toBe('2 of 4 rules mapped');
  });

  it('reports an unknown rule ID with file and line', () => {
    writeRepositoryFile('spec-notes/wire.md', HEADER + '| FO-99-z | MUST | | | gap |\n');

    expect(check().errors).toEqual([
      'spec-notes/wire.md:3: unknown rule ID FO-99-z, not in rules.tsv',
    ]);
  });

  it('reports a code location whose file does not exist', () => {
    writeRepositoryFile(
      'spec-notes/wire.md',
      HEADER + '| FO-6.1-b | SHOULD | src/wire/nope.ts | | gap |\n',
    );

    expect(check().errors).toEqual([
      'spec-notes/wire.md:3: FO-6.1-b code location src/wire/nope.ts does not exist',
    ]);
  });

  it('reports a code location whose name is not in the file', () => {
    writeRepositoryFile(
      'spec-notes/wire.md',
      HEADER + '| FO-6.1-b | SHOULD | src/wire/message.ts:skipUnknownOptions | | gap |\n',
    );

    expect(check().errors).toEqual([
      'spec-notes/wire.md:3: FO-6.1-b code location src/wire/message.ts has no "skipUnknownOptions"',
    ]);
  });

  it('reports a test title that appears in no file under test', () => {
    writeRepositoryFile(
      'spec-notes/wire.md',
      HEADER +
        '| FO-6.1-a | MUST | src/wire/message.ts | decodes a 12-byte header (FO-6.1-a)<br>`skips an option` | done |\n',
    );

    expect(check().errors).toEqual([
      'spec-notes/wire.md:3: FO-6.1-a test title "skips an option" appears in no file under test/',
    ]);
  });

  it('reports a rule in the file of another area', () => {
    writeRepositoryFile('spec-notes/wire.md', HEADER + '| FO-7.1-a | MUST | | | gap |\n');

    expect(check().errors).toEqual([
      'spec-notes/wire.md:3: FO-7.1-a belongs to area bndupd, expected in spec-notes/bndupd.md',
    ]);
  });

  it('reports a strength that differs from rules.tsv', () => {
    writeRepositoryFile('spec-notes/wire.md', HEADER + '| FO-6.1-b | MUST | | | gap |\n');

    expect(check().errors).toEqual([
      'spec-notes/wire.md:3: FO-6.1-b strength "MUST", expected "SHOULD"',
    ]);
  });

  it('reports a second row for one rule', () => {
    writeRepositoryFile(
      'spec-notes/wire.md',
      HEADER + '| FO-6.1-b | SHOULD | | | gap |\n| FO-6.1-b | SHOULD | | | gap |\n',
    );

    expect(check().errors).toEqual([
      'spec-notes/wire.md:4: FO-6.1-b already has a row at spec-notes/wire.md:3',
    ]);
  });

  it('reports n/a without a reason and done without code', () => {
    writeRepositoryFile(
      'spec-notes/wire.md',
      HEADER + '| FO-6.1-b | SHOULD | | | n/a |\n| FO-6.1-a | MUST | | | done |\n',
    );

    expect(check().errors).toEqual([
      'spec-notes/wire.md:3: FO-6.1-b is n/a without a reason, expected "n/a: <reason>"',
      'spec-notes/wire.md:4: FO-6.1-a is done without a code location',
    ]);
  });

  it('reports a GAP marker in the source without a gap row', () => {
    writeRepositoryFile(
      'src/wire/options.ts',
      '\n// GAP(FO-6.1-b): unknown options raise, because none are expected.\n',
    );
    writeRepositoryFile('spec-notes/wire.md', HEADER);

    expect(check().errors).toEqual([
      'src/wire/options.ts:2: GAP(FO-6.1-b) has no row with status gap in spec-notes',
    ]);
  });

  it('accepts a GAP marker with a gap row', () => {
    writeRepositoryFile('src/wire/options.ts', '// GAP(FO-6.1-b): unknown options raise.\n');
    writeRepositoryFile(
      'spec-notes/wire.md',
      HEADER + '| FO-6.1-b | SHOULD | src/wire/options.ts | | gap |\n',
    );

    expect(check().errors).toEqual([]);
  });
});

describe('parseNotesTable', () => {
  it('reports a wrong header and stops reading the table', () => {
    const parsed = parseNotesTable('| ID | code | status |\n| FO-6.1-a | x | done |\n', 'wire.md');

    expect(parsed.rows).toEqual([]);
    expect(parsed.errors).toEqual([
      'wire.md:1: table header | ID | code | status |, expected | ID | strength | code | test | status |',
    ]);
  });

  it('reports a row with a missing cell and an unknown status', () => {
    const parsed = parseNotesTable(
      HEADER + '| FO-6.1-a | MUST | x | done |\n| E-1 | ERRATUM | | | later |\n',
      'wire.md',
    );

    expect(parsed.errors).toEqual([
      'wire.md:3: 4 cells, expected 5 (| ID | strength | code | test | status |)',
      'wire.md:4: status "later", expected done, gap or n/a with a reason',
    ]);
  });

  it('reads n/a reasons after a colon or in brackets', () => {
    const parsed = parseNotesTable(
      HEADER +
        '| E-1 | ERRATUM | | | n/a: no TLS |\n| FO-6.1-b | SHOULD | | | n/a (Windows only) |\n',
      'wire.md',
    );

    expect(parsed.rows.map((row) => row.reason)).toEqual(['no TLS', 'Windows only']);
  });

  it('reads a gap with and without what is missing', () => {
    const parsed = parseNotesTable(
      HEADER + '| E-1 | ERRATUM | | | gap: Windows only |\n| FO-6.1-b | SHOULD | | | gap |\n',
      'wire.md',
    );

    expect(parsed.errors).toEqual([]);
    expect(parsed.rows.map((row) => [row.status, row.reason])).toEqual([
      ['gap', 'Windows only'],
      ['gap', undefined],
    ]);
  });

  it('keeps an escaped pipe inside a cell', () => {
    expect(splitTableRow('| a \\| b | c |')).toEqual(['a | b', 'c']);
  });
});

describe('parseRules', () => {
  it('reads every rule with its area and strength', () => {
    const rules = parseRules(RULES_TSV, 'rules.tsv');

    expect(rules.size).toBe(4);
    expect(rules.get('FO-6.1-b')).toEqual({
      id: 'FO-6.1-b',
      source: 'draft12',
      strength: 'SHOULD',
      area: 'wire',
      summary: 'Ignore unknown options',
    });
  });

  it('rejects a file without the header', () => {
    expect(() => parseRules('FO-6.1-a\tdraft12\tMUST\twire\tx\n', 'rules.tsv')).toThrow(
      'rules.tsv:1: header "FO-6.1-a\\tdraft12\\tMUST\\twire\\tx", expected "id\\tsource\\tstrength\\tarea\\tsummary"',
    );
  });

  it('rejects a line with an unknown area, naming the line', () => {
    const text = RULES_TSV + '\nFO-9-a\tdraft12\tMUST\tdns\tx\n';

    expect(() => parseRules(text, 'rules.tsv')).toThrow('rules.tsv:6: area "dns", expected one of');
  });

  it('rejects a line with four columns', () => {
    expect(() => parseRules(RULES_TSV + '\nFO-9-a\tdraft12\tMUST\twire\n', 'rules.tsv')).toThrow(
      'rules.tsv:6: 4 columns, expected 5',
    );
  });
});

describe('spec-notes of this repository', () => {
  it.skipIf(!sharedAvailable)('pass the check against rules.tsv (needs the shared spec)', () => {
    const rules = readRules(sharedPath('spec', 'rules.tsv'));

    expect(checkSpecNotes({ repositoryRoot, rules }).errors).toEqual([]);
  });
});
