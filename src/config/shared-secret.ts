// The shared secret of a relationship, the key of its message digests (MSF-2.2-c, FO-11.1-a).
// The bytes sit in a private field, and every way of printing the object (toString, JSON,
// util.inspect) gives "[redacted]", so a config or error that reaches a log never shows the secret.

import { inspect } from 'node:util';

const REDACTED = '[redacted]';

export class SharedSecret {
  readonly #key: Buffer;

  /** Takes the secret as UTF-8 text; the caller checks that it is not empty. */
  constructor(text: string) {
    this.#key = Buffer.from(text, 'utf8');
  }

  /** Length of the key in bytes, for checks that must not reveal the key itself. */
  get byteLength(): number {
    return this.#key.length;
  }

  /** Returns the key bytes for the HMAC; a copy, so the caller cannot change the secret. */
  keyBytes(): Buffer {
    return Buffer.from(this.#key);
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return `SharedSecret ${REDACTED}`;
  }
}
