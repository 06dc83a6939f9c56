// The registry
export { Streams, type StreamsConfig, type StreamsBase, type StreamInfo } from './streams.ts';
export { type OpenStream, type StreamDeps } from './open-stream.ts';
export { EphemeralStream } from './ephemeral-stream.ts';
export { NOT_SHOWN, type EntryReader } from './entry-projection.ts';
export { LocalWriter, type OutgoingEvent } from './local-writer.ts';
export {
  type StreamOptions,
  type StreamOptionsInput,
  type TextOptions,
  type PresenceOptions,
  type TypingOptions,
  DEFAULT_STREAM_OPTIONS,
  MAX_TEXT_CONTENT_BYTES,
  MAX_STATUS_BYTES,
  streamOptions,
} from './stream-options.ts';
export { type StreamKey, streamInstance } from './stream-key.ts';
export {
  StreamKind,
  streamAtomId,
  streamKindOf,
  streamAtomSpec,
  streamAtomResolver,
  type ResolveOptions,
  DEFAULT_TEXT_BUDGET_BYTES,
} from './stream-atoms.ts';
export {
  type ContentKind,
  StreamError,
  ContentTooLargeError,
  EmptyContentError,
  MalformedContentError,
  UnknownMessageError,
  NotMessageAuthorError,
  MessageDeletedError,
  TooManyStreamsError,
  StreamOptionsError,
} from './stream-errors.ts';

// Text
export {
  TextStream,
  type TextStreamDeps,
  type SendOptions,
  type TextCounters,
} from './text/text-stream.ts';
export { type Message, type Reaction, type TextChange } from './text/message.ts';
export { TextProjection, type LogDelta } from './text/text-projection.ts';
export { RecordKind, type RecordLimits, type TextRecord, textRecord } from './text/text-record.ts';

// Presence and typing
export {
  PresenceStream,
  type PresenceStreamDeps,
  type PresenceEntry,
  type PresenceUpdate,
} from './presence/presence-stream.ts';
export { TypingStream, type TypingStreamDeps, type TypingEntry } from './typing/typing-stream.ts';

// MSP Textual profile codecs (the reference's bytes; reactions are Elara's)
export {
  type TextMessage,
  TextFlag,
  TEXT_MESSAGE_MIN_SIZE,
  TEXT_MESSAGE_OVERHEAD,
  textMessageSize,
  encodeTextMessage,
  decodeTextMessage,
} from './msp/text-message.ts';
export {
  MAX_TEXT_STREAM_MESSAGES,
  encodeTextStream,
  decodeTextStream,
} from './msp/text-stream-codec.ts';
export {
  type Presence,
  PresenceStatus,
  PRESENCE_MIN_SIZE,
  MAX_PRESENCE_CUSTOM,
  presenceStatusFromByte,
  encodePresence,
  decodePresence,
} from './msp/presence.ts';
export {
  type TypingIndicator,
  TYPING_INDICATOR_SIZE,
  DEFAULT_TYPING_TTL_MS,
  encodeTypingIndicator,
  decodeTypingIndicator,
  isTypingExpired,
} from './msp/typing-indicator.ts';
