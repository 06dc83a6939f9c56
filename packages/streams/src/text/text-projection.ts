import { type MessageId, type NodeId } from '@elara/core';
import { type AppendLog, compareStamps, type LogEntry } from '@elara/state';
import type { Message, Reaction, TextChange } from './message.ts';
import { FrontDropList } from './front-drop-list.ts';
import { MessageOps, NO_REACTIONS } from './message-ops.ts';
import { RecordKind, type RecordLimits, type TextRecord, textRecord } from './text-record.ts';

/** An append-log change of the field's feed (`AtomChange.delta` of a text atom). */
export interface LogDelta {
  readonly entry: LogEntry;
  /** Where the entry sits now (−1: it fell below the log's bound and was dropped at once). */
  readonly index: number;
  /** Entries the bound dropped from the oldest end (the new one included when index is −1). */
  readonly dropped: number;
}

function eventKey(r: { author: NodeId; number: number }): string {
  return `${r.author}:${r.number}`;
}

/** Inserts `r` into `list`, kept in the log's order (by stamp). */
function insertSorted(list: TextRecord[], r: TextRecord): void {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareStamps(list[mid] as TextRecord, r) <= 0) lo = mid + 1;
    else hi = mid;
  }
  list.splice(lo, 0, r);
}

/** The log's order of two messages (their stamps: τs, author, seq). */
function compareMessages(a: Message, b: Message): number {
  if (a.time !== b.time) return a.time < b.time ? -1 : 1;
  if (a.author !== b.author) return a.author < b.author ? -1 : 1;
  return a.eventId.seq - b.eventId.seq;
}

/** Where `m` sits (or would sit) in `list`, sorted by {@link compareMessages}. */
function messageIndex(list: FrontDropList<Message>, m: Message): number {
  return list.lowerBound(m, compareMessages);
}

function sameReactions(a: readonly Reaction[], b: readonly Reaction[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as Reaction;
    const y = b[i] as Reaction;
    if (x.reaction !== y.reaction || x.authors.length !== y.authors.length) return false;
    for (let j = 0; j < x.authors.length; j++) if (x.authors[j] !== y.authors[j]) return false;
  }
  return true;
}

/**
 * True when `a` and `b` show the same. Reactions compare by identity unless `deep` (the
 * incremental path keeps a message's reaction array until one changes; a rebuild makes new
 * ones).
 */
function sameMessage(a: Message, b: Message, deep: boolean): boolean {
  return (
    a.content === b.content &&
    a.edited === b.edited &&
    a.editedAt === b.editedAt &&
    a.deleted === b.deleted &&
    a.replyTo === b.replyTo &&
    a.time === b.time &&
    (deep ? sameReactions(a.reactions, b.reactions) : a.reactions === b.reactions)
  );
}

/**
 * A message as its record and the operations naming its id make it: edits and deletes count
 * when written by the message's author after it (by stamp), the last edit wins, a delete is
 * final (no content, no reactions, not shown as edited; later edits and reactions ignored);
 * reactions count on the first message holding the id (`first`), per author and reaction the
 * latest of react and withdraw. A function of the records alone, whatever order they arrived
 * in. Frozen, like everything it holds.
 */
function messageView(m: TextRecord, ops: MessageOps | undefined, first: boolean): Message {
  const deleted = ops?.deleted(m) === true;
  const edit = deleted ? undefined : ops?.edit(m);
  const reactions = first && !deleted && ops !== undefined ? ops.reactions() : NO_REACTIONS;
  return Object.freeze({
    id: m.id,
    eventId: Object.freeze({ author: m.author, seq: m.number }),
    author: m.author,
    time: m.time,
    content: deleted ? '' : (edit?.content ?? m.content),
    replyTo: m.replyTo,
    edited: edit !== undefined,
    editedAt: edit?.time,
    deleted,
    reactions,
  });
}

/**
 * The messages of one text stream, projected from its append log. It mirrors the log's
 * records in the log's order (same index, same drops), indexes messages by id and keeps, per
 * id named by edits, deletes or reactions, their incremental state ({@link MessageOps}), and
 * recomputes only the messages a change touches. Every message is a function of the records
 * the log holds, so replicas whose logs hold the same records (the same suffix of one order,
 * whatever the loss, reordering and duplication on the way) show the same messages; a replica
 * that projects late shows what one that followed every change shows.
 *
 * Records are read against `limits` (the stream's options: every replica must use the same).
 * Two records can carry one message id (`from_event` collides when author ⊕ seq does): both
 * messages are kept; an edit or delete applies to its author's own; reactions to the first.
 */
export class TextProjection {
  private records = new FrontDropList<TextRecord>();
  private candidates = new Map<MessageId, TextRecord[]>();
  private ops = new Map<MessageId, MessageOps>();
  private views = new Map<TextRecord, Message>();
  /** The messages in the log's order, kept up to date (arrivals are mostly at the end). */
  private ordered = new FrontDropList<Message>();
  /** A frozen copy of {@link ordered} handed out, until the next change. */
  private list: readonly Message[] | undefined = undefined;
  private invalid = 0;
  private rebuilds = 0;
  private rebuilding = false;
  /** After a rebuild: the seqs per author it already saw (their changes may still come). */
  private seen: Map<NodeId, number> | undefined = undefined;
  /** Local records applied ahead of their change ({@link insertLocal}), oldest first. */
  private early: TextRecord[] = [];

  constructor(private readonly limits?: RecordLimits) {}

  /** Records that are not valid text records (kept in place, ignored). */
  get invalidRecords(): number {
    return this.invalid;
  }

  /** Records mirrored (the log's length). */
  get recordCount(): number {
    return this.records.length;
  }

  /** Times the mirror was rebuilt from the log (after a change it could not follow). */
  get rebuildCount(): number {
    return this.rebuilds;
  }

  /** Message ids named by the edits, deletes and reactions held (whether shown or not). */
  get targetCount(): number {
    return this.ops.size;
  }

  /** The messages in the stream's order (frozen; the same array until something changes). */
  messages(): readonly Message[] {
    this.list ??= Object.freeze(this.ordered.toArray());
    return this.list;
  }

  /**
   * The message holding `id`: the one by `author` when given (edits and deletes), else the
   * first (replies and reactions).
   */
  find(id: MessageId, author?: NodeId): Message | undefined {
    const list = this.candidates.get(id);
    if (list === undefined) return undefined;
    const r = author === undefined ? list[0] : list.find((c) => c.author === author);
    return r === undefined ? undefined : this.views.get(r);
  }

  /** True when some message holds `id` (whoever wrote it). */
  has(id: MessageId): boolean {
    return this.candidates.has(id);
  }

  /** True when `author`'s latest record for `reaction` on message `id` is a reaction. */
  reacting(id: MessageId, reaction: string, author: NodeId): boolean {
    return this.ops.get(id)?.reacting(reaction, author) === true;
  }

  /**
   * Follows one change of the log, delivered in the field's order. Its index and drops are
   * those of the moment it was applied (the field may have applied more since: changes are
   * delivered after the call that caused them), so the mirror replays the log's history
   * rather than reading the log. A change the last rebuild already saw is skipped, and so is
   * the insertion of a local record applied ahead ({@link insertLocal}); one that cannot fit
   * the mirror (never expected) makes it rebuild from the log.
   */
  apply(
    delta: LogDelta,
    log: AppendLog | undefined,
    version?: ReadonlyMap<NodeId, number>,
  ): TextChange[] {
    if (this.seen !== undefined) {
      if ((this.seen.get(delta.entry.author) ?? 0) >= delta.entry.number) return [];
      this.seen = undefined; // changes after the rebuild follow; the rest is new
    }
    const ahead = this.early[0];
    const echo = ahead?.author === delta.entry.author && ahead.number === delta.entry.number;
    if (echo) this.early.shift();
    // The new entry counts among `dropped` when it was dropped itself (index −1).
    const old = delta.index < 0 && delta.dropped > 0 ? delta.dropped - 1 : delta.dropped;
    if (
      old > this.records.length ||
      delta.index > this.records.length - old ||
      (echo && delta.index < 0)
    ) {
      return this.rebuild(log, version);
    }
    const changes: TextChange[] = [];
    const affected = new Set<MessageId>();
    for (let i = 0; i < old; i++) {
      if (!this.remove(this.records.at(i), affected, changes)) return this.rebuild(log, version);
    }
    if (old > 0) this.records.dropFront(old);
    if (delta.index >= 0 && !echo) {
      const r = textRecord(delta.entry, this.limits);
      this.records.insert(delta.index, r);
      this.add(r, affected);
    }
    for (const id of affected) this.recompute(id, changes);
    if (changes.length > 0) this.list = undefined;
    return changes;
  }

  /**
   * Applies this node's own record at once, ahead of its change: a write made while the field
   * delivers changes (from a listener) has its change queued behind the one being delivered,
   * and the writer must see what it just wrote. The writer stamps a record after every record
   * of the log (`LocalWriter.append`), so it goes at the end of the mirror, where the changes
   * still on their way (of records applied before it) keep their indexes; when its own change
   * comes, only its drops are applied.
   */
  insertLocal(entry: LogEntry): TextChange[] {
    const r = textRecord(entry, this.limits);
    const last = this.records.length > 0 ? this.records.at(this.records.length - 1) : undefined;
    if (last !== undefined && compareStamps(last, r) >= 0) return []; // never expected
    this.early.push(r);
    this.records.insert(this.records.length, r);
    const affected = new Set<MessageId>();
    this.add(r, affected);
    const changes: TextChange[] = [];
    for (const id of affected) this.recompute(id, changes);
    if (changes.length > 0) this.list = undefined;
    return changes;
  }

  /**
   * Projects the log from scratch (no log: empty) and reports what differs from the messages
   * shown before. `version` is the atom's version now (highest seq applied per author): the
   * changes still on their way for events it covers are then skipped, which makes a projection
   * built while the field delivers changes (a stream opened by a listener) exact.
   */
  rebuild(log: AppendLog | undefined, version?: ReadonlyMap<NodeId, number>): TextChange[] {
    this.rebuilds++;
    this.seen = version === undefined || version.size === 0 ? undefined : new Map(version);
    const before = new Map<string, Message>();
    for (const v of this.views.values()) {
      before.set(eventKey({ author: v.eventId.author, number: v.eventId.seq }), v);
    }
    this.records = new FrontDropList();
    this.candidates = new Map();
    this.ops = new Map();
    this.views = new Map();
    this.ordered = new FrontDropList();
    this.early = [];
    this.invalid = 0;
    this.list = undefined;
    const ids = new Set<MessageId>();
    for (const entry of log?.entries() ?? []) {
      const r = textRecord(entry, this.limits);
      this.records.insert(this.records.length, r);
      this.add(r, ids);
    }
    this.rebuilding = true; // the ordered list is made once, below
    for (const id of ids) this.recompute(id, []);
    this.rebuilding = false;
    const changes: TextChange[] = [];
    for (const [r, v] of this.views) {
      const key = eventKey(r);
      const prev = before.get(key);
      before.delete(key);
      if (prev === undefined) changes.push(Object.freeze({ type: 'added', message: v }));
      else if (!sameMessage(prev, v, true)) {
        changes.push(Object.freeze({ type: 'updated', message: v, previous: prev }));
      } else this.views.set(r, prev);
    }
    for (const prev of before.values()) {
      changes.push(Object.freeze({ type: 'removed', message: prev }));
    }
    this.ordered = new FrontDropList();
    for (const r of this.records) {
      const v = r.kind === RecordKind.Message ? this.views.get(r) : undefined;
      if (v !== undefined) this.ordered.insert(this.ordered.length, v);
    }
    return changes;
  }

  private add(r: TextRecord, affected: Set<MessageId>): void {
    switch (r.kind) {
      case RecordKind.Invalid:
        this.invalid++;
        return;
      case RecordKind.Message: {
        let list = this.candidates.get(r.id);
        if (list === undefined) this.candidates.set(r.id, (list = []));
        insertSorted(list, r);
        affected.add(r.id);
        return;
      }
      default: {
        const target = r.target as MessageId;
        let ops = this.ops.get(target);
        if (ops === undefined) this.ops.set(target, (ops = new MessageOps()));
        if (ops.add(r)) affected.add(target);
      }
    }
  }

  /** Lets go of a dropped record; false when the records did not leave oldest first. */
  private remove(r: TextRecord, affected: Set<MessageId>, changes: TextChange[]): boolean {
    switch (r.kind) {
      case RecordKind.Invalid:
        this.invalid--;
        return true;
      case RecordKind.Message: {
        const list = this.candidates.get(r.id);
        const i = list === undefined ? -1 : list.indexOf(r);
        if (list !== undefined && i >= 0) {
          list.splice(i, 1); // a list of colliding messages: one, rarely two
          if (list.length === 0) this.candidates.delete(r.id);
        }
        const v = this.views.get(r);
        this.views.delete(r);
        if (v !== undefined) {
          this.ordered.removeAt(messageIndex(this.ordered, v));
          changes.push(Object.freeze({ type: 'removed', message: v }));
        }
        affected.add(r.id);
        return true;
      }
      default: {
        const target = r.target as MessageId;
        const ops = this.ops.get(target);
        if (ops === undefined) return true;
        const changed = ops.remove(r);
        if (ops.size === 0) this.ops.delete(target);
        if (changed === true) affected.add(target);
        return changed !== undefined;
      }
    }
  }

  /** Recomputes every message holding `id`; reports those that appeared or changed. */
  private recompute(id: MessageId, changes: TextChange[]): void {
    const list = this.candidates.get(id);
    if (list === undefined) return;
    const ops = this.ops.get(id);
    for (let i = 0; i < list.length; i++) {
      const r = list[i] as TextRecord;
      const next = messageView(r, ops, i === 0);
      const prev = this.views.get(r);
      if (prev === undefined) {
        this.views.set(r, next);
        if (!this.rebuilding) this.ordered.insert(messageIndex(this.ordered, next), next);
        changes.push(Object.freeze({ type: 'added', message: next }));
      } else if (!sameMessage(prev, next, false)) {
        this.views.set(r, next);
        if (!this.rebuilding) this.ordered.set(messageIndex(this.ordered, prev), next);
        changes.push(Object.freeze({ type: 'updated', message: next, previous: prev }));
      }
    }
  }
}
