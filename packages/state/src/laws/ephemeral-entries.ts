import { type MutationOp, type NodeId, nodeIdToHex } from '@elara/core';
import { AtomOp } from '../atom-op.ts';
import { bytesToHex, type CanonicalValue } from '../canonical-value.ts';
import { compareAscending } from '../compare-ascending.ts';
import { LawKind } from '../delta-law.ts';
import type { EphemeralEntry } from '../ephemeral-entry.ts';
import { compareStamps, type EventStamp } from '../event-stamp.ts';
import type { LawDelta } from './law-delta.ts';
import type { LawResult, LawState } from './law-state.ts';

/**
 * Ephemeral state with a TTL: one entry per author (its presence, its typing indicator), last
 * writer wins per author by (τs, number); each entry disappears `ttlUs` after its τs when the
 * field's `expire(now)` runs, so one clock (virtual in tests) drives every TTL. A `delete`
 * leaves a tombstone until the same time, so an older `set` arriving late cannot revive it.
 */
export class EphemeralEntries implements LawState {
  readonly kind = LawKind.Ephemeral;
  /** Nothing is ever dropped for a bound (see {@link LawState.dropped}). */
  readonly dropped = 0;
  private readonly byAuthor = new Map<NodeId, EphemeralEntry>();

  constructor(readonly ttlUs: number) {}

  /** The live entries (tombstones excluded), by author id. */
  entries(): EphemeralEntry[] {
    return [...this.byAuthor.values()]
      .filter((e) => e.data !== undefined)
      .sort((a, b) => compareAscending(a.author, b.author));
  }

  /** One author's live entry. */
  entry(author: NodeId): EphemeralEntry | undefined {
    const e = this.byAuthor.get(author);
    return e?.data === undefined ? undefined : e;
  }

  opOf(m: MutationOp): AtomOp | 0 {
    return m.type === 'set' ? AtomOp.Set : m.type === 'delete' ? AtomOp.Remove : 0;
  }

  apply(stamp: EventStamp, m: MutationOp, _context: unknown, report: boolean): LawResult {
    const old = this.byAuthor.get(stamp.author);
    if (old !== undefined && compareStamps(stamp, old) <= 0) return undefined;
    const entry: EphemeralEntry = {
      author: stamp.author,
      number: stamp.number,
      time: stamp.time,
      expiresAt: stamp.time + this.ttlUs,
      data: m.type === 'set' ? m.data.slice() : undefined,
    };
    this.byAuthor.set(stamp.author, entry);
    if (!report || (old?.data === undefined && entry.data === undefined)) return undefined;
    return { law: 'ephemeral', author: stamp.author, entry: entry.data ? entry : undefined };
  }

  snapshot(): CanonicalValue {
    return [...this.byAuthor.values()]
      .sort((a, b) => compareAscending(a.author, b.author))
      .map((e): CanonicalValue => [
        nodeIdToHex(e.author),
        e.number,
        e.time,
        e.data === undefined ? null : bytesToHex(e.data),
      ]);
  }

  isEmpty(): boolean {
    return this.byAuthor.size === 0;
  }

  clear(): void {
    this.byAuthor.clear();
  }

  simplify(): boolean {
    return false;
  }

  expire(now: number): LawDelta[] {
    const out: LawDelta[] = [];
    for (const [author, e] of this.byAuthor) {
      if (e.expiresAt > now) continue;
      this.byAuthor.delete(author);
      if (e.data !== undefined) out.push({ law: 'ephemeral', author, entry: undefined });
    }
    return out;
  }
}
