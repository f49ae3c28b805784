// Error classes with stable codes; callers test `code`, never the message text.

export class FailoverError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

export interface DecodeErrorDetails {
  /** Byte offset from the start of the message (or of the input, before a header is read). */
  offset: number;
  messageType?: number;
  optionCode?: number;
  /** Rule ID the bytes break, when there is one. */
  rule?: string;
}

/** Bytes that are not a valid failover message. */
export class DecodeError extends FailoverError {
  readonly offset: number;
  readonly messageType: number | undefined;
  readonly optionCode: number | undefined;
  readonly rule: string | undefined;

  constructor(code: string, message: string, details: DecodeErrorDetails) {
    super(code, message);
    this.offset = details.offset;
    this.messageType = details.messageType;
    this.optionCode = details.optionCode;
    this.rule = details.rule;
  }
}

/** A partner broke a protocol rule; `rejectReason` is what to send back, when the spec names one. */
export class ProtocolError extends FailoverError {
  readonly rejectReason: number | undefined;
  readonly rule: string | undefined;

  constructor(code: string, message: string, rejectReason?: number, rule?: string) {
    super(code, message);
    this.rejectReason = rejectReason;
    this.rule = rule;
  }
}

/** The lease store could not be opened, read or written. */
export class StoreError extends FailoverError {}

/** A configuration value is missing or invalid; the message names the field and allowed values. */
export class ConfigError extends FailoverError {
  readonly field: string;

  constructor(code: string, field: string, message: string) {
    super(code, message);
    this.field = field;
  }
}
