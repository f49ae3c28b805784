// Writes lease declarations in the syntax dhcpd 4.4 uses, for parser round-trip tests.

/** Formats a dhcpd date, `W YYYY/MM/DD HH:MM:SS` in UTC with the weekday 0-6 (Sunday = 0). */
export function formatIscDate(seconds: number): string {
  const date = new Date(seconds * 1000);
  const pad = (value: number): string => String(value).padStart(2, '0');
  const day = `${date.getUTCFullYear()}/${pad(date.getUTCMonth() + 1)}/${pad(date.getUTCDate())}`;
  const time = `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
  return `${date.getUTCDay()} ${day} ${time}`;
}

/** Formats bytes as a dhcpd quoted string: printable ASCII as is, every other byte as `\ooo`. */
export function formatIscString(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) {
    const printable = byte >= 0x20 && byte < 0x7f && byte !== 0x22 && byte !== 0x5c;
    text += printable ? String.fromCharCode(byte) : '\\' + byte.toString(8).padStart(3, '0');
  }
  return `"${text}"`;
}

/** Formats bytes as colon-separated two-digit hex, as `hardware` and lease-id-format hex do. */
export function formatHex(bytes: Uint8Array): string {
  return [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join(':');
}

export interface SampleLease {
  address: string;
  bindingState: string;
  starts: number;
  ends: number;
  cltt: number;
  chaddr: Uint8Array;
  uid: Uint8Array;
  uidAsHex: boolean;
}

/** Formats one `lease` declaration with the statements dhcpd writes for a failover lease. */
export function formatIscLease(lease: SampleLease): string {
  const uid = lease.uidAsHex ? formatHex(lease.uid) : formatIscString(lease.uid);
  return [
    `lease ${lease.address} {`,
    `  starts ${formatIscDate(lease.starts)};`,
    `  ends ${formatIscDate(lease.ends)};`,
    `  tstp ${formatIscDate(lease.ends)};`,
    `  cltt ${formatIscDate(lease.cltt)};`,
    `  binding state ${lease.bindingState};`,
    `  next binding state free;`,
    `  hardware ethernet ${formatHex(lease.chaddr)};`,
    `  uid ${uid};`,
    `}`,
  ].join('\n');
}
