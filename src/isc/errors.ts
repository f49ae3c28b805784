// The error an ISC dhcpd lease file raises when it cannot be parsed.

import { FailoverError } from '../errors.js';

export const ISC_LEASE_FILE_ERROR_CODES = {
  /** Tokens out of place: a missing `;` or `}`, an unterminated string, a cut-off file. */
  syntax: 'FO_ERR_ISC_LEASE_FILE_SYNTAX',
  /** A well-formed statement with an invalid value: address, date, state or hex bytes. */
  value: 'FO_ERR_ISC_LEASE_FILE_VALUE',
} as const;

/** An ISC dhcpd lease file that is not valid; `line` is 1-based. */
export class IscLeaseFileError extends FailoverError {
  readonly line: number;

  constructor(code: string, message: string, line: number) {
    super(code, message);
    this.line = line;
  }
}
