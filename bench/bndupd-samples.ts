// The BNDUPDs the codec section decodes and encodes: the ones ISC dhcpd sent in a recorded
// startup of a failover pair, or ISC-shaped ones built here when that capture is not available.

import { existsSync, readFileSync } from 'node:fs';
import { readFailoverMessages } from '../src/pcap/failover-capture.js';
import { encodeBindingUpdate } from '../src/wire/binding-update.js';
import { BindingStatus, MessageType, OptionCode } from '../src/wire/codes.js';
import { buildMessage, optionValue } from '../src/wire/message-builder.js';
import { decodeMessage, encodeMessage } from '../src/wire/message.js';
import type { BindingUpdate } from '../src/wire/types.js';
import { sharedPath } from './shared-dir.js';

/** A dhcpd<->dhcpd startup with 300 leases: about 1,200 BNDUPDs, ACTIVE and FREE. */
export const STARTUP_CAPTURE = 'fo-startup-300.pcap';

export interface BNDUPDSamples {
  /** Origin of the messages (capture file or generated), for the report. */
  source: string;
  /** Whole messages, each in its own buffer, as the framer hands them to the decoder. */
  messages: Uint8Array[];
}

/** Returns the BNDUPDs of the startup capture, or generated ones when it is missing. */
export function loadBNDUPDSamples(
  capturePath = sharedPath('captures', STARTUP_CAPTURE),
): BNDUPDSamples {
  if (!existsSync(capturePath)) {
    return { source: 'generated (capture not found)', messages: generateBNDUPDs(1200) };
  }

  const messages: Uint8Array[] = [];
  for (const captured of readFailoverMessages(new Uint8Array(readFileSync(capturePath)))) {
    if (captured.bytes[2] === MessageType.BNDUPD) {
      messages.push(Uint8Array.from(captured.bytes));
    }
  }

  return { source: `capture ${STARTUP_CAPTURE}`, messages };
}

/** Keeps the BNDUPDs whose first transaction is ACTIVE, the largest kind dhcpd sends. */
export function activeOnly(messages: readonly Uint8Array[]): Uint8Array[] {
  return messages.filter((bytes) => {
    const status = optionValue(decodeMessage(bytes, 'isc'), OptionCode.BINDING_STATUS);
    return status === BindingStatus.ACTIVE;
  });
}

/**
 * Builds `count` BNDUPDs with one ACTIVE transaction each, with the options and order dhcpd uses
 * (ISC-10): address, binding-status, client-identifier, client-hardware-address, the three times
 * and client-last-transaction-time.
 */
export function generateBNDUPDs(count: number): Uint8Array[] {
  const now = Math.floor(Date.now() / 1000);
  const messages: Uint8Array[] = [];
  for (let index = 0; index < count; index++) {
    const address = 256 + index;
    const chaddr = Uint8Array.of(0x02, 0x00, 0, 0, (index >>> 8) & 0xff, index & 0xff);
    const update: BindingUpdate = {
      address: `10.77.${address >> 8}.${address & 0xff}`,
      bindingStatus: BindingStatus.ACTIVE,
      clientIdentifier: Uint8Array.of(0x01, ...chaddr),
      clientHardwareAddress: { htype: 1, chaddr },
      leaseExpirationTime: now + 599,
      potentialExpirationTime: now + 86_699,
      startTimeOfState: now,
      clientLastTransactionTime: now,
      otherOptions: [],
    };
    const options = encodeBindingUpdate(update, 'isc');
    const message = buildMessage(MessageType.BNDUPD, index + 1, now, options, 'isc');
    messages.push(encodeMessage(message, 'isc'));
  }

  return messages;
}
