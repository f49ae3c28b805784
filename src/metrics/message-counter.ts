// Counts failover messages by type and direction for the metrics endpoint. It is a connection tap,
// so it observes every message sent and received without changes to the connection code.

import type { ConnectionTap, ConnectionTapFactory } from '../peer/connection-tap.js';
import { MessageFramer } from '../wire/framer.js';
import { isKnownMessageType, messageTypeName } from '../wire/names.js';

/** Byte offset of the message type in the failover header (draft-12 section 6.1). */
const MESSAGE_TYPE_OFFSET = 2;

export type MessageDirection = 'sent' | 'received';

export class MessageCounter {
  private readonly counts = new Map<string, number>();

  /** Count of messages of `type` (mnemonic, such as BNDUPD) in `direction`. */
  count(direction: MessageDirection, type: string): number {
    return this.counts.get(`${direction} ${type}`) ?? 0;
  }

  /** Returns every non-zero count, as [direction, type, count]. */
  entries(): [MessageDirection, string, number][] {
    return [...this.counts].map(([key, count]) => {
      const [direction, type] = key.split(' ');
      return [direction === 'sent' ? 'sent' : 'received', type ?? 'unknown', count];
    });
  }

  /** Returns a tap factory for PeerOptions.tapConnection, chained in front of `next`. */
  tapFactory(next?: ConnectionTapFactory): ConnectionTapFactory {
    return (socket, outgoing) => this.tap(next?.(socket, outgoing));
  }

  private tap(next: ConnectionTap | undefined): ConnectionTap {
    const framer = new MessageFramer();
    let framingFailed = false;
    return {
      sent: (bytes) => {
        this.add('sent', bytes);
        next?.sent(bytes);
      },
      received: (bytes) => {
        if (!framingFailed) {
          try {
            // The framer keeps views into chunks, so it gets a copy the connection cannot reuse.
            for (const frame of framer.push(Uint8Array.from(bytes))) {
              this.add('received', frame);
            }
          } catch {
            // The connection itself rejects a bad length and closes; nothing more to count.
            framingFailed = true;
          }
        }

        next?.received(bytes);
      },
      closed: () => next?.closed(),
    };
  }

  private add(direction: MessageDirection, frame: Uint8Array): void {
    const type = frame[MESSAGE_TYPE_OFFSET];
    if (type === undefined) {
      return;
    }

    // Unknown types share one label, so a hostile partner cannot grow the label set.
    const name = isKnownMessageType(type) ? messageTypeName(type) : 'unknown';
    const key = `${direction} ${name}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }
}
