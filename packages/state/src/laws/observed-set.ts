import { type MutationOp, type NodeId, nodeIdToHex } from '@elara/core';
import { AtomOp } from '../atom-op.ts';
import { bytesToHex, type CanonicalValue } from '../canonical-value.ts';
import { LawKind } from '../delta-law.ts';
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
  /** The operations on this element that no later operation observed (a few at most). */
  live: LiveOp[];
  present: boolean;
}

function liveIndex(live: readonly LiveOp[], author: NodeId, number: number): number {
  for (let i = 0; i < live.length; i++) {
    const op = live[i] as LiveOp;
    if (op.number === number && op.author === author) return i;
  }
  return -1;
}

function tagKey(author: NodeId, number: number): string {
  return `${author.toString(16).padStart(16, '0')}:${number}`;
}

function parseTagKey(k: string): [NodeId, number] {
  return [BigInt(`0x${k.slice(0, 16)}`) as NodeId, Number(k.slice(17))];
}

/**
 * Observed-remove set of byte strings, add-wins or remove-wins. Each add or remove of an
 * element names the operations on it that its author had applied ({@link SetOp}); those stop
 * counting. An element's state is its *live* operations, those no other operation observed:
 * - add-wins: present when some live operation is an add (removes are not kept: they only
 *   retire what they observed);
 * - remove-wins: present when some live operation is an add and none is a remove.
 * So a concurrent add and remove resolve to present (add-wins) or absent (remove-wins), and an
 * operation that saw the other's effect overrides it, whatever the arrival order.
 *
 * An observed operation that has not arrived yet is remembered as a pending retirement, so it
 * is dead on arrival; one already processed and no longer live needs nothing. Events are
 * processed once (the field deduplicates), so nothing else is kept: state is proportional to
 * elements, not to history. Element records are bounded by `maxElements` (beyond it an
 * operation is refused as `AtomFull`).
 *
 * Pending retirements are bookkeeping, not state: they are left out of the snapshot, bounded
 * separately (`maxElements` of them) and dropped as soon as their operation counts as
 * processed without having arrived here ({@link forget}, {@link prune}): refused, lost, behind
 * the author's window. The field makes a durable operation wait until every operation it
 * observed is processed, so only ephemeral sets ever hold them.
 */
export class ObservedSet implements LawState {
  readonly kind: typeof LawKind.AddWinsSet | typeof LawKind.RemoveWinsSet;
  /** Nothing is dropped for a bound: growth past it is refused (see {@link LawState.dropped}). */
  readonly dropped = 0;
  private readonly records = new Map<string, ElementRecord>();
  /** Retirements waiting for their operation: tag key → element key. */
  private readonly pending = new Map<string, string>();
  private presentCount = 0;

  constructor(
    readonly removeWins: boolean,
    readonly maxElements: number,
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
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
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
    const key = bytesToHex(op.element);
    let record = this.records.get(key);

    // Validate the bound before changing anything.
    let retire: LiveOp[] | undefined;
    let wait: string[] | undefined;
    for (const t of op.observed) {
      if (t.number === stamp.number && t.author === stamp.author) continue;
      const i = record === undefined ? -1 : liveIndex(record.live, t.author, t.number);
      if (i >= 0) (retire ??= []).push((record as ElementRecord).live[i] as LiveOp);
      else if (!context.processed(t.author, t.number)) {
        const k = tagKey(t.author, t.number);
        if (!this.pending.has(k)) (wait ??= []).push(k);
      }
    }
    // Pending retirements are rare (an operation overtaking one it observed): key them lazily.
    const own = this.pending.size > 0 ? tagKey(stamp.author, stamp.number) : undefined;
    const dead = own !== undefined && this.pending.get(own) === key;
    const keep = !dead && (op.op === 'add' || this.removeWins);
    if (record === undefined && keep && this.records.size >= this.maxElements) {
      return RejectionReason.AtomFull;
    }

    if (own !== undefined) this.pending.delete(own);
    if (wait !== undefined) this.addPending(wait, key, context);
    if (record === undefined && !keep) return undefined;
    record ??= this.create(key, op.element);
    if (retire !== undefined) {
      const gone = retire;
      record.live = record.live.filter((x) => !gone.includes(x));
    }
    if (keep)
      record.live.push({ author: stamp.author, number: stamp.number, add: op.op === 'add' });
    return this.settle(key, record, report);
  }

  snapshot(): CanonicalValue {
    const elements = [...this.records.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, r]): CanonicalValue => [
        key,
        r.present,
        [...r.live]
          .sort((a, b) =>
            a.author !== b.author ? (a.author < b.author ? -1 : 1) : a.number - b.number,
          )
          .map((op): CanonicalValue => [nodeIdToHex(op.author), op.number, op.add]),
      ]);
    // Pending retirements are left out: replicas forget them at different moments.
    return { elements };
  }

  /** Pending retirements held (operations observed here before they arrived). */
  get pendingCount(): number {
    return this.pending.size;
  }

  /**
   * Drops the pending retirement of operation (author, number), if any: it was processed
   * here without being applied (refused, evicted, dropped), so it will never arrive.
   */
  forget(author: NodeId, number: number): void {
    if (this.pending.size > 0) this.pending.delete(tagKey(author, number));
  }

  /** Drops every pending retirement whose operation now counts as processed. */
  prune(context: LawContext): void {
    for (const k of this.pending.keys()) {
      const [author, number] = parseTagKey(k);
      if (context.processed(author, number)) this.pending.delete(k);
    }
  }

  isEmpty(): boolean {
    return this.records.size === 0;
  }

  clear(): void {
    this.records.clear();
    this.pending.clear();
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
