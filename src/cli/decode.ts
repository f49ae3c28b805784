// `dhcpf decode`: prints the failover messages of a capture file, or of hex bytes, one per line.

import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { DecodeError } from '../errors.js';
import { CaptureError } from '../pcap/capture-error.js';
import {
  FAILOVER_PORT,
  readCapturePackets,
  readFailoverMessages,
  type CapturedMessage,
} from '../pcap/failover-capture.js';
import { tcpSegmentOf } from '../pcap/tcp-segment.js';
import { formatMessage, messageToJSON } from '../wire/describe.js';
import { MessageFramer } from '../wire/framer.js';
import { decodeMessage } from '../wire/message.js';
import { messageTypeName, optionName } from '../wire/names.js';
import type { WireProfile } from '../wire/types.js';

/** Exit status: every message decoded. */
export const EXIT_OK = 0;
/**
 * Exit status: at least one message or stream failed to decode (the others were printed), or the
 * capture has no failover message on the chosen port.
 */
export const EXIT_DECODE_FAILED = 1;
/** Exit status: bad arguments, an unreadable or malformed capture file, or invalid hex. */
export const EXIT_USAGE = 2;

export interface DecodeCommandOptions {
  hex?: string;
  json?: boolean;
  profile?: string;
  port?: string;
}

/** Output of the command: decoded messages and their errors go to `out`, failures to `error`. */
export interface CommandOutput {
  out(line: string): void;
  error(line: string): void;
}

/** Capture frame, time and endpoints of a message; absent for bytes given with --hex. */
type Origin = Omit<CapturedMessage, 'bytes'> | undefined;

class UsageError extends Error {}

/** Registers `dhcpf decode FILE | --hex HEX` on the program. */
export function registerDecodeCommand(program: Command): void {
  program
    .command('decode')
    .description('print the failover messages of a pcap or pcapng capture, or of hex bytes')
    .argument('[file]', 'capture file (pcap or pcapng)')
    .option('--hex <hex>', 'decode these bytes (one or more whole messages) instead of a file')
    .option('--json', 'print one JSON object per message; byte strings become hex')
    .option('--profile <profile>', 'wire profile of the sender: isc or microsoft', 'isc')
    .option(
      '--port <port>',
      'TCP port of the failover connections in the capture',
      String(FAILOVER_PORT),
    )
    .action(async (file: string | undefined, options: DecodeCommandOptions) => {
      // A reader such as `head` may close the pipe early; that ends the output, not in an error.
      process.stdout.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code !== 'EPIPE') {
          throw error;
        }

        process.exit(process.exitCode ?? EXIT_OK);
      });
      const output: CommandOutput = {
        out: (line) => process.stdout.write(`${line}\n`),
        error: (line) => process.stderr.write(`${line}\n`),
      };
      process.exitCode = await runDecode(file, options, output);
    });
}

/**
 * Runs the decode command and returns its exit status. A message that fails to decode is printed
 * as its DecodeError and the command goes on with the next one.
 */
export async function runDecode(
  file: string | undefined,
  options: DecodeCommandOptions,
  output: CommandOutput,
): Promise<number> {
  try {
    const profile = parseProfile(options.profile ?? 'isc');
    const port = parsePort(options.port ?? String(FAILOVER_PORT));
    const printer = new MessagePrinter(profile, options.json === true, output);
    if (file === undefined && options.hex === undefined) {
      throw new UsageError('missing input: give a capture FILE or --hex HEX');
    }

    if (file !== undefined && options.hex !== undefined) {
      throw new UsageError('too many inputs: give a capture FILE or --hex HEX, not both');
    }

    if (options.hex !== undefined) {
      decodeHex(parseHex(options.hex), printer);
    } else if (file !== undefined) {
      return await decodeCaptureFile(file, port, printer, output);
    }

    return printer.failed ? EXIT_DECODE_FAILED : EXIT_OK;
  } catch (error) {
    if (error instanceof UsageError) {
      output.error(`dhcpf decode: ${error.message}`);
      return EXIT_USAGE;
    }

    throw error;
  }
}

/**
 * Decodes a capture file. A capture with nothing on `port` is reported on the error output with
 * the TCP ports it does have, because a failover pair may be configured on another port.
 */
async function decodeCaptureFile(
  file: string,
  port: number,
  printer: MessagePrinter,
  output: CommandOutput,
): Promise<number> {
  const bytes = await readCaptureFile(file);
  try {
    decodeCapture(bytes, port, printer);
  } catch (error) {
    if (!(error instanceof CaptureError)) {
      throw error;
    }

    throw new UsageError(`invalid capture file ${file}: ${error.message}`);
  }

  if (printer.printed > 0) {
    return printer.failed ? EXIT_DECODE_FAILED : EXIT_OK;
  }

  output.error(`dhcpf decode: ${noMessagesText(file, port, serverPortsOf(bytes))}`);
  return EXIT_DECODE_FAILED;
}

/** At most this many ports are listed when none carries failover messages. */
const MAX_LISTED_PORTS = 5;

function noMessagesText(file: string, port: number, ports: readonly number[]): string {
  const found = `no failover messages on TCP port ${port} in ${file}`;
  const others = ports.filter((candidate) => candidate !== port).slice(0, MAX_LISTED_PORTS);
  const [first] = others;
  if (first === undefined) {
    return `${found}; it has no other TCP traffic`;
  }

  const plural = others.length === 1 ? 'port' : 'ports';
  return `${found}; it has TCP traffic on ${plural} ${others.join(', ')}, try --port ${first}`;
}

/**
 * Returns the likely server port of every TCP connection in the capture, most segments first. The
 * lower port of each segment is taken as the server's, because clients connect from an ephemeral
 * port, which operating systems pick from the upper range (49152-65535 or, on Linux, 32768-60999).
 */
function serverPortsOf(bytes: Uint8Array): number[] {
  const segmentsByPort = new Map<number, number>();
  for (const packet of readCapturePackets(bytes)) {
    const segment = tcpSegmentOf(packet);
    if (segment !== undefined) {
      const serverPort = Math.min(segment.sourcePort, segment.destinationPort);
      segmentsByPort.set(serverPort, (segmentsByPort.get(serverPort) ?? 0) + 1);
    }
  }

  return [...segmentsByPort.entries()]
    .sort(([portA, countA], [portB, countB]) => countB - countA || portA - portB)
    .map(([serverPort]) => serverPort);
}

function parseProfile(value: string): WireProfile {
  if (value === 'isc' || value === 'microsoft') {
    return value;
  }

  throw new UsageError(`invalid --profile "${value}", expected isc or microsoft`);
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port < 1 || port > 65535) {
    throw new UsageError(`invalid --port "${value}", expected a TCP port 1-65535`);
  }

  return port;
}

/** Parses hex digits; spaces, colons and a leading 0x are allowed between bytes. */
function parseHex(value: string): Uint8Array {
  const digits = value.replace(/^0x/i, '').replace(/[\s:]/g, '');
  if (digits.length === 0 || digits.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(digits)) {
    const problem =
      digits.length % 2 !== 0
        ? `an odd number (${digits.length}) of hex digits`
        : 'non-hex characters';
    throw new UsageError(`invalid --hex value: ${digits.length === 0 ? 'no bytes' : problem}`);
  }

  return new Uint8Array(Buffer.from(digits, 'hex'));
}

async function readCaptureFile(file: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(file));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UsageError(`cannot read capture file ${file}: ${reason}`);
  }
}

/** Splits the bytes into messages by their length fields, so several messages may be given. */
function decodeHex(bytes: Uint8Array, printer: MessagePrinter): void {
  const framer = new MessageFramer();
  let frames: Uint8Array[];
  try {
    frames = framer.push(bytes);
  } catch (error) {
    if (!(error instanceof DecodeError)) {
      throw error;
    }

    printer.printError(undefined, error);
    return;
  }

  frames.forEach((frame) => printer.printBytes(undefined, frame));
  if (framer.bufferedLength > 0) {
    const offset = framer.pushedLength - framer.bufferedLength;
    const message = `hex input ends with ${framer.bufferedLength} bytes of an incomplete message at offset ${offset}`;
    printer.printError(undefined, new DecodeError('FO_ERR_MESSAGE_LENGTH', message, { offset }));
  }
}

function decodeCapture(bytes: Uint8Array, port: number, printer: MessagePrinter): void {
  const messages = readFailoverMessages(bytes, {
    port,
    onStreamError: ({ error, ...origin }) => printer.printError(origin, error),
  });
  for (const { bytes: frame, ...origin } of messages) {
    printer.printBytes(origin, frame);
  }
}

/** Prints decoded messages and decode errors as text lines or JSON lines, and counts failures. */
class MessagePrinter {
  failed = false;
  /** Messages and errors printed so far. */
  printed = 0;

  constructor(
    private readonly profile: WireProfile,
    private readonly json: boolean,
    private readonly output: CommandOutput,
  ) {}

  printBytes(origin: Origin, bytes: Uint8Array): void {
    try {
      const message = decodeMessage(bytes, this.profile);
      this.printed += 1;
      this.output.out(
        this.json
          ? JSON.stringify({ ...origin, message: messageToJSON(message) })
          : `${originText(origin)}${formatMessage(message, this.profile)}`,
      );
    } catch (error) {
      if (!(error instanceof DecodeError)) {
        throw error;
      }

      this.printError(origin, error);
    }
  }

  printError(origin: Origin, error: DecodeError): void {
    this.failed = true;
    this.printed += 1;
    const { code, message, messageType, optionCode, offset } = error;
    if (this.json) {
      this.output.out(
        JSON.stringify({ ...origin, error: { code, message, messageType, optionCode, offset } }),
      );
      return;
    }

    const details = [
      messageType === undefined
        ? undefined
        : withName(`message type ${messageType}`, messageTypeName(messageType)),
      optionCode === undefined
        ? undefined
        : withName(`option ${optionCode}`, optionName(optionCode)),
      // Most messages end with "at offset N" already; the offset is added only where one does not.
      message.includes(`offset ${offset}`) ? undefined : `offset ${offset}`,
    ].filter((detail) => detail !== undefined);
    const detailText = details.length === 0 ? '' : ` [${details.join(', ')}]`;
    this.output.out(`${originText(origin)}error ${code}: ${message}${detailText}`);
  }
}

/** Adds the spec name after a number unless the name is only the number again. */
function withName(numbered: string, name: string): string {
  return name === numbered ? numbered : `${numbered} (${name})`;
}

function originText(origin: Origin): string {
  if (origin === undefined) {
    return '';
  }

  return `${origin.frame} ${formatTimestamp(origin.timestamp)} ${origin.source} → ${origin.destination} `;
}

/** Formats a capture timestamp as ISO 8601 UTC with microseconds. */
function formatTimestamp(seconds: number): string {
  let whole = Math.floor(seconds);
  let micros = Math.round((seconds - whole) * 1e6);
  if (micros === 1_000_000) {
    whole += 1;
    micros = 0;
  }

  const base = new Date(whole * 1000).toISOString().slice(0, 19);
  return `${base}.${String(micros).padStart(6, '0')}Z`;
}
