// Finds an option that occurs twice where draft-12 allows it once (FO-6.2-c): once per message,
// and in BNDUPD and BNDACK once per binding update transaction.

import { DecodeError } from '../errors.js';
import { MessageType, OptionCode } from './codes.js';
import { messageTypeName, optionName } from './names.js';

export class RepeatedOptionCheck {
  private readonly messageType: number;
  /** Each assigned-IP-address starts a new transaction, and so a new scope (FO-6.3-b). */
  private readonly scopedByTransaction: boolean;
  /** Offset of each option code seen in the current scope. */
  private seen = new Map<number, number>();
  private inTransaction = false;

  constructor(messageType: number) {
    this.messageType = messageType;
    this.scopedByTransaction =
      messageType === MessageType.BNDUPD || messageType === MessageType.BNDACK;
  }

  /** Records the option at `offset`; raises FO_ERR_REPEATED_OPTION when its scope has it already. */
  note(code: number, offset: number): void {
    if (this.scopedByTransaction && code === OptionCode.ASSIGNED_IP_ADDRESS) {
      this.seen = new Map();
      this.inTransaction = true;
    }

    const first = this.seen.get(code);
    if (first !== undefined) {
      throw this.repeatedError(code, offset, first);
    }

    this.seen.set(code, offset);
  }

  private repeatedError(code: number, offset: number, first: number): DecodeError {
    const scope = this.inTransaction ? ' in one transaction' : '';
    return new DecodeError(
      'FO_ERR_REPEATED_OPTION',
      `${messageTypeName(this.messageType)} ${optionName(code)} repeated${scope} after offset ${first}, expected at most once at offset ${offset}`,
      { offset, messageType: this.messageType, optionCode: code, rule: 'FO-6.2-c' },
    );
  }
}
