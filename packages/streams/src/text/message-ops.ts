import type { NodeId } from '@elara/core';
import { compareStamps } from '@elara/state';
import type { Reaction } from './message.ts';
import { RecordKind, type TextRecord } from './text-record.ts';

/** The newest record of a group (by stamp) and how many records the group holds. */
interface Latest {
  record: TextRecord;
  count: number;
}

export const NO_REACTIONS: readonly Reaction[] = Object.freeze([]);

function ascending<T extends string | bigint>(a: T, b: T): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The first index of `list` whose key is not below `key` (`list` sorted by `keyOf`). */
function lowerBound<T, K extends string | bigint>(
  list: readonly T[],
  key: K,
  keyOf: (t: T) => K,
): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ascending(keyOf(list[mid] as T), key) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const byReaction = (r: Reaction): string => r.reaction;
const itself = (n: NodeId): NodeId => n;

/** Adds `r` to its group; true when it is the group's newest now. */
function addLatest<K>(groups: Map<K, Latest>, key: K, r: TextRecord): boolean {
  const g = groups.get(key);
  if (g === undefined) {
    groups.set(key, { record: r, count: 1 });
    return true;
  }
  g.count++;
  if (compareStamps(r, g.record) <= 0) return false;
  g.record = r;
  return true;
}

/**
 * Removes `r` from its group. The log drops its oldest records first, so `r` is the group's
 * oldest: the newest changes only when it was the last. Returns whether the group's newest
 * changed, or `undefined` when `r` was the newest of several (the invariant broke: the caller
 * rebuilds).
 */
function removeLatest<K>(groups: Map<K, Latest>, key: K, r: TextRecord): boolean | undefined {
  const g = groups.get(key);
  if (g === undefined) return false;
  if (g.count === 1) {
    groups.delete(key);
    return true;
  }
  if (g.record === r) return undefined;
  g.count--;
  return false;
}

/**
 * The edits, deletes and reactions naming one message id, kept incrementally: per author its
 * newest edit and newest delete, per (reaction, author) the newest of react and withdraw, and
 * the reactions shown (sorted by text, each with its sorted authors). Adding or dropping one
 * record costs O(log) in its group plus a copy of the one reaction's authors and of the
 * reaction list (new arrays, since messages are immutable): never a pass over the message's
 * earlier records.
 */
export class MessageOps {
  private readonly edits = new Map<NodeId, Latest>();
  private readonly deletes = new Map<NodeId, Latest>();
  private readonly reactionGroups = new Map<string, Map<NodeId, Latest>>();
  /** The reactions with at least one author, sorted by text (frozen objects). */
  private shown: Reaction[] = [];
  private frozen: readonly Reaction[] = NO_REACTIONS;
  private records = 0;

  /** Records held (edits, deletes, reactions and withdrawals). */
  get size(): number {
    return this.records;
  }

  /**
   * Takes one record naming this id. Returns false when it cannot change what any message
   * shows (an older edit, delete or reaction of its author than one already held).
   */
  add(r: TextRecord): boolean {
    this.records++;
    switch (r.kind) {
      case RecordKind.Edit:
        return addLatest(this.edits, r.author, r);
      case RecordKind.Delete:
        return addLatest(this.deletes, r.author, r);
      default: {
        let groups = this.reactionGroups.get(r.content);
        if (groups === undefined)
          this.reactionGroups.set(r.content, (groups = new Map<NodeId, Latest>()));
        const before = groups.get(r.author)?.record.kind === RecordKind.React;
        if (!addLatest(groups, r.author, r)) return false;
        this.reacted(r.content, r.author, before);
        return true;
      }
    }
  }

  /**
   * Lets go of one record dropped by the log's bound. Returns whether it can change what a
   * message shows, or `undefined` when the records did not leave oldest first (rebuild).
   */
  remove(r: TextRecord): boolean | undefined {
    this.records--;
    switch (r.kind) {
      case RecordKind.Edit:
        return removeLatest(this.edits, r.author, r);
      case RecordKind.Delete:
        return removeLatest(this.deletes, r.author, r);
      default: {
        const groups = this.reactionGroups.get(r.content);
        if (groups === undefined) return false;
        const before = groups.get(r.author)?.record.kind === RecordKind.React;
        const changed = removeLatest(groups, r.author, r);
        if (groups.size === 0) this.reactionGroups.delete(r.content);
        if (changed === true) this.reacted(r.content, r.author, before);
        return changed;
      }
    }
  }

  /** True when `m`'s author deleted it (a delete written after `m`). */
  deleted(m: TextRecord): boolean {
    const d = this.deletes.get(m.author);
    return d !== undefined && compareStamps(d.record, m) > 0;
  }

  /** The edit `m` shows: its author's newest, when written after `m`. */
  edit(m: TextRecord): TextRecord | undefined {
    const e = this.edits.get(m.author)?.record;
    return e !== undefined && compareStamps(e, m) > 0 ? e : undefined;
  }

  /** The reactions shown (the same frozen array until one changes). */
  reactions(): readonly Reaction[] {
    return this.frozen;
  }

  /** True when `author`'s newest record for `reaction` is a reaction (not withdrawn). */
  reacting(reaction: string, author: NodeId): boolean {
    return this.reactionGroups.get(reaction)?.get(author)?.record.kind === RecordKind.React;
  }

  /** Updates the shown reaction `reaction` after `author`'s newest record for it changed. */
  private reacted(reaction: string, author: NodeId, before: boolean): void {
    const now = this.reacting(reaction, author);
    if (now === before) return;
    const i = lowerBound(this.shown, reaction, byReaction);
    const old = this.shown[i]?.reaction === reaction ? this.shown[i] : undefined;
    const authors = old === undefined ? [] : [...old.authors];
    const j = lowerBound(authors, author, itself);
    if (now) authors.splice(j, 0, author);
    else authors.splice(j, 1);
    if (authors.length === 0) this.shown.splice(i, 1);
    else {
      const r: Reaction = Object.freeze({ reaction, authors: Object.freeze(authors) });
      if (old === undefined) this.shown.splice(i, 0, r);
      else this.shown[i] = r;
    }
    this.frozen = this.shown.length === 0 ? NO_REACTIONS : Object.freeze([...this.shown]);
  }
}
