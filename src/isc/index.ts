// Reading ISC dhcpd lease files: the parser and its record types.

export { ISC_LEASE_FILE_ERROR_CODES, IscLeaseFileError } from './errors.js';
export { parseIscLeaseFile, readIscLeaseFile } from './lease-file.js';
export type {
  IscFailoverPeerState,
  IscLease,
  IscLeaseFile,
  IscParseOptions,
  IscSkippedDeclaration,
  IscTime,
} from './types.js';
