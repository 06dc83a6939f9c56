import { ElaraError, type MessageId, messageIdFromEvent, type NodeId } from '@elara/core';
import type { LogEntry } from '@elara/state';
import { decodeTextMessage } from '../msp/text-message.ts';
import { DEFAULT_STREAM_OPTIONS, type TextOptions } from '../stream-options.ts';

/** The content limits a record is read against: the stream's options, the same on every replica. */
export type RecordLimits = Pick<TextOptions, 'maxContentBytes' | 'maxReactionBytes'>;

/** What one record of a text stream's log does. */
export const RecordKind = {
  /** A new message (the reference's plain or reply message). */
  Message: 0,
  /** New content for `target` (a message with `edit_of`). */
  Edit: 1,
  /** Soft delete of `target` (a message with the deleted flag and the target's id). */
  Delete: 2,
  /** The author's reaction `content` to `target` (Elara's reaction bit). */
  React: 3,
  /** The author withdraws reaction `content` from `target`. */
  Unreact: 4,
  /** Bytes that are no valid record: kept in place (the log's order) and otherwise ignored. */
  Invalid: 5,
} as const;
export type RecordKind = (typeof RecordKind)[keyof typeof RecordKind];

/** One decoded entry of a text stream's log, with the entry's stamp. */
export interface TextRecord {
  readonly author: NodeId;
  /** The author's durable seq. */
  readonly number: number;
  /** Effective τs of the event (the log's order). */
  readonly time: number;
  readonly kind: RecordKind;
  /** The record's own message id (a Delete's is its target's). */
  readonly id: MessageId;
  /** What an edit, delete or reaction applies to. */
  readonly target: MessageId | undefined;
  /** A message's reply-to. */
  readonly replyTo: MessageId | undefined;
  /** Message or edit text, or the reaction. */
  readonly content: string;
}

const decoder = new TextDecoder('utf-8', { fatal: false });

function record(
  entry: LogEntry,
  kind: RecordKind,
  id: MessageId,
  target: MessageId | undefined,
  replyTo: MessageId | undefined,
  content: string,
): TextRecord {
  return {
    author: entry.author,
    number: entry.number,
    time: entry.time,
    kind,
    id,
    target,
    replyTo,
    content,
  };
}

/**
 * Decodes a log entry into what it does. The record's author field must be the entry's (the
 * signed author), and a message's, edit's or reaction's id must be the one its event implies,
 * `MessageId::from_event(author, seq)`: no member can claim another's message or id. Anything
 * else (undecodable bytes, trailing bytes, a reaction without its target or with an edit id, an
 * empty reaction, content beyond `limits`: a message or edit over `maxContentBytes`, a
 * reaction over `maxReactionBytes`) is `Invalid`: every replica reads the same bytes against
 * the same options and ignores it alike. (The atom's `maxValueBytes` only bounds the largest
 * of the two, so a member's own writer is not the only check: a signed 4 KB "reaction" is
 * refused here.)
 */
export function textRecord(
  entry: LogEntry,
  limits: RecordLimits = DEFAULT_STREAM_OPTIONS.text,
): TextRecord {
  const own = messageIdFromEvent(entry.author, BigInt(entry.number));
  let m;
  try {
    const decoded = decodeTextMessage(entry.data);
    if (decoded.consumed !== entry.data.length)
      return record(entry, RecordKind.Invalid, own, undefined, undefined, '');
    m = decoded.message;
  } catch (e) {
    if (!ElaraError.isInstance(e)) throw e;
    return record(entry, RecordKind.Invalid, own, undefined, undefined, '');
  }
  if (m.author !== entry.author)
    return record(entry, RecordKind.Invalid, own, undefined, undefined, '');
  if (m.reaction) {
    if (m.content.length > limits.maxReactionBytes) {
      return record(entry, RecordKind.Invalid, own, undefined, undefined, '');
    }
    const content = decoder.decode(m.content);
    if (m.replyTo === undefined || m.editOf !== undefined || m.id !== own || content.length === 0) {
      return record(entry, RecordKind.Invalid, own, undefined, undefined, '');
    }
    const kind = m.deleted ? RecordKind.Unreact : RecordKind.React;
    return record(entry, kind, own, m.replyTo, undefined, content);
  }
  if (m.deleted) return record(entry, RecordKind.Delete, m.id, m.id, undefined, '');
  if (m.id !== own || m.content.length > limits.maxContentBytes) {
    return record(entry, RecordKind.Invalid, own, undefined, undefined, '');
  }
  const content = decoder.decode(m.content);
  if (m.editOf !== undefined)
    return record(entry, RecordKind.Edit, own, m.editOf, undefined, content);
  return record(entry, RecordKind.Message, own, undefined, m.replyTo, content);
}
