import {
  ByteReader,
  ByteWriter,
  InvalidWireFormatError,
  MAX_MUTATION_DATA,
  type MessageId,
  type NodeId,
  TooLargeError,
} from '@elara/core';
import { readMicros, writeMicros } from './micros.ts';

/**
 * Flag bits of a {@link TextMessage} (offset 24). `ReplyTo`, `EditOf` and `Deleted` are the
 * reference's (PROTOCOL.md §14.1); `Reaction` is Elara's: the reference defines no reaction
 * payload, so a reaction travels as a reply (`ReplyTo` = the message reacted to, the content =
 * the reaction) with this bit set, and with `Deleted` as well when the reaction is withdrawn.
 * A Rust reader, which ignores the bit, sees a short reply.
 */
export const TextFlag = {
  ReplyTo: 0x01,
  EditOf: 0x02,
  Deleted: 0x04,
  /** Elara: the message is a reaction to `replyTo` (withdrawn when `Deleted` is set too). */
  Reaction: 0x08,
} as const;
export type TextFlag = (typeof TextFlag)[keyof typeof TextFlag];

const KNOWN_FLAGS = TextFlag.ReplyTo | TextFlag.EditOf | TextFlag.Deleted | TextFlag.Reaction;

/** Bytes before the optional ids: id, author, timestamp, flags. */
export const TEXT_MESSAGE_MIN_SIZE = 25;

/** The most bytes a text message adds around its content (both optional ids and the length). */
export const TEXT_MESSAGE_OVERHEAD = TEXT_MESSAGE_MIN_SIZE + 8 + 8 + 2;

/**
 * The MSP Textual profile's message (PROTOCOL.md §14.1), byte for byte:
 * `id:u64 ‖ author:u64 ‖ timestamp:i64 µs ‖ flags:u8 ‖ [reply_to:u64] ‖ [edit_of:u64] ‖
 * len:u16 ‖ content`, little-endian. An edit is a message with `editOf` (its own id, the new
 * content); a delete carries the deleted message's id with `deleted` set and no content.
 */
export interface TextMessage {
  readonly id: MessageId;
  readonly author: NodeId;
  /** τs of the message, Unix-epoch µs (i64 on the wire). */
  readonly timestamp: number;
  readonly replyTo: MessageId | undefined;
  readonly editOf: MessageId | undefined;
  readonly deleted: boolean;
  /** Elara's reaction bit ({@link TextFlag.Reaction}); false in every reference message. */
  readonly reaction: boolean;
  /** UTF-8 by convention (the reference does not check it). */
  readonly content: Uint8Array;
}

/** Encoded size of a message. */
export function textMessageSize(m: TextMessage): number {
  return (
    TEXT_MESSAGE_MIN_SIZE +
    (m.replyTo === undefined ? 0 : 8) +
    (m.editOf === undefined ? 0 : 8) +
    2 +
    m.content.length
  );
}

/**
 * Encodes a message. Content longer than a u16 length is a {@link TooLargeError} (the
 * reference truncates the length; PROTOCOL.md §19.11).
 *
 * @example
 * const bytes = encodeTextMessage({ id, author, timestamp: 1_000_000, replyTo: undefined,
 *   editOf: undefined, deleted: false, reaction: false, content: utf8('Hello, ELARA!') });
 */
export function encodeTextMessage(m: TextMessage): Uint8Array {
  if (m.content.length > MAX_MUTATION_DATA) {
    throw new TooLargeError(m.content.length, MAX_MUTATION_DATA, 'text message content');
  }
  const flags =
    (m.replyTo === undefined ? 0 : TextFlag.ReplyTo) |
    (m.editOf === undefined ? 0 : TextFlag.EditOf) |
    (m.deleted ? TextFlag.Deleted : 0) |
    (m.reaction ? TextFlag.Reaction : 0);
  const w = new ByteWriter(textMessageSize(m), 'text message');
  w.u64(m.id).u64(m.author);
  writeMicros(w, m.timestamp, 'text message timestamp');
  w.u8(flags);
  if (m.replyTo !== undefined) w.u64(m.replyTo);
  if (m.editOf !== undefined) w.u64(m.editOf);
  w.u16(m.content.length).bytes(m.content);
  return w.finish();
}

/**
 * Decodes one message from the start of `bytes` and says how many bytes it used (the
 * reference's `decode`, which needs ≥ 25 bytes). Truncated input is a `BufferTooShortError`;
 * flag bits that neither the reference nor Elara define, or a timestamp beyond ±2^53 µs, an
 * {@link InvalidWireFormatError}. `content` is a view into `bytes`.
 */
export function decodeTextMessage(bytes: Uint8Array): { message: TextMessage; consumed: number } {
  const r = new ByteReader(bytes);
  r.need(TEXT_MESSAGE_MIN_SIZE, 'text message');
  const id = r.u64() as MessageId;
  const author = r.u64() as NodeId;
  const timestamp = readMicros(r, 'text message timestamp');
  const flags = r.u8();
  if ((flags & ~KNOWN_FLAGS) !== 0) {
    throw new InvalidWireFormatError(`text message: unknown flags 0x${flags.toString(16)}`);
  }
  const replyTo = (flags & TextFlag.ReplyTo) !== 0 ? (r.u64() as MessageId) : undefined;
  const editOf = (flags & TextFlag.EditOf) !== 0 ? (r.u64() as MessageId) : undefined;
  const content = r.bytes(r.u16());
  return {
    message: {
      id,
      author,
      timestamp,
      replyTo,
      editOf,
      deleted: (flags & TextFlag.Deleted) !== 0,
      reaction: (flags & TextFlag.Reaction) !== 0,
      content,
    },
    consumed: r.offset,
  };
}
