import type { EventId, MessageId, NodeId } from '@elara/core';

/** Who reacted to a message with one reaction. */
export interface Reaction {
  /** The reaction text, e.g. an emoji. */
  readonly reaction: string;
  /** The members who reacted so, ascending. */
  readonly authors: readonly NodeId[];
}

/**
 * One message of a text stream as every replica with the same records shows it. Immutable: a
 * change produces a new object, so `===` tells whether a message changed.
 */
export interface Message {
  /** `MessageId::from_event(author, seq)`: what edits, deletes, replies and reactions name. */
  readonly id: MessageId;
  /** The event that wrote it (unique; two ids can collide, two event ids cannot). */
  readonly eventId: EventId;
  readonly author: NodeId;
  /** Effective τs of the message, µs: the stream's order. */
  readonly time: number;
  /** The text now: the latest edit's, or empty once deleted. */
  readonly content: string;
  readonly replyTo: MessageId | undefined;
  /** True once the author edited it. */
  readonly edited: boolean;
  /** τs of the edit shown, µs. */
  readonly editedAt: number | undefined;
  /** Soft-deleted: it keeps its place, without content or reactions. */
  readonly deleted: boolean;
  /** Reactions with at least one author, by reaction text. */
  readonly reactions: readonly Reaction[];
}

/**
 * One change of a text stream's messages: a message appeared, changed (edit, delete,
 * reaction), or left (the oldest records went past the log's bounds).
 */
export type TextChange =
  | { readonly type: 'added'; readonly message: Message }
  | { readonly type: 'updated'; readonly message: Message; readonly previous: Message }
  | { readonly type: 'removed'; readonly message: Message };
