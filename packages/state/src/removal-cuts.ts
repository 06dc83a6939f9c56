import type { EventId, NodeId } from '@elara/core';
import type { MembershipEntry } from './membership-entry.ts';

/** A membership entry as {@link markCuts} sees it. */
export interface CutEntry {
  readonly id: EventId;
  readonly entry: MembershipEntry;
  /** Set by {@link markCuts}: left out of the membership now. */
  cut: boolean;
}

/** The entries {@link markCuts} reads, indexed. */
export interface CutIndex {
  /** Every entry, per signer. */
  readonly bySigner: ReadonlyMap<NodeId, readonly CutEntry[]>;
  /** Removal entries, per removed member. */
  readonly removalsOf: ReadonlyMap<NodeId, readonly CutEntry[]>;
  /** Removal entries, per signer. */
  readonly removalsBy: ReadonlyMap<NodeId, readonly CutEntry[]>;
}

const OPEN = 0;
const IN = 1;
const OUT = 2;

/**
 * Marks the entries the membership now leaves out: those **concurrent with an effective
 * removal of their signer** (neither in the other's causal past). Such an entry was signed
 * beyond what the remover had seen of the signer; a removed member that leaves its removal out
 * of its later entries' dependencies (to keep adding accomplices) is caught by it.
 *
 * A removal can itself be cut this way (a removed admin's backdated removal of someone else),
 * and removals can cut each other (two owners removing each other concurrently), so which
 * removals take effect is the grounded labelling of "R cuts R′" (R removes the signer of R′,
 * concurrently): a removal no effective removal cuts is in, one an in removal cuts is out, and
 * those left undecided by that (cycles: mutual removals) take effect too (remove wins).
 *
 * A pure function of the entries and their causal order (`concurrent` must be exact, as the
 * field's tracker is for watched events), so every replica marks alike. Cost O(entries ×
 * removals of their signer + cut pairs between removals).
 */
export function markCuts(index: CutIndex, concurrent: (a: EventId, b: EventId) => boolean): void {
  const label = new Map<CutEntry, number>();
  const waiting = new Map<CutEntry, number>();
  const queue: CutEntry[] = [];
  /** The removals `r` cuts: those its member signed concurrently with it. */
  const cutBy = (r: CutEntry): CutEntry[] =>
    (index.removalsBy.get(r.entry.member) ?? []).filter((t) => concurrent(r.id, t.id));
  for (const rs of index.removalsOf.values()) {
    for (const r of rs) {
      label.set(r, OPEN);
      const n = (index.removalsOf.get(r.id.author) ?? []).filter((a) =>
        concurrent(a.id, r.id),
      ).length;
      waiting.set(r, n);
      if (n === 0) queue.push(r);
    }
  }
  while (queue.length > 0) {
    const r = queue.pop() as CutEntry;
    if (label.get(r) !== OPEN) continue;
    label.set(r, IN);
    for (const t of cutBy(r)) {
      if (label.get(t) !== OPEN) continue;
      label.set(t, OUT);
      for (const u of cutBy(t)) {
        if (label.get(u) !== OPEN) continue;
        const n = (waiting.get(u) as number) - 1;
        waiting.set(u, n);
        if (n === 0) queue.push(u);
      }
    }
  }
  for (const [signer, entries] of index.bySigner) {
    const removals = index.removalsOf.get(signer);
    for (const e of entries) {
      if (e.entry.op === 'remove' && e.entry.member !== signer) {
        e.cut = label.get(e) === OUT;
      } else {
        e.cut =
          removals !== undefined &&
          removals.some((r) => label.get(r) !== OUT && concurrent(r.id, e.id));
      }
    }
  }
}
