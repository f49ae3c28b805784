// IPv4 addresses as dotted quads, the form the decoded option values use.

const DOTTED_QUAD = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Formats 4 bytes in network order at `offset` as a dotted quad. */
export function formatIPv4(view: DataView, offset: number): string {
  return `${view.getUint8(offset)}.${view.getUint8(offset + 1)}.${view.getUint8(offset + 2)}.${view.getUint8(offset + 3)}`;
}

/** Formats 4 bytes in little-endian (host) order at `offset` as a dotted quad (AMB-22). */
export function formatIPv4LittleEndian(view: DataView, offset: number): string {
  return `${view.getUint8(offset + 3)}.${view.getUint8(offset + 2)}.${view.getUint8(offset + 1)}.${view.getUint8(offset)}`;
}

/**
 * Parses a dotted quad into its 4 bytes in network order; returns undefined unless the text is
 * exactly four decimal numbers 0-255 without leading zeros.
 */
export function parseIPv4(text: string): Uint8Array | undefined {
  const match = DOTTED_QUAD.exec(text);
  if (match === null) {
    return undefined;
  }

  const bytes = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const part = match[i + 1] ?? '';
    const value = Number(part);
    if (value > 255 || (part.length > 1 && part.startsWith('0'))) {
      return undefined;
    }

    bytes[i] = value;
  }

  return bytes;
}
