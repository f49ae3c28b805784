// Byte-exact conversions between option bytes and JavaScript strings. Both directions keep every
// byte, so a decoded string always encodes back to the bytes it came from.

/** Decodes bytes as ISO-8859-1: one character per byte, so any byte sequence round-trips. */
export function decodeLatin1(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) {
    text += String.fromCharCode(byte);
  }

  return text;
}

/** Encodes a string as ISO-8859-1; returns undefined when a character is above U+00FF. */
export function encodeLatin1(text: string): Uint8Array | undefined {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit > 0xff) {
      return undefined;
    }

    bytes[i] = unit;
  }

  return bytes;
}

/**
 * Decodes UTF-16LE code units one by one. Unpaired surrogates are kept as they are, so the
 * result encodes back to the same bytes. The caller checks that the length is even.
 */
export function decodeUTF16LE(view: DataView, offset: number, length: number): string {
  let text = '';
  for (let i = 0; i + 1 < length; i += 2) {
    text += String.fromCharCode(view.getUint16(offset + i, true));
  }

  return text;
}

/** Encodes a string as UTF-16LE code units, optionally followed by a 2-byte NUL (AMB-23). */
export function encodeUTF16LE(text: string, withNul: boolean): Uint8Array {
  const bytes = new Uint8Array(text.length * 2 + (withNul ? 2 : 0));
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < text.length; i++) {
    view.setUint16(i * 2, text.charCodeAt(i), true);
  }

  return bytes;
}
