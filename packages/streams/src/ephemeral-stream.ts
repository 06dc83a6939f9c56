import {
  ClosedError,
  type EventType,
  type EphemeralEnvelope,
  type MutationOp,
  type NodeId,
  type StateId,
} from '@elara/core';
import { type AtomChange, ChangeCause, type EphemeralEntries, type StateField } from '@elara/state';
import type { Observable } from 'rxjs';
import { EntryProjection, type EntryReader } from './entry-projection.ts';
import { Feed } from './feed.ts';
import type { LocalWriter } from './local-writer.ts';
import type { OpenStream, StreamDeps } from './open-stream.ts';
import type { StreamKind } from './stream-atoms.ts';
import type { StreamKey } from './stream-key.ts';

/**
 * The common part of streams over an ephemeral atom (presence, typing): one value per
 * author's live entry, following the atom one author at a time (expiry is the field's), an
 * observable of the list, and the lifecycle.
 */
export abstract class EphemeralStream<T, O> implements OpenStream {
  abstract readonly kind: StreamKind;
  readonly key: StreamKey;
  readonly atom: StateId;
  protected readonly field: StateField;
  protected readonly writer: LocalWriter;
  protected readonly options: O;
  /** The list now at once on subscribe, then each new list (see the subclasses). */
  protected readonly values$: Observable<readonly T[]>;
  private readonly projection: EntryProjection<T>;
  private readonly feed = new Feed<readonly T[]>();
  private readonly onClose: () => void;
  private closed = false;

  protected constructor(deps: StreamDeps<O>, read: EntryReader<T>) {
    this.field = deps.field;
    this.writer = deps.writer;
    this.options = deps.options;
    this.key = deps.key;
    this.atom = deps.atom;
    this.onClose = deps.onClose;
    this.projection = new EntryProjection(read);
    this.projection.refresh(this.entries());
    this.values$ = this.feed.observable(() => this.projection.values);
  }

  /** Live entries that are not valid records of this stream (ignored). */
  get invalidEntries(): number {
    return this.projection.invalidEntries;
  }

  /**
   * Called by the registry with each change of the atom: an author's entry changed (set,
   * deleted, expired) and only it is read again, from the field (so changes delivered late,
   * to a stream opened meanwhile, never show an older entry); the atom cleared or simplified
   * is read whole.
   */
  handle(change: AtomChange): void {
    if (this.closed) return;
    const delta = change.delta;
    if (delta?.law === 'ephemeral') {
      if (!this.follow(delta.author)) return;
    } else if (change.cause === ChangeCause.Authority) {
      return;
    } else {
      this.projection.refresh(this.entries());
    }
    this.feed.emit(() => this.projection.values);
  }

  /**
   * Completes the observable and leaves the registry (opening the same key again gives a new
   * stream); later writes throw `ClosedError`.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.feed.complete();
    this.onClose();
  }

  /** The values now, by author. */
  protected get values(): readonly T[] {
    return this.projection.values;
  }

  protected get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Writes this node's entry (`set` or `delete`) and shows it at once: from a listener, while
   * the field delivers changes, its change would come only later.
   */
  protected writeEntry(eventType: EventType, mutation: MutationOp): EphemeralEnvelope {
    const env = this.writer.ephemeral(this.atom, eventType, mutation);
    if (this.follow(this.field.self)) this.feed.emit(() => this.projection.values);
    return env;
  }

  /** Reads `author`'s entry again; true when the values shown changed. */
  private follow(author: NodeId): boolean {
    return this.projection.update(author, this.entries()?.entry(author));
  }

  /** The atom's entries (undefined until the field holds it). */
  protected entries(): EphemeralEntries | undefined {
    const state = this.field.atom(this.atom)?.state;
    return state?.kind === 'ephemeral' ? state : undefined;
  }

  protected checkOpen(): void {
    if (this.closed) throw new ClosedError(`${this.kind} stream ${String(this.key)} is closed`);
  }
}
