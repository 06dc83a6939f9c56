import { type MessageId, type NodeId } from '@elara/core';
import { type AppendLog, compareStamps, type LogEntry } from '@elara/state';
import type { Message, Reaction, TextChange } from './message.ts';
import { FrontDropList } from './front-drop-list.ts';
import { RecordKind, type TextRecord, textRecord } from './text-record.ts';

/** An append-log change of the field's feed (`AtomChange.delta` of a text atom). */
export interface LogDelta {
  readonly entry: LogEntry;
  /** Where the entry sits now (−1: it fell below the log's bound and was dropped at once). */
  readonly index: number;
  /** Entries the bound dropped from the oldest end (the new one included when index is −1). */
  readonly dropped: number;
}

const NO_OPS: readonly TextRecord[] = [];
const NO_REACTIONS: readonly Reaction[] = Object.freeze([]);

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

function removeFrom(map: Map<MessageId, TextRecord[]>, id: MessageId, r: TextRecord): void {
  const list = map.get(id);
  if (list === undefined) return;
  const i = list.indexOf(r);
  if (i >= 0) list.splice(i, 1);
  if (list.length === 0) map.delete(id);
}

function sameReactions(a: readonly Reaction[], b: readonly Reaction[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as Reaction;
    const y = b[i] as Reaction;
    if (x.reaction !== y.reaction || x.authors.length !== y.authors.length) return false;
    for (let j = 0; j < x.authors.length; j++) if (x.authors[j] !== y.authors[j]) return false;
  }
  return true;
}

function sameMessage(a: Message, b: Message): boolean {
  return (
    a.content === b.content &&
    a.edited === b.edited &&
    a.editedAt === b.editedAt &&
    a.deleted === b.deleted &&
    a.replyTo === b.replyTo &&
    a.time === b.time &&
    sameReactions(a.reactions, b.reactions)
  );
}

/**
 * A message as its record and the operations naming its id make it: edits and deletes count
 * when written by the message's author after it (by stamp), the last edit wins, a delete is
 * final (no content, no reactions, later edits and reactions ignored); reactions count on the
 * first message holding the id (`first`), per author and reaction the latest of react and
 * withdraw. A function of the records alone, whatever order they arrived in.
 */
function messageView(m: TextRecord, ops: readonly TextRecord[], first: boolean): Message {
  if (ops.length === 0) return plainView(m, m.content, false, undefined, false, NO_REACTIONS);
  let content = m.content;
  let edited = false;
  let editedAt: number | undefined;
  let deleted = false;
  let reactions: Map<string, Set<NodeId>> | undefined;
  for (const op of ops) {
    if (op.kind === RecordKind.Edit || op.kind === RecordKind.Delete) {
      if (op.author !== m.author || compareStamps(op, m) <= 0) continue;
      if (op.kind === RecordKind.Delete) {
        deleted = true;
        content = '';
        reactions = undefined;
        break;
      }
      content = op.content;
      edited = true;
      editedAt = op.time;
    } else if (first) {
      reactions ??= new Map();
      let who = reactions.get(op.content);
      if (op.kind === RecordKind.React) {
        if (who === undefined) reactions.set(op.content, (who = new Set()));
        who.add(op.author);
      } else {
        who?.delete(op.author);
      }
    }
  }
  const list: Reaction[] = [];
  if (reactions !== undefined) {
    for (const [reaction, who] of reactions) {
      if (who.size === 0) continue;
      const authors = [...who].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      list.push({ reaction, authors });
    }
    list.sort((a, b) => (a.reaction < b.reaction ? -1 : a.reaction > b.reaction ? 1 : 0));
  }
  return plainView(m, content, edited, editedAt, deleted, list);
}

function plainView(
  m: TextRecord,
  content: string,
  edited: boolean,
  editedAt: number | undefined,
  deleted: boolean,
  reactions: readonly Reaction[],
): Message {
  return {
    id: m.id,
    eventId: { author: m.author, seq: m.number },
    author: m.author,
    time: m.time,
    content,
    replyTo: m.replyTo,
    edited,
    editedAt,
    deleted,
    reactions,
  };
}

/**
 * The messages of one text stream, projected from its append log. It mirrors the log's
 * records in the log's order (same index, same drops), indexes messages and the operations
 * naming them by message id, and recomputes only the messages a change touches. Every message
 * is a function of the records the log holds, so replicas whose logs hold the same records
 * (the same suffix of one order, whatever the loss, reordering and duplication on the way)
 * show the same messages; a replica that projects late shows what one that followed every
 * change shows.
 *
 * Two records can carry one message id (`from_event` collides when author ⊕ seq does): both
 * messages are kept; an edit or delete applies to its author's own; reactions to the first.
 */
export class TextProjection {
  private records = new FrontDropList<TextRecord>();
  private candidates = new Map<MessageId, TextRecord[]>();
  private ops = new Map<MessageId, TextRecord[]>();
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

  /**
   * Follows one change of the log, delivered in the field's order. Its index and drops are
   * those of the moment it was applied (the field may have applied more since: changes are
   * delivered after the call that caused them), so the mirror replays the log's history
   * rather than reading the log. A change the last rebuild already saw is skipped; one that
   * cannot fit the mirror (never expected) makes it rebuild from the log.
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
    // The new entry counts among `dropped` when it was dropped itself (index −1).
    const old = delta.index < 0 && delta.dropped > 0 ? delta.dropped - 1 : delta.dropped;
    if (old > this.records.length || delta.index > this.records.length - old) {
      return this.rebuild(log, version);
    }
    const changes: TextChange[] = [];
    const affected = new Set<MessageId>();
    for (let i = 0; i < old; i++) this.remove(this.records.at(i), affected, changes);
    if (old > 0) this.records.dropFront(old);
    if (delta.index >= 0) {
      const r = textRecord(delta.entry);
      this.records.insert(delta.index, r);
      this.add(r, affected);
    }
    for (const id of affected) this.recompute(id, changes);
    if (old > 0 || delta.index >= 0) this.list = undefined;
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
    this.invalid = 0;
    this.list = undefined;
    const ids = new Set<MessageId>();
    for (const entry of log?.entries() ?? []) {
      const r = textRecord(entry);
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
      if (prev === undefined) changes.push({ type: 'added', message: v });
      else if (!sameMessage(prev, v)) changes.push({ type: 'updated', message: v, previous: prev });
      else this.views.set(r, prev);
    }
    for (const prev of before.values()) changes.push({ type: 'removed', message: prev });
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
        let list = this.ops.get(target);
        if (list === undefined) this.ops.set(target, (list = []));
        insertSorted(list, r);
        affected.add(target);
      }
    }
  }

  private remove(r: TextRecord, affected: Set<MessageId>, changes: TextChange[]): void {
    switch (r.kind) {
      case RecordKind.Invalid:
        this.invalid--;
        return;
      case RecordKind.Message: {
        removeFrom(this.candidates, r.id, r);
        const v = this.views.get(r);
        this.views.delete(r);
        if (v !== undefined) {
          this.ordered.removeAt(messageIndex(this.ordered, v));
          changes.push({ type: 'removed', message: v });
        }
        affected.add(r.id);
        return;
      }
      default:
        removeFrom(this.ops, r.target as MessageId, r);
        affected.add(r.target as MessageId);
    }
  }

  /** Recomputes every message holding `id`; reports those that appeared or changed. */
  private recompute(id: MessageId, changes: TextChange[]): void {
    const list = this.candidates.get(id);
    if (list === undefined) return;
    const ops = this.ops.get(id) ?? NO_OPS;
    for (let i = 0; i < list.length; i++) {
      const r = list[i] as TextRecord;
      const next = messageView(r, ops, i === 0);
      const prev = this.views.get(r);
      if (prev === undefined) {
        this.views.set(r, next);
        if (!this.rebuilding) this.ordered.insert(messageIndex(this.ordered, next), next);
        changes.push({ type: 'added', message: next });
      } else if (!sameMessage(prev, next)) {
        this.views.set(r, next);
        if (!this.rebuilding) this.ordered.set(messageIndex(this.ordered, prev), next);
        changes.push({ type: 'updated', message: next, previous: prev });
      }
    }
  }
}
