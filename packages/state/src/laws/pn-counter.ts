import { type MutationOp, type NodeId, nodeIdToHex } from '@elara/core';
import { AtomOp } from '../atom-op.ts';
import type { CanonicalValue } from '../canonical-value.ts';
import { compareAscending } from '../compare-ascending.ts';
import { LawKind } from '../delta-law.ts';
import type { EventStamp } from '../event-stamp.ts';
import type { LawDelta } from './law-delta.ts';
import type { LawResult, LawState } from './law-state.ts';

interface Totals {
  p: bigint;
  n: bigint;
}

/**
 * PN-counter: per author, the sum of its positive increments (P) and of its negative ones (N);
 * the value is ΣP − ΣN. Each event is counted once (the field deduplicates), so the value is
 * the sum of every applied increment, in any order. Sums are unbounded integers: no overflow.
 */
export class PnCounter implements LawState {
  readonly kind = LawKind.PnCounter;
  /** Nothing is ever dropped for a bound (see {@link LawState.dropped}). */
  readonly dropped = 0;
  private readonly totals = new Map<NodeId, Totals>();
  private total = 0n;

  /** The counter's value. */
  get value(): bigint {
    return this.total;
  }

  /** One author's contribution (P − N). */
  contribution(author: NodeId): bigint {
    const t = this.totals.get(author);
    return t === undefined ? 0n : t.p - t.n;
  }

  opOf(m: MutationOp): AtomOp | 0 {
    return m.type === 'increment' ? AtomOp.Increment : 0;
  }

  apply(stamp: EventStamp, m: MutationOp, _context: unknown, report: boolean): LawResult {
    if (m.type !== 'increment') return undefined;
    let t = this.totals.get(stamp.author);
    if (t === undefined) {
      t = { p: 0n, n: 0n };
      this.totals.set(stamp.author, t);
    }
    if (m.delta >= 0n) t.p += m.delta;
    else t.n -= m.delta;
    this.total += m.delta;
    return report && m.delta !== 0n ? { law: 'pn-counter', value: this.total } : undefined;
  }

  snapshot(): CanonicalValue {
    const authors = [...this.totals.entries()]
      .sort(([a], [b]) => compareAscending(a, b))
      .map(([a, t]): CanonicalValue => [nodeIdToHex(a), t.p.toString(), t.n.toString()]);
    return { value: this.total.toString(), authors };
  }

  isEmpty(): boolean {
    return this.totals.size === 0;
  }

  clear(): void {
    this.totals.clear();
    this.total = 0n;
  }

  simplify(): boolean {
    return false;
  }

  expire(): LawDelta[] {
    return [];
  }
}
