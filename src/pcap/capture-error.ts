// The error a capture file raises when its container format (pcap, pcapng) is malformed.

import { FailoverError } from '../errors.js';

/** A capture file that cannot be read; `offset` is the byte offset in the file. */
export class CaptureError extends FailoverError {
  readonly offset: number;

  constructor(code: string, message: string, offset: number) {
    super(code, message);
    this.offset = offset;
  }
}

/** Raises FO_ERR_CAPTURE_TRUNCATED: a block or record claims more bytes than the file holds. */
export function truncatedError(
  what: string,
  offset: number,
  needed: number,
  available: number,
): CaptureError {
  return new CaptureError(
    'FO_ERR_CAPTURE_TRUNCATED',
    `${what} at file offset ${offset} needs ${needed} bytes, but only ${available} remain`,
    offset,
  );
}
