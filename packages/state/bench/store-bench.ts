// Event store benchmarks: add(), digest() and missing() on stores of 10 k and 100 k events,
// beside raw baselines measured in the same run: sorting and diffing plain arrays of the same
// ids (what a store without per-author sorted arrays would do for each digest and each answer),
// the same scans over ids kept sorted already (the fair comparison: the store keeps its arrays
// sorted too), and for add() encoding each event and pushing it onto plain arrays.
import { type BenchRow, type CaseResult, measureInterleaved, report } from '@elara/bench-kit';
import {
  type DurableEnvelope,
  encodeEnvelope,
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
/** One page for everything. */
const ALL = Number.MAX_SAFE_INTEGER;

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
  /** The same ids, sorted (outside the timed code). */
  readonly sorted: Float64Array;
  /** The events, in the order they were stored. */
  readonly events: DurableEnvelope[];
}

function limitsFor(n: number) {
  return { maxEvents: n, maxEventsPerAuthor: n, maxBytes: 2 ** 40, maxBytesPerAuthor: 2 ** 40 };
}

/**
 * `n` events over 8 authors in round-robin; `keep(a, seq)` decides which are stored (holes
 * make gaps).
 */
function build(n: number, keep: (a: number, seq: number) => boolean): Shape {
  const store = new EventStore({ limits: limitsFor(n) });
  const ids: number[] = [];
  const events: DurableEnvelope[] = [];
  const per = n / AUTHORS.length;
  for (let seq = 1; seq <= per; seq++) {
    for (let a = 0; a < AUTHORS.length; a++) {
      if (!keep(a, seq)) continue;
      const e = event(AUTHORS[a] as NodeId, seq);
      store.add(e);
      events.push(e);
      ids.push(idOf(a, seq));
    }
  }
  const all = Float64Array.from(ids);
  return { store, ids: all, sorted: all.slice().sort(), events };
}

/** Raw digest: sort the ids, then scan them. */
function rawDigest(ids: Float64Array): number {
  return rawScan(ids.slice().sort());
}

/** Per author of sorted ids, the highest seq and the holes below it. */
function rawScan(sorted: Float64Array): number {
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
  return rawDiff(ours.slice().sort(), theirs.slice().sort());
}

/** The sorted ids of `a` that sorted `b` lacks. */
function rawDiff(a: Float64Array, b: Float64Array): number {
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
    const lacking = full.store.missing(peerDigest, { maxEvents: ALL, maxBytes: ALL });
    if (lacking.events.length !== rawMissing(full.ids, peer.ids)) {
      throw new Error('missing() and the raw diff disagree');
    }
    const cases = [
      {
        name: `add() ${n / 1000} k`,
        run: (k: number) =>
          repeat(k, () => {
            const store = new EventStore({ limits: limitsFor(n) });
            for (const e of full.events) store.add(e);
            return store.size;
          }),
      },
      {
        name: `raw encode+push ${n / 1000} k`,
        run: (k: number) =>
          repeat(k, () => {
            const ids: number[] = [];
            const data: Uint8Array[] = [];
            for (const e of full.events) {
              data.push(encodeEnvelope(e));
              ids.push(e.seq);
            }
            return data.length + ids.length;
          }),
      },
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
            () => full.store.missing(peerDigest, { maxEvents: ALL, maxBytes: ALL }).events.length,
          ),
      },
      {
        name: `raw sort+diff ${n / 1000} k`,
        run: (k: number) => repeat(k, () => rawMissing(full.ids, peer.ids)),
      },
      {
        name: `raw scan sorted ${n / 1000} k`,
        run: (k: number) => repeat(k, () => rawScan(full.sorted)),
      },
      {
        name: `raw scan sorted holey ${n / 1000} k`,
        run: (k: number) => repeat(k, () => rawScan(holey.sorted)),
      },
      {
        name: `raw diff sorted ${n / 1000} k`,
        run: (k: number) => repeat(k, () => rawDiff(full.sorted, peer.sorted)),
      },
    ];
    const r = measureInterleaved(cases, { rounds: 5, sliceMs: 150 });
    const c = (i: number): CaseResult => r[i] as CaseResult;
    const label = `${n / 1000} k events, 8 authors`;
    rows.push(
      {
        name: `add() of ${label} into an empty store (stores/s)`,
        ours: c(0),
        baseline: c(1),
        note: 'the raw baseline encodes and pushes; ours also sorts, bounds and indexes',
      },
      {
        name: `digest(), ${label}, contiguous, vs sort + scan (calls/s)`,
        ours: c(2),
        baseline: c(3),
      },
      {
        name: `digest(), ${label}, contiguous, vs a scan of ids kept sorted (calls/s)`,
        ours: c(2),
        baseline: c(8),
      },
      {
        name: `digest(), ${label}, 10 % holes, vs sort + scan (calls/s)`,
        ours: c(4),
        baseline: c(5),
        note: 'the digest lists at most 255 gaps; the raw scan finds every hole',
      },
      {
        name: `digest(), ${label}, 10 % holes, vs a scan of ids kept sorted (calls/s)`,
        ours: c(4),
        baseline: c(9),
      },
      {
        name: `missing(), ${label}, peer lacks ${lacking.events.length}, vs sort + diff (calls/s)`,
        ours: c(6),
        baseline: c(7),
        note: 'ours returns the stored bytes; the raw diff returns ids only',
      },
      {
        name: `missing(), ${label}, peer lacks ${lacking.events.length}, vs a diff of ids kept sorted (calls/s)`,
        ours: c(6),
        baseline: c(10),
      },
    );
  }
  report(
    'state-store',
    'State event store: add(), digest() and missing() vs plain id arrays, sorted per call or kept sorted',
    rows,
  );
  if (sink === 0.5) console.log(sink);
}

function repeat(k: number, f: () => number): void {
  for (let i = 0; i < k; i++) sink ^= f();
}
