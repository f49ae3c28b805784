// pcapng files: a sequence of blocks, each `type, total length, body, total length`. A Section
// Header Block (SHB) fixes the byte order of its section; Interface Description Blocks (IDB) give
// each interface's link type and timestamp resolution; Enhanced and Simple Packet Blocks (EPB,
// SPB) hold the packets. Every other block type is skipped.

import { CaptureError, truncatedError } from './capture-error.js';
import type { CapturedPacket } from './captured-packet.js';

const BLOCK_SHB = 0x0a0d0d0a;
const BLOCK_IDB = 0x00000001;
const BLOCK_SPB = 0x00000003;
const BLOCK_EPB = 0x00000006;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const OPTION_END = 0;
const OPTION_IF_TSRESOL = 9;
const OPTION_IF_TSOFFSET = 14;
const MIN_BLOCK_LENGTH = 12;

interface PcapngInterface {
  linkType: number;
  snapLength: number;
  unitsPerSecond: bigint;
  offsetSeconds: bigint;
}

interface Section {
  littleEndian: boolean;
  interfaces: PcapngInterface[];
}

/** Returns whether the file starts with a pcapng Section Header Block. */
export function isPcapng(view: DataView): boolean {
  return view.byteLength >= 4 && view.getUint32(0) === BLOCK_SHB;
}

/** Yields every packet of every section; raises CaptureError on a malformed block. */
export function* readPcapng(bytes: Uint8Array): Generator<CapturedPacket> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let section: Section | undefined;
  let offset = 0;
  let frame = 0;
  while (offset < bytes.length) {
    const isHeader = bytes.length - offset >= 4 && view.getUint32(offset) === BLOCK_SHB;
    section = isHeader ? readSectionHeader(view, offset) : section;
    if (section === undefined) {
      throw formatError('pcapng file does not start with a section header block', offset);
    }

    const { type, length } = readBlockFrame(view, offset, section.littleEndian);
    const packet = readBlock(view, offset, type, length, section);
    if (packet !== undefined) {
      frame += 1;
      yield { ...packet, frame, fileOffset: offset };
    }

    offset += length;
  }
}

/** Reads the byte-order magic of an SHB and starts a new section with no interfaces. */
function readSectionHeader(view: DataView, offset: number): Section {
  if (view.byteLength - offset < 12) {
    throw truncatedError('pcapng section header block', offset, 12, view.byteLength - offset);
  }

  const magic = view.getUint32(offset + 8, true);
  if (magic !== BYTE_ORDER_MAGIC && view.getUint32(offset + 8, false) !== BYTE_ORDER_MAGIC) {
    const found = magic.toString(16);
    throw formatError(`pcapng byte-order magic 0x${found}, expected 0x1a2b3c4d`, offset + 8);
  }

  return { littleEndian: magic === BYTE_ORDER_MAGIC, interfaces: [] };
}

/** Checks a block's length fields against each other and the file; returns type and length. */
function readBlockFrame(
  view: DataView,
  offset: number,
  littleEndian: boolean,
): { type: number; length: number } {
  const available = view.byteLength - offset;
  if (available < MIN_BLOCK_LENGTH) {
    throw truncatedError('pcapng block', offset, MIN_BLOCK_LENGTH, available);
  }

  const type = view.getUint32(offset, littleEndian);
  const length = view.getUint32(offset + 4, littleEndian);
  if (length < MIN_BLOCK_LENGTH || length % 4 !== 0) {
    throw formatError(
      `pcapng block length ${length}, expected a multiple of 4 of at least 12`,
      offset,
    );
  }

  if (length > available) {
    throw truncatedError('pcapng block', offset, length, available);
  }

  const trailing = view.getUint32(offset + length - 4, littleEndian);
  if (trailing !== length) {
    throw formatError(`pcapng block trailing length ${trailing}, expected ${length}`, offset);
  }

  return { type, length };
}

type PacketFields = Omit<CapturedPacket, 'frame' | 'fileOffset'>;

function readBlock(
  view: DataView,
  offset: number,
  type: number,
  length: number,
  section: Section,
): PacketFields | undefined {
  switch (type) {
    case BLOCK_IDB:
      section.interfaces.push(readInterface(view, offset, length, section.littleEndian));
      return undefined;
    case BLOCK_EPB:
      return readEnhancedPacket(view, offset, length, section);
    case BLOCK_SPB:
      return readSimplePacket(view, offset, length, section);
    default:
      return undefined;
  }
}

function readInterface(
  view: DataView,
  offset: number,
  length: number,
  littleEndian: boolean,
): PcapngInterface {
  if (length < 20) {
    throw formatError(
      `pcapng interface description block length ${length}, expected at least 20`,
      offset,
    );
  }

  const found: PcapngInterface = {
    linkType: view.getUint16(offset + 8, littleEndian),
    snapLength: view.getUint32(offset + 12, littleEndian),
    unitsPerSecond: 1_000_000n,
    offsetSeconds: 0n,
  };
  readInterfaceOptions(view, offset + 16, offset + length - 4, littleEndian, found);
  return found;
}

/** Reads if_tsresol and if_tsoffset; the other options do not change how packets are read. */
function readInterfaceOptions(
  view: DataView,
  start: number,
  end: number,
  littleEndian: boolean,
  target: PcapngInterface,
): void {
  let position = start;
  while (position + 4 <= end) {
    const code = view.getUint16(position, littleEndian);
    const length = view.getUint16(position + 2, littleEndian);
    const valueOffset = position + 4;
    if (code === OPTION_END) {
      return;
    }

    if (valueOffset + length > end) {
      throw formatError(
        `pcapng interface option ${code} length ${length} runs past its block`,
        position,
      );
    }

    if (code === OPTION_IF_TSRESOL && length >= 1) {
      target.unitsPerSecond = unitsPerSecondOf(view.getUint8(valueOffset), position);
    } else if (code === OPTION_IF_TSOFFSET && length >= 8) {
      target.offsetSeconds = view.getBigInt64(valueOffset, littleEndian);
    }

    position = valueOffset + Math.ceil(length / 4) * 4;
  }
}

/** if_tsresol: the high bit selects a power of 2, otherwise a power of 10, of the low 7 bits. */
function unitsPerSecondOf(resolution: number, offset: number): bigint {
  const exponent = BigInt(resolution & 0x7f);
  if (exponent > 60n) {
    throw formatError(
      `pcapng if_tsresol ${resolution}, expected an exponent of at most 60`,
      offset,
    );
  }

  return (resolution & 0x80) !== 0 ? 2n ** exponent : 10n ** exponent;
}

function interfaceOf(section: Section, id: number, offset: number): PcapngInterface {
  const found = section.interfaces[id];
  if (found === undefined) {
    throw formatError(
      `pcapng packet names interface ${id}, but only ${section.interfaces.length} are described`,
      offset,
    );
  }

  return found;
}

function readEnhancedPacket(
  view: DataView,
  offset: number,
  length: number,
  section: Section,
): PacketFields {
  const littleEndian = section.littleEndian;
  if (length < 32) {
    throw formatError(
      `pcapng enhanced packet block length ${length}, expected at least 32`,
      offset,
    );
  }

  const found = interfaceOf(section, view.getUint32(offset + 8, littleEndian), offset);
  const high = BigInt(view.getUint32(offset + 12, littleEndian));
  const low = BigInt(view.getUint32(offset + 16, littleEndian));
  const capturedLength = view.getUint32(offset + 20, littleEndian);
  if (28 + capturedLength > length - 4) {
    throw formatError(
      `pcapng enhanced packet captured length ${capturedLength} runs past its block`,
      offset,
    );
  }

  return {
    timestamp: secondsOf((high << 32n) | low, found),
    linkType: found.linkType,
    data: bytesOf(view, offset + 28, capturedLength),
  };
}

/** Reads a Simple Packet Block, which has no timestamp and always belongs to interface 0. */
function readSimplePacket(
  view: DataView,
  offset: number,
  length: number,
  section: Section,
): PacketFields {
  if (length < 16) {
    throw formatError(`pcapng simple packet block length ${length}, expected at least 16`, offset);
  }

  const found = interfaceOf(section, 0, offset);
  const originalLength = view.getUint32(offset + 8, section.littleEndian);
  const room = length - 16;
  const limit = found.snapLength === 0 ? room : Math.min(room, found.snapLength);
  return {
    timestamp: 0,
    linkType: found.linkType,
    data: bytesOf(view, offset + 12, Math.min(originalLength, limit)),
  };
}

function secondsOf(units: bigint, found: PcapngInterface): number {
  const whole = units / found.unitsPerSecond;
  const fraction = units % found.unitsPerSecond;
  return Number(whole + found.offsetSeconds) + Number(fraction) / Number(found.unitsPerSecond);
}

function bytesOf(view: DataView, offset: number, length: number): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset + offset, length);
}

function formatError(message: string, offset: number): CaptureError {
  return new CaptureError('FO_ERR_CAPTURE_FORMAT', `${message} at file offset ${offset}`, offset);
}
