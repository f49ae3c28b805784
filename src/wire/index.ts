// Public API of the failover wire codec.

export * from './codes.js';
export type * from './types.js';
export { decodeMessage, encodeMessage, payloadOffsetFor, type DecodeOptions } from './message.js';
export { MessageFramer, FramingError } from './framer.js';
export { checkMessage, type CheckOptions } from './check-message.js';
export type { MessageProblem } from './message-problem.js';
export { bindingUpdatesOf, encodeBindingUpdate, type BindingUpdates } from './binding-update.js';
export { bindingAcksOf, bindingAckOptions } from './binding-ack.js';
export { buildMessage, hasOption, optionValue } from './message-builder.js';
export { isOptionOf, option, type OptionOf } from './options.js';
export { isKnownMessageType, messageTypeName, optionName } from './names.js';
export { formatMessage, formatOptionValue, messageToJSON, toHex } from './describe.js';
