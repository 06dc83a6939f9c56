// Event store benchmarks: digest() and missing() on stores of 10 k and 100 k events, beside a
// raw baseline measured in the same run: sorting and diffing plain arrays of the same ids
// (what a store without per-author sorted arrays would do for each digest and each answer).
import { type BenchRow, type CaseResult, measureInterleaved, report } from '@elara/bench-kit';
import {
  type DurableEnvelope,
  EventKind,
  EventType,
  type NodeId,
  nodeId,
  stateIdFromParts,
} from '@elara/core';
import { type Digest, EventStore } from '../src/index.ts';

const AUTHORS = Array.from({ length: 8 }, (_, i) => nodeId(0x1000 + i));
const TARGET = stateIdFromParts(0x0001, 1);
const SIGNATURE = new Uint8Array(64);
let sink = 0;

function event(author: NodeId, seq: number): DurableEnvelope {
  return {
    kind: EventKind.Durable,
    author,
    seq,
    time: 1_800_000_000_000_000 + seq,
    target: TARGET,
    eventType: EventType.TextAppend,
    dependencies: [],
    mutation: { type: 'append', data: Uint8Array.of(seq & 0xff, seq >> 8) },
    signature: SIGNATURE,
  };
}

/** A plain id: author index × 2^32 + seq (exact in a double). */
const idOf = (a: number, seq: number): number => a * 2 ** 32 + seq;

interface Shape {
  readonly store: EventStore;
  /** The same events' ids, in the order they were stored. */
  readonly ids: Float64Array;
}

/**
 * `n` events over 8 authors in round-robin; `keep(a, seq)` decides which are stored (holes
 * make gaps).
 */
function build(n: number, keep: (a: number, seq: number) => boolean): Shape {
  const store = new EventStore({
    limits: { maxEvents: n, maxEventsPerAuthor: n, maxBytes: 2 ** 40, maxBytesPerAuthor: 2 ** 40 },
  });
  const ids: number[] = [];
  const per = n / AUTHORS.length;
  for (let seq = 1; seq <= per; seq++) {
    for (let a = 0; a < AUTHORS.length; a++) {
      if (!keep(a, seq)) continue;
      store.add(event(AUTHORS[a] as NodeId, seq));
      ids.push(idOf(a, seq));
    }
  }
  return { store, ids: Float64Array.from(ids) };
}

/** Raw digest: sort the ids, then per author the highest seq and the holes below it. */
function rawDigest(ids: Float64Array): number {
  const sorted = ids.slice().sort();
  let gaps = 0;
  let heads = 0;
  let author = -1;
  let expected = 1;
  for (let i = 0; i < sorted.length; i++) {
    const id = sorted[i] as number;
    const a = Math.floor(id / 2 ** 32);
    const seq = id - a * 2 ** 32;
    if (a !== author) {
      author = a;
      expected = 1;
      heads++;
    }
    if (seq > expected) gaps++;
    expected = seq + 1;
  }
  return heads * 1_000_000 + gaps;
}

/** Raw missing: sort both sides' ids and diff them (ours not in theirs). */
function rawMissing(ours: Float64Array, theirs: Float64Array): number {
  const a = ours.slice().sort();
  const b = theirs.slice().sort();
  const out: number[] = [];
  let j = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    while (j < b.length && (b[j] as number) < x) j++;
    if (j >= b.length || b[j] !== x) out.push(x);
  }
  return out.length;
}

/** Runs the store benchmarks and writes `bench-results/state-store.json`. */
export function benchEventStore(progress: (what: string) => void = () => {}): void {
  const rows: BenchRow[] = [];
  for (const n of [10_000, 100_000]) {
    progress(`event store, ${n / 1000} k events`);
    const per = n / AUTHORS.length;
    // ours: every event; the peer lags: it lacks the newest 10 % of each author and 200
    // scattered events (within the digest's 255 gaps, so its digest is exact)
    const full = build(n, () => true);
    const holes = new Set<number>();
    for (let k = 0; k < 200; k++) holes.add(idOf(k % 8, 1 + ((k * 7919) % Math.floor(per * 0.9))));
    const peer = build(n, (a, seq) => seq <= per * 0.9 && !holes.has(idOf(a, seq)));
    // a holey store: 10 % of its events missing (more holes than a digest lists)
    const holey = build(n, (a, seq) => (seq * 2654435761 + a) % 10 !== 3 || seq === 1);
    const peerDigest: Digest = peer.store.digest();
    const lacking = full.store.missing(peerDigest, { maxEvents: Infinity, maxBytes: Infinity });
    if (lacking.events.length !== rawMissing(full.ids, peer.ids)) {
      throw new Error('missing() and the raw diff disagree');
    }
    const cases = [
      {
        name: `digest() ${n / 1000} k`,
        run: (k: number) => repeat(k, () => full.store.digest().heads.size),
      },
      {
        name: `raw sort+scan ${n / 1000} k`,
        run: (k: number) => repeat(k, () => rawDigest(full.ids)),
      },
      {
        name: `digest() holey ${n / 1000} k`,
        run: (k: number) => repeat(k, () => holey.store.digest().gaps.length),
      },
      {
        name: `raw sort+scan holey ${n / 1000} k`,
        run: (k: number) => repeat(k, () => rawDigest(holey.ids)),
      },
      {
        name: `missing() ${n / 1000} k`,
        run: (k: number) =>
          repeat(
            k,
            () =>
              full.store.missing(peerDigest, { maxEvents: Infinity, maxBytes: Infinity }).events
                .length,
          ),
      },
      {
        name: `raw sort+diff ${n / 1000} k`,
        run: (k: number) => repeat(k, () => rawMissing(full.ids, peer.ids)),
      },
    ];
    const r = measureInterleaved(cases, { rounds: 5, sliceMs: 150 });
    const label = `${n / 1000} k events, 8 authors`;
    rows.push(
      {
        name: `digest(), ${label}, contiguous (calls/s)`,
        ours: r[0] as CaseResult,
        baseline: r[1] as CaseResult,
      },
      {
        name: `digest(), ${label}, 10 % holes (calls/s)`,
        ours: r[2] as CaseResult,
        baseline: r[3] as CaseResult,
        note: 'the digest lists at most 255 gaps; the raw scan finds every hole',
      },
      {
        name: `missing(), ${label}, peer lacks ${lacking.events.length} (calls/s)`,
        ours: r[4] as CaseResult,
        baseline: r[5] as CaseResult,
        note: 'ours returns the stored bytes; the raw diff returns ids only',
      },
    );
  }
  report(
    'state-store',
    'State event store: digest() and missing() vs sorting and diffing plain id arrays (calls/s)',
    rows,
  );
  if (sink === 0.5) console.log(sink);
}

function repeat(k: number, f: () => number): void {
  for (let i = 0; i < k; i++) sink ^= f();
}
