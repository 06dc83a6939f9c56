import { ClosedError, type StateId } from '@elara/core';
import type { AtomChange, EphemeralEntries, EphemeralEntry, StateField } from '@elara/state';
import type { Observable } from 'rxjs';
import { EntryProjection } from './entry-projection.ts';
import { Feed } from './feed.ts';
import type { LocalWriter } from './local-writer.ts';
import type { OpenStream, StreamDeps } from './open-stream.ts';
import type { StreamKind } from './stream-atoms.ts';
import type { StreamKey } from './stream-key.ts';

/**
 * The common part of streams over an ephemeral atom (presence, typing): one value per
 * author's live entry, recomputed from the atom at each change (expiry is the field's), an
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
  private closed = false;

  protected constructor(deps: StreamDeps<O>, read: (entry: EphemeralEntry) => T | undefined) {
    this.field = deps.field;
    this.writer = deps.writer;
    this.options = deps.options;
    this.key = deps.key;
    this.atom = deps.atom;
    this.projection = new EntryProjection(read);
    this.projection.refresh(this.entries());
    this.values$ = this.feed.observable(() => this.projection.values);
  }

  /** Live entries that are not valid records of this stream (ignored). */
  get invalidEntries(): number {
    return this.projection.invalidEntries;
  }

  /** Called by the registry with each change of the atom. */
  handle(_change: AtomChange): void {
    if (this.closed) return;
    this.projection.refresh(this.entries());
    this.feed.emit(() => this.projection.values);
  }

  /** Completes the observable; later writes throw `ClosedError`. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.feed.complete();
  }

  /** The values now, by author. */
  protected get values(): readonly T[] {
    return this.projection.values;
  }

  protected get isClosed(): boolean {
    return this.closed;
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
