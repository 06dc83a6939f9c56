import {
  ClosedError,
  EventType,
  type MessageId,
  messageIdFromEvent,
  type NodeId,
  type StateId,
} from '@elara/core';
import {
  type AppendLog,
  type AtomChange,
  ChangeCause,
  type LogEntry,
  type StateField,
} from '@elara/state';
import type { Observable } from 'rxjs';
import { contentBytes } from '../content-check.ts';
import { Feed } from '../feed.ts';
import type { LocalWriter } from '../local-writer.ts';
import { encodeTextMessage } from '../msp/text-message.ts';
import type { OpenStream, StreamDeps } from '../open-stream.ts';
import { StreamKind } from '../stream-atoms.ts';
import {
  MessageDeletedError,
  NotMessageAuthorError,
  UnknownMessageError,
} from '../stream-errors.ts';
import type { StreamKey } from '../stream-key.ts';
import type { TextOptions } from '../stream-options.ts';
import type { Message, TextChange } from './message.ts';
import { TextProjection } from './text-projection.ts';

const NO_CONTENT = new Uint8Array(0);

/** Options of {@link TextStream.send}. */
export interface SendOptions {
  /** The message this one answers (it must be in the stream). */
  readonly replyTo?: MessageId;
}

/** Counters of a text stream. */
export interface TextCounters {
  /** Records in the stream's log (messages, edits, deletes, reactions). */
  readonly records: number;
  /** Messages shown (deleted ones included). */
  readonly messages: number;
  /** Records that are not valid text records, ignored on every replica. */
  readonly invalid: number;
  /** Times the projection was built from the log: 1 (at opening) unless it lost track. */
  readonly rebuilds: number;
  /**
   * Message ids named by the edits, deletes and reactions the log holds, whether a message
   * holds them or not (the projection keeps one entry each: bounded by `records`).
   */
  readonly targets: number;
}

/** What a {@link TextStream} is built from (the registry supplies it). */
export type TextStreamDeps = StreamDeps<TextOptions>;

/**
 * A chat stream (MSP Textual profile): messages with id, author, τs, content and reply-to;
 * edits and soft deletes by their author; reactions by anyone. It is a projection of one
 * append-log atom of the state field: writes become durable events applied locally at once
 * (and emitted for the runtime to send); remote events reach it through the field's change
 * feed. Replicas holding the same records show the same messages in the same order, each
 * author's in its own order.
 *
 * Writes check first and throw a named error without writing anything: content limits
 * ({@link ContentTooLargeError}, {@link EmptyContentError}, {@link MalformedContentError}),
 * unknown messages ({@link UnknownMessageError}), someone else's message
 * ({@link NotMessageAuthorError}), deleted messages ({@link MessageDeletedError}); a write the
 * field refuses throws state's `LocalEventRejectedError`, a full local log its own error.
 * Records arriving from others that break these rules are ignored on every replica alike.
 *
 * @example
 * const chat = streams.text('general');
 * chat.messages$.subscribe((list) => render(list));
 * const id = chat.send('hello');
 * chat.edit(id, 'hello, world');
 * chat.react(id, '👍');
 */
export class TextStream implements OpenStream {
  readonly kind = StreamKind.Text;
  readonly key: StreamKey;
  readonly atom: StateId;
  /**
   * The messages in the stream's order: the current list at once on subscribe, then the new
   * list after each change (immutable arrays; unchanged messages keep their object). Each
   * subscription is independent; it completes when the registry closes.
   */
  readonly messages$: Observable<readonly Message[]>;
  /**
   * Each change as it happens (no replay on subscribe): a message added, updated (edit,
   * delete, reaction) or removed (past the log's bounds).
   */
  readonly changes$: Observable<TextChange>;
  private readonly field: StateField;
  private readonly writer: LocalWriter;
  private readonly options: TextOptions;
  private readonly onClose: () => void;
  private readonly projection: TextProjection;
  private readonly listFeed = new Feed<readonly Message[]>();
  private readonly changeFeed = new Feed<TextChange>();
  private closed = false;
  /** The highest seq of this node's records the projection holds. */
  private ownSeq = 0;

  constructor(deps: TextStreamDeps) {
    this.field = deps.field;
    this.writer = deps.writer;
    this.options = deps.options;
    this.onClose = deps.onClose;
    this.key = deps.key;
    this.atom = deps.atom;
    this.projection = new TextProjection(deps.options);
    const version = this.version();
    this.projection.rebuild(this.log(), version);
    this.ownSeq = version?.get(this.field.self) ?? 0;
    this.messages$ = this.listFeed.observable(() => this.projection.messages());
    this.changes$ = this.changeFeed.observable();
  }

  /** The messages now, in the stream's order. */
  messages(): readonly Message[] {
    return this.projection.messages();
  }

  /** The message holding `id` (the first, should two share it). */
  message(id: MessageId): Message | undefined {
    return this.projection.find(id);
  }

  /**
   * True while the field flags the stream's atom: events of it were evicted from quarantine,
   * so this replica knows it misses some until repair brings them (divergence control).
   */
  get incomplete(): boolean {
    return this.field.atom(this.atom)?.flagged === true;
  }

  /** Counters (see {@link TextCounters}). */
  counters(): TextCounters {
    return {
      records: this.projection.recordCount,
      messages: this.projection.messages().length,
      invalid: this.projection.invalidRecords,
      rebuilds: this.projection.rebuildCount,
      targets: this.projection.targetCount,
    };
  }

  /** Sends a message; returns its id. */
  send(content: string, options: SendOptions = {}): MessageId {
    this.checkOpen();
    const bytes = contentBytes(content, 'message', this.options.maxContentBytes);
    const replyTo = options.replyTo;
    if (replyTo !== undefined && !this.projection.has(replyTo)) {
      throw new UnknownMessageError(replyTo);
    }
    const self = this.field.self;
    const seq = this.append(EventType.TextAppend, (seq, time) =>
      encodeTextMessage({
        id: messageIdFromEvent(self, BigInt(seq)),
        author: self,
        timestamp: time,
        replyTo,
        editOf: undefined,
        deleted: false,
        reaction: false,
        content: bytes,
      }),
    );
    return messageIdFromEvent(self, BigInt(seq));
  }

  /** Replaces the content of one of this node's messages. */
  edit(id: MessageId, content: string): void {
    this.checkOpen();
    const m = this.own(id);
    if (m.deleted) throw new MessageDeletedError(id);
    const bytes = contentBytes(content, 'message', this.options.maxContentBytes);
    const self = this.field.self;
    this.append(EventType.TextEdit, (seq, time) =>
      encodeTextMessage({
        id: messageIdFromEvent(self, BigInt(seq)),
        author: self,
        timestamp: time,
        replyTo: undefined,
        editOf: id,
        deleted: false,
        reaction: false,
        content: bytes,
      }),
    );
  }

  /**
   * Soft-deletes one of this node's messages (it keeps its place, without content or
   * reactions). Deleting a deleted message writes nothing and returns false.
   */
  delete(id: MessageId): boolean {
    this.checkOpen();
    const m = this.own(id);
    if (m.deleted) return false;
    const self = this.field.self;
    this.append(EventType.TextDelete, (_seq, time) =>
      encodeTextMessage({
        id,
        author: self,
        timestamp: time,
        replyTo: undefined,
        editOf: undefined,
        deleted: true,
        reaction: false,
        content: NO_CONTENT,
      }),
    );
    return true;
  }

  /**
   * Reacts to a message (any member's). Reacting again with the same reaction writes nothing
   * and returns false.
   */
  react(id: MessageId, reaction: string): boolean {
    return this.reaction(id, reaction, true);
  }

  /**
   * Withdraws this node's reaction. Without such a reaction (or on a deleted message, which
   * has none) it writes nothing and returns false.
   */
  unreact(id: MessageId, reaction: string): boolean {
    return this.reaction(id, reaction, false);
  }

  /** Called by the registry with each change of the stream's atom. */
  handle(change: AtomChange): void {
    if (this.closed) return;
    let changes: TextChange[];
    if (change.cause === ChangeCause.Event && change.delta?.law === 'append-log') {
      const entry = change.delta.entry;
      if (entry.author === this.field.self && entry.number > this.ownSeq) {
        this.ownSeq = entry.number;
      }
      changes = this.projection.apply(change.delta, this.log(), this.version());
    } else if (change.cause === ChangeCause.Cleared) {
      changes = this.projection.rebuild(this.log(), this.version());
    } else {
      return;
    }
    this.publish(changes);
  }

  /**
   * Completes the observables and leaves the registry (opening the same key again gives a new
   * stream); later writes throw `ClosedError`.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.listFeed.complete();
    this.changeFeed.complete();
    this.onClose();
  }

  private publish(changes: readonly TextChange[]): void {
    if (changes.length === 0) return;
    for (const c of changes) this.changeFeed.emit(() => c);
    this.listFeed.emit(() => this.projection.messages());
  }

  /**
   * Writes one record through the shared writer; returns its seq. The field delivers the
   * record's change before this returns, unless the write was made from a listener while the
   * field delivers changes: then it is applied to the projection at once (its change, when it
   * comes, adds nothing), so the writer can edit, reply to or react to what it just wrote.
   */
  private append(eventType: EventType, data: (seq: number, time: number) => Uint8Array): number {
    const seq = this.writer.append(this.atom, eventType, data).seq;
    if (seq > this.ownSeq) {
      this.ownSeq = seq;
      const entry = this.ownEntry(seq);
      if (entry !== undefined) this.publish(this.projection.insertLocal(entry));
    }
    return seq;
  }

  /** This node's record `seq` in the log (the newest, or nearly). */
  private ownEntry(seq: number): LogEntry | undefined {
    const log = this.log();
    if (log === undefined) return undefined;
    const self = this.field.self;
    for (let i = log.length - 1; i >= 0; i--) {
      const e = log.entryAt(i) as LogEntry;
      if (e.author === self && e.number === seq) return e;
    }
    return undefined;
  }

  private reaction(id: MessageId, reaction: string, add: boolean): boolean {
    this.checkOpen();
    const m = this.projection.find(id);
    if (m === undefined) throw new UnknownMessageError(id);
    const bytes = contentBytes(reaction, 'reaction', this.options.maxReactionBytes);
    if (m.deleted) {
      if (add) throw new MessageDeletedError(id);
      return false;
    }
    const self = this.field.self;
    if (this.projection.reacting(id, reaction, self) === add) return false;
    this.append(EventType.TextReact, (seq, time) =>
      encodeTextMessage({
        id: messageIdFromEvent(self, BigInt(seq)),
        author: self,
        timestamp: time,
        replyTo: id,
        editOf: undefined,
        deleted: !add,
        reaction: true,
        content: bytes,
      }),
    );
    return true;
  }

  /** This node's message `id`, or the named error saying why not. */
  private own(id: MessageId): Message {
    const m = this.projection.find(id, this.field.self);
    if (m !== undefined) return m;
    throw this.projection.has(id) ? new NotMessageAuthorError(id) : new UnknownMessageError(id);
  }

  private version(): ReadonlyMap<NodeId, number> | undefined {
    return this.field.atom(this.atom)?.version;
  }

  private log(): AppendLog | undefined {
    const state = this.field.atom(this.atom)?.state;
    return state?.kind === 'append-log' ? state : undefined;
  }

  private checkOpen(): void {
    if (this.closed) throw new ClosedError(`text stream ${String(this.key)} is closed`);
  }
}
