// Classic libpcap files: a 24-byte file header, then per packet a 16-byte record header and the
// captured bytes. The magic number gives the byte order and the timestamp resolution.

import { CaptureError, truncatedError } from './capture-error.js';
import type { CapturedPacket } from './captured-packet.js';

const MAGIC_MICROSECONDS = 0xa1b2c3d4;
const MAGIC_NANOSECONDS = 0xa1b23c4d;
const FILE_HEADER_LENGTH = 24;
const RECORD_HEADER_LENGTH = 16;
/** The link type sits in the low 28 bits; the high bits may carry FCS information. */
const LINK_TYPE_MASK = 0x0fffffff;

/** Returns whether the first bytes are a classic pcap magic number, in either byte order. */
export function isClassicPcap(view: DataView): boolean {
  if (view.byteLength < 4) {
    return false;
  }

  const big = view.getUint32(0, false);
  const little = view.getUint32(0, true);
  return [big, little].some((magic) => magic === MAGIC_MICROSECONDS || magic === MAGIC_NANOSECONDS);
}

/** Yields every packet record; raises CaptureError when the file ends inside a header or record. */
export function* readClassicPcap(bytes: Uint8Array): Generator<CapturedPacket> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < FILE_HEADER_LENGTH) {
    throw truncatedError('pcap file header', 0, FILE_HEADER_LENGTH, bytes.length);
  }

  const littleEndian = [MAGIC_MICROSECONDS, MAGIC_NANOSECONDS].includes(view.getUint32(0, true));
  const magic = view.getUint32(0, littleEndian);
  const unitsPerSecond = magic === MAGIC_NANOSECONDS ? 1e9 : 1e6;
  const linkType = view.getUint32(20, littleEndian) & LINK_TYPE_MASK;
  let offset = FILE_HEADER_LENGTH;
  let frame = 0;
  while (offset < bytes.length) {
    if (bytes.length - offset < RECORD_HEADER_LENGTH) {
      throw truncatedError(
        'pcap record header',
        offset,
        RECORD_HEADER_LENGTH,
        bytes.length - offset,
      );
    }

    const seconds = view.getUint32(offset, littleEndian);
    const fraction = view.getUint32(offset + 4, littleEndian);
    const capturedLength = view.getUint32(offset + 8, littleEndian);
    checkFraction(fraction, unitsPerSecond, offset);
    const dataOffset = offset + RECORD_HEADER_LENGTH;
    if (capturedLength > bytes.length - dataOffset) {
      throw truncatedError(
        'pcap record',
        offset,
        RECORD_HEADER_LENGTH + capturedLength,
        bytes.length - offset,
      );
    }

    frame += 1;
    yield {
      frame,
      timestamp: seconds + fraction / unitsPerSecond,
      linkType,
      data: bytes.subarray(dataOffset, dataOffset + capturedLength),
      fileOffset: offset,
    };
    offset = dataOffset + capturedLength;
  }
}

/** Rejects a sub-second field of one second or more, which only a corrupt record header has. */
function checkFraction(fraction: number, unitsPerSecond: number, offset: number): void {
  if (fraction >= unitsPerSecond) {
    throw new CaptureError(
      'FO_ERR_CAPTURE_FORMAT',
      `pcap record timestamp fraction ${fraction}, expected below ${unitsPerSecond} at file offset ${offset}`,
      offset,
    );
  }
}
