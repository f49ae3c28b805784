// IPv4 addresses as the lease store keeps them. The store orders and compares addresses as
// unsigned 32-bit numbers, while callers and lease files use the dotted quad.

/** A dotted quad with four decimal parts and no leading zeros, which some parsers read as octal. */
const DOTTED_QUAD = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/;

/** Parses a dotted quad into its unsigned 32-bit value; returns undefined for anything else. */
export function parseIPv4(text: string): number | undefined {
  const match = DOTTED_QUAD.exec(text);
  if (match === null) {
    return undefined;
  }

  let value = 0;
  for (let part = 1; part <= 4; part++) {
    const octet = Number(match[part]);
    if (octet > 255) {
      return undefined;
    }

    value = value * 256 + octet;
  }
  return value;
}

/** Formats an unsigned 32-bit value as a dotted quad. */
export function formatIPv4(value: number): string {
  return `${(value >>> 24) & 0xff}.${(value >>> 16) & 0xff}.${(value >>> 8) & 0xff}.${value & 0xff}`;
}
