// A canonical text form of plain data: object keys sorted, undefined members left out. Two worlds
// of the model check are the same state exactly when their canonical texts are equal.

/** Returns JSON text of `value` with object keys in sorted order at every level. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) {
    const items = value.map((item: unknown) => (item === undefined ? 'null' : canonicalJson(item)));

    return `[${items.join(',')}]`;
  }

  const entries: [string, unknown][] = Object.entries(value);
  const members = entries
    .filter(([, member]) => member !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, member]) => `${JSON.stringify(key)}:${canonicalJson(member)}`);

  return `{${members.join(',')}}`;
}
