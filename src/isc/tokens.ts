// Tokenizer and token reader for dhcpd's configuration syntax, as far as lease files use it:
// words, quoted strings, braces and semicolons, with `#` comments to the end of the line.

import { ISC_LEASE_FILE_ERROR_CODES, IscLeaseFileError } from './errors.js';

export type TokenKind = 'word' | 'string' | '{' | '}' | ';';

export interface Token {
  kind: TokenKind;
  /** A word as written, or a string's decoded content with one character per byte (latin1). */
  text: string;
  line: number;
}

const PUNCTUATION = new Set(['{', '}', ';']);
const WORD_END = /[\s{};"#]/;

/** Splits lease file text into tokens; raises IscLeaseFileError on an unterminated string. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const c = text.charAt(i);
    if (c === '\n') {
      line++;
      i++;
    } else if (/\s/.test(c)) {
      i++;
    } else if (c === '#') {
      const end = text.indexOf('\n', i);
      i = end === -1 ? text.length : end;
    } else if (PUNCTUATION.has(c)) {
      tokens.push({ kind: c as TokenKind, text: c, line });
      i++;
    } else if (c === '"') {
      const string = readString(text, i, line);
      tokens.push({ kind: 'string', text: string.value, line });
      line += string.newlines;
      i = string.end;
    } else {
      let end = i + 1;
      while (end < text.length && !WORD_END.test(text.charAt(end))) end++;
      tokens.push({ kind: 'word', text: text.slice(i, end), line });
      i = end;
    }
  }
  return tokens;
}

const SIMPLE_ESCAPES: Record<string, string> = { t: '\t', n: '\n', r: '\r', b: '\b' };

/**
 * Reads the quoted string that starts at `start`. dhcpd writes non-printable bytes as three
 * octal digits (`\001`); it also reads `\xHH`, `\t`, `\n`, `\r`, `\b`, and takes any other
 * escaped character literally.
 */
function readString(
  text: string,
  start: number,
  line: number,
): { value: string; end: number; newlines: number } {
  let value = '';
  let newlines = 0;
  let i = start + 1;
  while (i < text.length) {
    const c = text.charAt(i);
    if (c === '"') return { value, end: i + 1, newlines };

    if (c === '\n') newlines++;
    if (c !== '\\') {
      value += c;
      i++;
      continue;
    }

    const escape = readEscape(text, i + 1);
    value += escape.value;
    i = escape.end;
  }
  throw new IscLeaseFileError(
    ISC_LEASE_FILE_ERROR_CODES.syntax,
    `string unterminated, expected a closing '"' before the end of the file at line ${line}`,
    line,
  );
}

function readEscape(text: string, start: number): { value: string; end: number } {
  const octal = /^[0-7]{1,3}/.exec(text.slice(start, start + 3));
  if (octal !== null) {
    return {
      value: String.fromCharCode(parseInt(octal[0], 8) & 0xff),
      end: start + octal[0].length,
    };
  }

  const hex = /^x([0-9a-fA-F]{1,2})/.exec(text.slice(start, start + 3));
  if (hex?.[1] !== undefined) {
    return { value: String.fromCharCode(parseInt(hex[1], 16)), end: start + hex[0].length };
  }

  const c = text.charAt(start);
  return { value: SIMPLE_ESCAPES[c] ?? c, end: start + 1 };
}

/** Describes a token for an error message: `'}'`, `word "starts"`, `a string`. */
function describeToken(token: Token | undefined): string {
  if (token === undefined) return 'the end of the file';
  if (token.kind === 'word') return `"${token.text}"`;
  if (token.kind === 'string') return 'a quoted string';
  return `'${token.kind}'`;
}

/** Reads tokens in order; every `expect...` method raises IscLeaseFileError naming the line. */
export class TokenReader {
  private index = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  atEnd(): boolean {
    return this.index >= this.tokens.length;
  }

  peek(): Token | undefined {
    return this.tokens[this.index];
  }

  /** Returns the line of the next token, or of the last token at the end of the file. */
  line(): number {
    return (this.tokens[this.index] ?? this.tokens[this.tokens.length - 1])?.line ?? 1;
  }

  /** Returns the next token; `element` names what is being read, for the error at the end. */
  next(element: string): Token {
    const token = this.tokens[this.index];
    if (token === undefined) throw this.unexpected(element, 'more input');

    this.index++;
    return token;
  }

  expect(kind: TokenKind, element: string): Token {
    const token = this.peek();
    if (token?.kind !== kind)
      throw this.unexpected(element, kind === 'word' ? 'a word' : `'${kind}'`);

    this.index++;
    return token;
  }

  expectWord(element: string, word?: string): string {
    const token = this.peek();
    const matches = token?.kind === 'word' && (word === undefined || token.text === word);
    if (!matches) throw this.unexpected(element, word === undefined ? 'a word' : `"${word}"`);

    this.index++;
    return token.text;
  }

  /** Builds the syntax error for the next token (or the end of the file). */
  unexpected(element: string, expected: string): IscLeaseFileError {
    const token = this.peek();
    const line = this.line();
    return new IscLeaseFileError(
      ISC_LEASE_FILE_ERROR_CODES.syntax,
      `${element} found ${describeToken(token)}, expected ${expected} at line ${line}`,
      line,
    );
  }

  /**
   * Skips the rest of a statement whose keyword was read: up to its `;`, or up to the `}` that
   * closes a block statement such as `on expiry { ... }`.
   */
  skipStatement(element: string): void {
    let depth = 0;
    for (;;) {
      if (this.peek()?.kind === '}' && depth === 0) throw this.unexpected(element, "';'");

      const token = this.next(element);
      if (token.kind === '{') {
        depth++;
      } else if (token.kind === '}') {
        depth--;
        if (depth === 0) return;
      } else if (token.kind === ';' && depth === 0) {
        return;
      }
    }
  }
}
