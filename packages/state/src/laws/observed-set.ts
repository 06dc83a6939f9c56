import { type MutationOp, type NodeId, nodeIdToHex } from '@elara/core';
import { AtomOp } from '../atom-op.ts';
import { bytesToHex, type CanonicalValue } from '../canonical-value.ts';
import { compareAscending } from '../compare-ascending.ts';
import { DEFAULT_SET_WRITERS, LawKind } from '../delta-law.ts';
import type { EventStamp } from '../event-stamp.ts';
import { RejectionReason } from '../rejection-reason.ts';
import { decodeSetOp, SetOpCode, type SetOp, type SetTag } from '../set-op.ts';
import type { LawDelta } from './law-delta.ts';
import type { LawContext, LawResult, LawState } from './law-state.ts';

interface LiveOp {
  readonly author: NodeId;
  readonly number: number;
  readonly add: boolean;
}

interface ElementRecord {
  readonly element: Uint8Array;
  /** The operations on this element that no other operation observed: one per author at most. */
  live: LiveOp[];
  present: boolean;
}

/**
 * The newest operation of an author on an element once it is no longer live (observed, or a
 * remove an add-wins set does not keep): the author's lower-numbered operations on the
 * element are dead on arrival while any of them may still arrive.
 */
interface Superseded {
  readonly author: NodeId;
  readonly number: number;
}

function liveIndex(live: readonly LiveOp[], author: NodeId, number: number): number {
  for (let i = 0; i < live.length; i++) {
    const op = live[i] as LiveOp;
    if (op.number === number && op.author === author) return i;
  }
  return -1;
}

function authorIndex(live: readonly LiveOp[], author: NodeId): number {
  for (let i = 0; i < live.length; i++) if ((live[i] as LiveOp).author === author) return i;
  return -1;
}

function tagKey(author: NodeId, number: number): string {
  return `${author.toString(16).padStart(16, '0')}:${number}`;
}

function parseTagKey(k: string): [NodeId, number] {
  return [BigInt(`0x${k.slice(0, 16)}`) as NodeId, Number(k.slice(17))];
}

function supersededKey(element: string, author: NodeId): string {
  return `${element}/${author.toString(16)}`;
}

function byAuthorThenNumber(a: LiveOp, b: LiveOp): number {
  return compareAscending(a.author, b.author) || a.number - b.number;
}

/**
 * Observed-remove set of byte strings, add-wins or remove-wins. Each add or remove of an
 * element names the operations on it that its author had applied ({@link SetOp}); those stop
 * counting. An author always observes its own earlier operations: operation (A, n) on an
 * element supersedes A's operations on it numbered below n, named or not (naming one of A's
 * own at n or above is `MalformedPayload`: it cannot have been applied before). An element's
 * state is its *live* operations, those no other operation observed, so at most one per author:
 * - add-wins: present when some live operation is an add (removes are not kept: they only
 *   retire what they observed);
 * - remove-wins: present when some live operation is an add and none is a remove.
 * So a concurrent add and remove resolve to present (add-wins) or absent (remove-wins), and an
 * operation that saw the other's effect overrides it, whatever the arrival order. Repeated
 * `append(element)`s of one author keep one live operation.
 *
 * An operation that arrives after one that observed it is dead on arrival. For that the set
 * keeps *pending retirements*: a named operation not processed yet, and an author's newest
 * operation on an element once it is no longer live, while the author's lower-numbered ones
 * may still arrive ({@link LawContext.settledBelow}). Both are bookkeeping, not state: left
 * out of the snapshot, bounded separately (`maxElements` of each, oldest dropped first) and
 * dropped as soon as what they wait for is processed ({@link forget}, {@link prune}). The
 * field makes a durable operation wait until every operation it observed is processed, and
 * durable operations arrive in their author's order, so only ephemeral sets ever hold them.
 *
 * Bounds: element records by `maxElements`, live operations per element (concurrent writers)
 * by `maxWriters`; an operation that would go past either is refused as `AtomFull`. Nothing
 * else is kept: state is proportional to elements and their concurrent writers, not to
 * history, and each operation costs O(live operations of its element + tags it names).
 */
export class ObservedSet implements LawState {
  readonly kind: typeof LawKind.AddWinsSet | typeof LawKind.RemoveWinsSet;
  /** Nothing is dropped for a bound: growth past it is refused (see {@link LawState.dropped}). */
  readonly dropped = 0;
  private readonly records = new Map<string, ElementRecord>();
  /** Retirements waiting for their operation: tag key → element key. */
  private readonly pending = new Map<string, string>();
  /** Authors' newest operations that are no longer live: (element, author) key → op. */
  private readonly superseded = new Map<string, Superseded>();
  private presentCount = 0;

  constructor(
    readonly removeWins: boolean,
    readonly maxElements: number,
    readonly maxWriters: number = DEFAULT_SET_WRITERS,
  ) {
    this.kind = removeWins ? LawKind.RemoveWinsSet : LawKind.AddWinsSet;
  }

  /** Number of elements present. */
  get size(): number {
    return this.presentCount;
  }

  /** True when `element` is present. */
  has(element: Uint8Array): boolean {
    return this.records.get(bytesToHex(element))?.present === true;
  }

  /** The elements present, in canonical (hex) order. */
  elements(): Uint8Array[] {
    return [...this.records.entries()]
      .filter(([, r]) => r.present)
      .sort(([a], [b]) => compareAscending(a, b))
      .map(([, r]) => r.element);
  }

  /**
   * The live operations on `element`: what a new add or remove of it should name as
   * observed (see {@link setOpFor}).
   */
  observedTags(element: Uint8Array): SetTag[] {
    const record = this.records.get(bytesToHex(element));
    if (record === undefined) return [];
    return record.live.map((op) => ({ author: op.author, number: op.number }));
  }

  /** Live operations on `element` (one per author at most). */
  liveCount(element: Uint8Array): number {
    return this.records.get(bytesToHex(element))?.live.length ?? 0;
  }

  opOf(m: MutationOp): AtomOp | 0 {
    if (m.type === 'append') return AtomOp.Append;
    if (m.type !== 'merge') return 0;
    return m.data[0] === SetOpCode.Remove ? AtomOp.Remove : AtomOp.Append;
  }

  apply(stamp: EventStamp, m: MutationOp, context: LawContext, report: boolean): LawResult {
    let op: SetOp;
    if (m.type === 'append') op = { op: 'add', element: m.data, observed: [] };
    else if (m.type === 'merge') {
      try {
        op = decodeSetOp(m.data);
      } catch {
        return RejectionReason.MalformedPayload;
      }
    } else return undefined;
    const { author, number } = stamp;
    for (const t of op.observed) {
      if (t.author === author && t.number >= number) return RejectionReason.MalformedPayload;
    }
    const key = bytesToHex(op.element);
    let record = this.records.get(key);

    // Validate the bounds before changing anything.
    const mineAt = record === undefined ? -1 : authorIndex(record.live, author);
    const mine = mineAt < 0 ? undefined : ((record as ElementRecord).live[mineAt] as LiveOp);
    const sKey = this.superseded.size > 0 ? supersededKey(key, author) : undefined;
    const gone = sKey === undefined ? undefined : this.superseded.get(sKey);
    const newest = Math.max(mine?.number ?? -1, gone?.number ?? -1);
    if (newest === number) return undefined; // applied already
    // Its author's newer operation on the element saw it: nothing it could change stays.
    const late = newest > number;
    let retire: LiveOp[] | undefined;
    let wait: string[] | undefined;
    for (const t of op.observed) {
      if (t.author === author) continue; // superseded as one of the author's earlier ops
      const i = record === undefined ? -1 : liveIndex(record.live, t.author, t.number);
      if (i >= 0) (retire ??= []).push((record as ElementRecord).live[i] as LiveOp);
      else if (!context.processed(t.author, t.number)) {
        const k = tagKey(t.author, t.number);
        if (!this.pending.has(k)) (wait ??= []).push(k);
      }
    }
    // Pending retirements are rare (an operation overtaking one it observed): key them lazily.
    const own = this.pending.size > 0 ? tagKey(author, number) : undefined;
    const dead = late || (own !== undefined && this.pending.get(own) === key);
    const keep = !dead && (op.op === 'add' || this.removeWins);
    if (keep) {
      if (record === undefined && this.records.size >= this.maxElements) {
        return RejectionReason.AtomFull;
      }
      const after = (record?.live.length ?? 0) - (retire?.length ?? 0) - (mine ? 1 : 0) + 1;
      if (after > this.maxWriters) return RejectionReason.AtomFull;
    }

    if (own !== undefined) this.pending.delete(own);
    if (wait !== undefined) this.addPending(wait, key, context);
    if (!late) {
      if (gone !== undefined) this.superseded.delete(sKey as string);
      if (!keep && !context.settledBelow(author, number)) {
        this.addSuperseded(key, { author, number }, context);
      }
    }
    if (record === undefined && !keep) return undefined;
    record ??= this.create(key, op.element);
    if (retire !== undefined || (mine !== undefined && !late)) {
      const out = retire ?? [];
      if (mine !== undefined && !late) out.push(mine);
      record.live = record.live.filter((x) => !out.includes(x));
      for (const x of out) {
        if (x !== mine && !context.settledBelow(x.author, x.number)) {
          this.addSuperseded(key, x, context);
        }
      }
    }
    if (keep) record.live.push({ author, number, add: op.op === 'add' });
    return this.settle(key, record, report);
  }

  snapshot(): CanonicalValue {
    const elements = [...this.records.entries()]
      .sort(([a], [b]) => compareAscending(a, b))
      .map(([key, r]): CanonicalValue => [
        key,
        r.present,
        [...r.live]
          .sort(byAuthorThenNumber)
          .map((op): CanonicalValue => [nodeIdToHex(op.author), op.number, op.add]),
      ]);
    // Pending retirements are left out: replicas forget them at different moments.
    return { elements };
  }

  /**
   * Pending retirements held: operations named before they arrived, and authors' newest
   * operations on an element kept while a lower-numbered one may still arrive.
   */
  get pendingCount(): number {
    return this.pending.size + this.superseded.size;
  }

  /**
   * Drops the pending retirement of operation (author, number), if any: it was processed
   * here without being applied (refused, evicted, dropped), so it will never arrive.
   */
  forget(author: NodeId, number: number): void {
    if (this.pending.size > 0) this.pending.delete(tagKey(author, number));
  }

  /** Drops every pending retirement whose operations now count as processed. */
  prune(context: LawContext): void {
    for (const k of this.pending.keys()) {
      const [author, number] = parseTagKey(k);
      if (context.processed(author, number)) this.pending.delete(k);
    }
    for (const [k, s] of this.superseded) {
      if (context.settledBelow(s.author, s.number)) this.superseded.delete(k);
    }
  }

  isEmpty(): boolean {
    return this.records.size === 0;
  }

  clear(): void {
    this.records.clear();
    this.pending.clear();
    this.superseded.clear();
    this.presentCount = 0;
  }

  simplify(): boolean {
    return false;
  }

  expire(): LawDelta[] {
    return [];
  }

  /**
   * Records retirements waiting for their operations. At the bound, those already processed
   * go first, then the oldest: a forgotten retirement only lets an operation that was
   * observed but overtaken stay live, and that needs more than `maxElements` in flight.
   */
  private addPending(keys: readonly string[], element: string, context: LawContext): void {
    if (this.pending.size + keys.length > this.maxElements) this.prune(context);
    for (const k of keys) {
      if (this.pending.size >= this.maxElements) {
        const oldest = this.pending.keys().next().value as string;
        this.pending.delete(oldest);
      }
      this.pending.set(k, element);
    }
  }

  /** Remembers an author's newest operation on an element that is no longer live (bounded). */
  private addSuperseded(element: string, op: Superseded, context: LawContext): void {
    if (this.superseded.size >= this.maxElements) this.prune(context);
    if (this.superseded.size >= this.maxElements) {
      this.superseded.delete(this.superseded.keys().next().value as string);
    }
    this.superseded.set(supersededKey(element, op.author), {
      author: op.author,
      number: op.number,
    });
  }

  private create(key: string, element: Uint8Array): ElementRecord {
    const record: ElementRecord = { element: element.slice(), live: [], present: false };
    this.records.set(key, record);
    return record;
  }

  /** Recomputes presence after a change; forgets records nothing keeps alive. */
  private settle(key: string, record: ElementRecord, report: boolean): LawResult {
    let adds = false;
    let removes = false;
    for (const op of record.live) {
      if (op.add) adds = true;
      else removes = true;
    }
    const present = adds && !(this.removeWins && removes);
    if (record.live.length === 0) this.records.delete(key);
    if (present === record.present) return undefined;
    record.present = present;
    this.presentCount += present ? 1 : -1;
    return report ? { law: 'set', element: record.element, present } : undefined;
  }
}

/**
 * The set operation a replica should send to add or remove `element` now: it names every live
 * operation on the element as observed.
 *
 * @example
 * field.applyLocal({ ...envelope, mutation: setOpMutation(setOpFor(set, 'add', element)) });
 */
export function setOpFor(set: ObservedSet, op: 'add' | 'remove', element: Uint8Array): SetOp {
  return { op, element, observed: set.observedTags(element) };
}
