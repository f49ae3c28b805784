// Markdown pipe tables with padded columns, readable in a terminal and in bench/README.md.

export type Cell = string | number;

/** Formats a table; columns of numbers are right-aligned, others left-aligned. */
export function markdownTable(
  headers: readonly string[],
  rows: readonly (readonly Cell[])[],
): string {
  const texts = rows.map((row) => row.map((cell) => String(cell)));
  const widths = headers.map((header, column) =>
    Math.max(3, header.length, ...texts.map((row) => (row[column] ?? '').length)),
  );
  const rightAligned = headers.map((_, column) => {
    const cells = texts.map((row) => row[column] ?? '').filter((cell) => cell !== '-');
    return cells.length > 0 && cells.every(isNumeric);
  });
  const pad = (cell: string, column: number): string => {
    const width = widths[column] ?? 0;
    return rightAligned[column] === true ? cell.padStart(width) : cell.padEnd(width);
  };
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((cell, column) => pad(cell, column)).join(' | ')} |`;
  const rule = widths.map((width, column) =>
    rightAligned[column] === true ? `${'-'.repeat(width + 1)}:` : '-'.repeat(width + 2),
  );
  return [line(headers), `|${rule.join('|')}|`, ...texts.map(line)].join('\n');
}

/** Numbers, ratios ("1.44x") and pairs ("72.1 / 73.3") count as numeric cells. */
function isNumeric(cell: string): boolean {
  return /^[\d,.]+x?( \/ [\d,.]+)?$/.test(cell);
}

/** Formats an integer with thousands separators: 1,805. */
export function integer(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '-';
}

/** Formats a value with `digits` decimals, or '-' when it is not a number. */
export function fixed(value: number | undefined, digits: number): string {
  return value !== undefined && Number.isFinite(value) ? value.toFixed(digits) : '-';
}

/** Formats bytes as MB (10^6) with one decimal. */
export function megabytes(bytes: number | undefined): string {
  return bytes === undefined ? '-' : (bytes / 1e6).toFixed(1);
}
