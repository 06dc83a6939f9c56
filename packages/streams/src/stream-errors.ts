import { ElaraError, type MessageId, messageIdToHex } from '@elara/core';

/** A message id for an error text: whatever the caller passed, never a second error. */
function shown(id: unknown): string {
  return typeof id === 'bigint' && BigInt.asUintN(64, id) === id
    ? messageIdToHex(id as MessageId)
    : String(id);
}

/** What a content check was about: a message's text, a reaction, a presence status text. */
export type ContentKind = 'message' | 'reaction' | 'status';

/** The base of every error a stream raises when asked to write something it must not. */
export class StreamError extends ElaraError {
  static override readonly code: string = 'StreamError';
}

/** Text longer, in UTF-8 bytes, than the stream's limit for it. Nothing was written. */
export class ContentTooLargeError extends StreamError {
  static override readonly code: string = 'ContentTooLargeError';
  constructor(
    readonly what: ContentKind,
    readonly size: number,
    readonly limit: number,
  ) {
    super(`${what}: ${size} UTF-8 bytes exceeds the limit of ${limit}`);
  }
}

/** An empty message or reaction. Nothing was written. */
export class EmptyContentError extends StreamError {
  static override readonly code: string = 'EmptyContentError';
  constructor(readonly what: ContentKind) {
    super(`${what}: empty`);
  }
}

/**
 * Text that is not a string, or a string that is not well-formed Unicode (a lone surrogate,
 * which UTF-8 cannot carry: encoding would silently replace it). Nothing was written.
 */
export class MalformedContentError extends StreamError {
  static override readonly code: string = 'MalformedContentError';
  constructor(readonly what: ContentKind) {
    super(`${what}: not a well-formed string`);
  }
}

/** An edit, delete, reply or reaction naming a message this replica does not hold. */
export class UnknownMessageError extends StreamError {
  static override readonly code: string = 'UnknownMessageError';
  constructor(readonly id: MessageId) {
    super(`no message ${shown(id)} in this stream`);
  }
}

/** An edit or delete of another member's message: only its author may change it. */
export class NotMessageAuthorError extends StreamError {
  static override readonly code: string = 'NotMessageAuthorError';
  constructor(readonly id: MessageId) {
    super(`message ${shown(id)} belongs to another member`);
  }
}

/** An edit of, or a reaction to, a deleted message. */
export class MessageDeletedError extends StreamError {
  static override readonly code: string = 'MessageDeletedError';
  constructor(readonly id: MessageId) {
    super(`message ${shown(id)} is deleted`);
  }
}

/** More streams opened than `StreamLimits.maxStreams` allows. */
export class TooManyStreamsError extends StreamError {
  static override readonly code: string = 'TooManyStreamsError';
  constructor(readonly limit: number) {
    super(`at most ${limit} streams may be open`);
  }
}

/** Stream options that cannot be used (a limit out of range...). */
export class StreamOptionsError extends StreamError {
  static override readonly code: string = 'StreamOptionsError';
}
