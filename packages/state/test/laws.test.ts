import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { propertyRuns } from '@elara/test-env';
import { EventKind, type MutationOp, type NodeId } from '@elara/core';
import {
  AppendLog,
  AtomOp,
  DeltaLaw,
  EphemeralEntries,
  type EventStamp,
  FrameValues,
  type LawContext,
  LwwRegister,
  ObservedSet,
  PnCounter,
  createLawState,
  setOpFor,
  setOpMutation,
} from '../src/index.ts';
import { bytes, node } from './helpers.ts';

const stamp = (author: NodeId, number: number, time: number, weight = 1): EventStamp => ({
  author,
  number,
  time,
  kind: EventKind.Durable,
  weight,
});
const none: LawContext = { processed: () => false, settledBelow: () => false };
const set = (...xs: number[]): MutationOp => ({ type: 'set', data: bytes(...xs) });
const append = (...xs: number[]): MutationOp => ({ type: 'append', data: bytes(...xs) });

/** Applies every (stamp, op) of `events` in the given order to a fresh state of `law`. */
function replay(
  law: DeltaLaw,
  events: readonly (readonly [EventStamp, MutationOp])[],
  order: readonly number[],
): string {
  const state = createLawState(law);
  const done = new Set<string>();
  const context: LawContext = {
    processed: (a, n) => done.has(`${a}:${n}`),
    settledBelow: () => false,
  };
  for (const i of order) {
    const [s, m] = events[i] as readonly [EventStamp, MutationOp];
    state.apply(s, m, context, true);
    done.add(`${s.author}:${s.number}`);
  }
  return JSON.stringify(state.snapshot());
}

const authorArb = fc.integer({ min: 1, max: 4 }).map(node);

describe('last-writer-wins register', () => {
  it('keeps the greatest stamp; ties on time break by author then number', () => {
    const r = new LwwRegister();
    expect(r.apply(stamp(node(2), 1, 100), set(1), none, true)).toEqual({
      law: 'lww',
      value: bytes(1),
    });
    expect(r.apply(stamp(node(1), 5, 100), set(2), none, true)).toBeUndefined();
    expect(r.value).toEqual(bytes(1));
    r.apply(stamp(node(3), 1, 100), set(3), none, true);
    expect(r.value).toEqual(bytes(3));
    r.apply(stamp(node(3), 2, 100), { type: 'delete' }, none, true);
    expect(r.value).toBeUndefined();
    expect(r.apply(stamp(node(1), 9, 99), set(4), none, true)).toBeUndefined();
    expect(r.value).toBeUndefined();
  });

  it('copies the value it keeps', () => {
    const r = new LwwRegister();
    const data = bytes(1, 2);
    r.apply(stamp(node(1), 1, 1), { type: 'set', data }, none, false);
    data[0] = 9;
    expect(r.value).toEqual(bytes(1, 2));
  });

  it('takes set and delete only', () => {
    const r = new LwwRegister();
    expect(r.opOf(set(1))).toBe(AtomOp.Set);
    expect(r.opOf({ type: 'delete' })).toBe(AtomOp.Remove);
    expect(r.opOf(append(1))).toBe(0);
    expect(r.opOf({ type: 'increment', delta: 1n })).toBe(0);
  });
});

describe('append log', () => {
  it('sorts by stamp whatever the arrival order and ignores a repeated event', () => {
    const log = new AppendLog(100, 1 << 20);
    log.apply(stamp(node(1), 2, 20), append(2), none, false);
    log.apply(stamp(node(1), 1, 10), append(1), none, false);
    log.apply(stamp(node(2), 1, 20), append(3), none, false);
    log.apply(stamp(node(1), 2, 20), append(2), none, false);
    expect([...log.entries()].map((e) => e.data[0])).toEqual([1, 2, 3]);
    expect(log.length).toBe(3);
  });

  it('reports where an entry went and what the bound dropped', () => {
    const log = new AppendLog(2, 1 << 20);
    expect(log.apply(stamp(node(1), 1, 10), append(1), none, true)).toMatchObject({
      index: 0,
      dropped: 0,
    });
    log.apply(stamp(node(1), 2, 20), append(2), none, true);
    expect(log.apply(stamp(node(1), 3, 30), append(3), none, true)).toMatchObject({
      index: 1,
      dropped: 1,
    });
    // Older than everything kept (and than what was dropped): dropped at once.
    expect(log.apply(stamp(node(2), 1, 5), append(9), none, true)).toMatchObject({
      index: -1,
    });
    expect([...log.entries()].map((e) => e.data[0])).toEqual([2, 3]);
  });

  it('a consumer mirrors the log from its deltas, arrivals dropped by the bound included', () => {
    const key = (e: { author: NodeId; number: number }) => `${e.author}:${e.number}`;
    const check = (log: AppendLog, arrivals: readonly [EventStamp, number][]) => {
      const mirror: string[] = [];
      for (const [st, size] of arrivals) {
        const d = log.apply(st, { type: 'append', data: new Uint8Array(size) }, none, true);
        if (d === undefined) continue;
        if (typeof d === 'string' || d.law !== 'append-log') throw new Error(JSON.stringify(d));
        mirror.splice(0, d.dropped);
        if (d.index >= 0) mirror.splice(d.index, 0, key(d.entry));
        expect(mirror).toEqual([...log.entries()].map(key));
      }
    };
    // the reviewer's case: a large arrival sorts second, then the byte bound drops the oldest
    // entry and the arrival itself
    const a = (n: number, t: number): [EventStamp, number] => [stamp(node(1), n, t), 10];
    check(new AppendLog(10, 30), [a(1, 10), a(2, 30), a(3, 40), [stamp(node(2), 1, 20), 15]]);
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 40 }),
        fc.array(fc.tuple(authorArb, fc.integer({ min: 0, max: 30 }), fc.nat(16)), {
          maxLength: 40,
        }),
        (maxEntries, maxBytes, steps) => {
          const numbers = new Map<NodeId, number>();
          const arrivals = steps.map(([author, time, size]): [EventStamp, number] => {
            const number = (numbers.get(author) ?? 0) + 1;
            numbers.set(author, number);
            return [stamp(author, number, time), Math.min(size, maxBytes)];
          });
          check(new AppendLog(maxEntries, maxBytes), arrivals);
        },
      ),
      { numRuns: propertyRuns(300, 5_000) },
    );
  });

  it('keeps the newest entries within the byte bound', () => {
    const log = new AppendLog(100, 5);
    log.apply(stamp(node(1), 1, 1), append(1, 1, 1), none, false);
    log.apply(stamp(node(1), 2, 2), append(2, 2), none, false);
    log.apply(stamp(node(1), 3, 3), append(3, 3), none, false);
    expect([...log.entries()].map((e) => e.data[0])).toEqual([2, 3]);
    expect(log.bytes).toBe(4);
  });

  it('stays correct across growth and compaction with data views kept', () => {
    const log = new AppendLog(500, 1 << 20);
    const seen: [number, Uint8Array][] = [];
    for (let i = 1; i <= 3000; i++) {
      // mostly in order, every seventh one late
      const t = i % 7 === 0 ? i - 50 : i;
      const d = log.apply(stamp(node(1 + (i % 3)), i, t), append(i & 0xff, i >> 8), none, true);
      if (d !== undefined && typeof d !== 'string' && d.law === 'append-log' && d.index >= 0) {
        seen.push([i, d.entry.data]);
      }
    }
    const entries = [...log.entries()];
    expect(entries).toHaveLength(500);
    for (let i = 1; i < entries.length; i++) {
      const a = entries[i - 1];
      const b = entries[i];
      expect(a !== undefined && b !== undefined && a.time <= b.time).toBe(true);
    }
    const decode = (d: Uint8Array): number => (d[0] ?? -1) | ((d[1] ?? 0) << 8);
    for (const e of entries) expect(decode(e.data)).toBe(e.number);
    // Views handed out earlier (before slab growth and compaction) still read their own bytes.
    expect(seen.length).toBeGreaterThan(2000);
    for (const [i, d] of seen) expect(decode(d)).toBe(i);
  });
});

describe('observed-remove sets', () => {
  const el = bytes(7);
  it('add-wins: a concurrent add and remove leave the element present', () => {
    const s = new ObservedSet(false, 100);
    s.apply(stamp(node(1), 1, 1), append(7), none, false);
    const observed = setOpFor(s, 'remove', el);
    s.apply(stamp(node(2), 1, 2), setOpMutation(observed), none, false);
    expect(s.has(el)).toBe(false);
    // a concurrent add (did not observe node 2's remove) — here from node 3
    const t = new ObservedSet(false, 100);
    t.apply(stamp(node(1), 1, 1), append(7), none, false);
    t.apply(stamp(node(3), 1, 3), append(7), none, false);
    t.apply(stamp(node(2), 1, 2), setOpMutation(observed), none, false);
    expect(t.has(el)).toBe(true);
  });

  it('remove-wins: a concurrent add and remove leave the element absent', () => {
    const s = new ObservedSet(true, 100);
    s.apply(stamp(node(1), 1, 1), append(7), none, false);
    const remove = setOpMutation(setOpFor(s, 'remove', el));
    s.apply(stamp(node(3), 1, 3), append(7), none, false);
    s.apply(stamp(node(2), 1, 2), remove, none, false);
    expect(s.has(el)).toBe(false);
    // an add that observed the remove brings it back
    s.apply(stamp(node(1), 2, 4), setOpMutation(setOpFor(s, 'add', el)), none, false);
    expect(s.has(el)).toBe(true);
  });

  it('a remove that overtakes the add it observed retires it on arrival', () => {
    const s = new ObservedSet(false, 100);
    const remove = setOpMutation({
      op: 'remove',
      element: el,
      observed: [{ author: node(1), number: 1 }],
    });
    // node 2's earlier ops are settled here; node 1's add is not processed yet
    const context: LawContext = { processed: () => false, settledBelow: () => true };
    s.apply(stamp(node(2), 1, 2), remove, context, false);
    expect(s.pendingCount).toBe(1);
    s.apply(stamp(node(1), 1, 1), append(7), context, false);
    expect(s.has(el)).toBe(false);
    expect(s.isEmpty()).toBe(true);
    expect(s.pendingCount).toBe(0);
  });

  it("refuses an op naming its own author's op at its own number or later", () => {
    const s = new ObservedSet(true, 100);
    const naming = (number: number) =>
      setOpMutation({ op: 'add', element: el, observed: [{ author: node(1), number }] });
    expect(s.apply(stamp(node(1), 5, 1), naming(5), none, false)).toBe('MalformedPayload');
    expect(s.apply(stamp(node(1), 5, 1), naming(6), none, false)).toBe('MalformedPayload');
    expect(s.pendingCount).toBe(0);
    expect(s.isEmpty()).toBe(true);
    expect(s.apply(stamp(node(1), 5, 1), naming(4), none, false)).toBeUndefined();
    expect(s.has(el)).toBe(true);
  });

  it('an author observes its own earlier ops: repeated appends keep one live op', () => {
    const settled: LawContext = { processed: () => true, settledBelow: () => true };
    for (const removeWins of [false, true]) {
      const s = new ObservedSet(removeWins, 10);
      for (let i = 1; i <= 5_000; i++) s.apply(stamp(node(1), i, i), append(7), settled, false);
      expect(s.liveCount(el)).toBe(1);
      expect(s.observedTags(el)).toEqual([{ author: node(1), number: 5_000 }]);
      // a remove of the same author supersedes its add without naming it
      s.apply(
        stamp(node(1), 5_001, 5_001),
        setOpMutation({ op: 'remove', element: el, observed: [] }),
        settled,
        false,
      );
      expect(s.has(el)).toBe(false);
      expect(s.liveCount(el)).toBe(removeWins ? 1 : 0);
      expect(s.pendingCount).toBe(0);
    }
  });

  it("an author's late op is dead on arrival, even once its newer op was retired", () => {
    // (1,3) and (1,5) both add; node 2 removes having seen (1,5). Every order ends empty.
    const a3 = [stamp(node(1), 3, 3), append(7)] as const;
    const a5 = [stamp(node(1), 5, 5), append(7)] as const;
    const r = [
      stamp(node(2), 1, 6),
      setOpMutation({ op: 'remove', element: el, observed: [{ author: node(1), number: 5 }] }),
    ] as const;
    const events = [a3, a5, r];
    const orders = [
      [0, 1, 2],
      [1, 2, 0],
      [2, 1, 0],
      [1, 0, 2],
      [2, 0, 1],
    ];
    for (const order of orders) {
      expect(replay(DeltaLaw.addWinsSet(), events, order)).toBe('{"elements":[]}');
    }
  });

  it('bounds live ops per element by maxWriters, refusing the op that would pass it', () => {
    const s = new ObservedSet(false, 10, 2);
    expect(s.apply(stamp(node(1), 1, 1), append(7), none, false)).toBeUndefined();
    expect(s.apply(stamp(node(2), 1, 2), append(7), none, false)).toBeUndefined();
    const before = JSON.stringify(s.snapshot());
    expect(s.apply(stamp(node(3), 1, 3), append(7), none, false)).toBe('AtomFull');
    expect(JSON.stringify(s.snapshot())).toBe(before);
    // an op that observed the live ones replaces them, so it fits
    const op = setOpMutation(setOpFor(s, 'add', el));
    expect(s.apply(stamp(node(3), 2, 4), op, none, false)).toBeUndefined();
    expect(s.liveCount(el)).toBe(1);
    // and one author's next op replaces its own
    expect(s.apply(stamp(node(1), 2, 5), append(7), none, false)).toBeUndefined();
    expect(s.liveCount(el)).toBe(2);
  });

  it('refuses bad payloads and growth past its bound, changing nothing', () => {
    const s = new ObservedSet(false, 1);
    expect(s.apply(stamp(node(1), 1, 1), { type: 'merge', data: bytes(9) }, none, false)).toBe(
      'MalformedPayload',
    );
    s.apply(stamp(node(1), 2, 1), append(1), none, false);
    const before = JSON.stringify(s.snapshot());
    expect(s.apply(stamp(node(1), 3, 1), append(2), none, false)).toBe('AtomFull');
    expect(JSON.stringify(s.snapshot())).toBe(before);
  });
});

describe('PN-counter, ephemeral entries, frames', () => {
  it('sums positive and negative increments per author', () => {
    const c = new PnCounter();
    c.apply(stamp(node(1), 1, 1), { type: 'increment', delta: 5n }, none, false);
    c.apply(stamp(node(2), 1, 1), { type: 'increment', delta: -7n }, none, false);
    c.apply(stamp(node(1), 2, 1), { type: 'increment', delta: 2n ** 63n - 1n }, none, false);
    expect(c.value).toBe(2n ** 63n - 3n);
    expect(c.contribution(node(2))).toBe(-7n);
  });

  it('ephemeral entries expire at time + TTL and a delete stays until then', () => {
    const e = new EphemeralEntries(1000);
    e.apply(stamp(node(1), 0, 100), set(1), none, false);
    e.apply(stamp(node(2), 0, 500), set(2), none, false);
    e.apply(stamp(node(2), 1, 600), { type: 'delete' }, none, false);
    e.apply(stamp(node(2), 0, 550), set(3), none, false); // older: stays deleted
    expect(e.entries().map((x) => x.data?.[0])).toEqual([1]);
    expect(e.expire(1099)).toEqual([]);
    expect(e.expire(1100)).toEqual([{ law: 'ephemeral', author: node(1), entry: undefined }]);
    expect(e.isEmpty()).toBe(false); // node 2's tombstone until 1600
    e.expire(1600);
    expect(e.isEmpty()).toBe(true);
  });

  it('frames: last writer per frame, newest frames kept, blend weight kept', () => {
    const f = new FrameValues(10_000, 2);
    f.apply(stamp(node(1), 0, 10_000), set(1), none, false);
    f.apply(
      stamp(node(2), 0, 15_000),
      { type: 'blend', value: bytes(2), weight: 0.5 },
      none,
      false,
    );
    f.apply(stamp(node(1), 1, 20_000), set(3), none, false);
    expect(f.held().map(([i, v]) => [i, v.data[0], v.weight])).toEqual([
      [1, 2, 0.5],
      [2, 3, 1],
    ]);
    expect(f.apply(stamp(node(1), 2, 0), set(4), none, false)).toBe('TooLate');
    // the frame pushed out is reported with the one that took its place
    expect(f.apply(stamp(node(1), 3, 30_000), set(5), none, true)).toMatchObject({
      frame: 3,
      droppedFrame: 1,
    });
    expect(f.held().map(([i]) => i)).toEqual([2, 3]);
    expect(f.apply(stamp(node(2), 4, 30_001), set(6), none, true)).toMatchObject({
      frame: 3,
      droppedFrame: undefined,
    });
    expect(f.simplify()).toBe(true);
    expect(f.held().map(([i]) => i)).toEqual([3]);
  });
});

describe('every law is order-independent (a CRDT)', () => {
  const opsFor = (kind: string): fc.Arbitrary<MutationOp> => {
    const small = fc.integer({ min: 0, max: 3 });
    switch (kind) {
      case 'lww':
      case 'ephemeral':
        return fc.oneof(
          small.map((x) => set(x)),
          fc.constant<MutationOp>({ type: 'delete' }),
        );
      case 'append-log':
        return small.map((x) => append(x));
      case 'pn-counter':
        return fc.bigInt({ min: -5n, max: 5n }).map((delta) => ({ type: 'increment', delta }));
      default:
        return small.map((x) => set(x));
    }
  };
  const laws: [string, DeltaLaw][] = [
    ['lww', DeltaLaw.lww()],
    ['append-log', DeltaLaw.appendLog(6, 1 << 20)],
    ['pn-counter', DeltaLaw.pnCounter()],
    ['ephemeral', DeltaLaw.ephemeral(1_000_000)],
    ['frames', DeltaLaw.frames(10, 3)],
  ];
  for (const [name, law] of laws) {
    it(name, () => {
      const events = fc
        .array(fc.tuple(authorArb, fc.integer({ min: 0, max: 60 }), opsFor(name)), {
          minLength: 1,
          maxLength: 25,
        })
        .map((xs) =>
          xs.map(
            ([a, t, m], i) =>
              [stamp(a, i + 1, t), m] as const satisfies readonly [EventStamp, MutationOp],
          ),
        );
      fc.assert(
        fc.property(
          events.chain((es) =>
            fc.tuple(
              fc.constant(es),
              fc.shuffledSubarray([...es.keys()], { minLength: es.length }),
            ),
          ),
          ([es, order]) => {
            const inOrder = replay(law, es, [...es.keys()]);
            expect(replay(law, es, order)).toBe(inOrder);
          },
        ),
        { numRuns: propertyRuns(300, 5_000) },
      );
    });
  }

  for (const removeWins of [false, true]) {
    it(removeWins ? 'remove-wins set' : 'add-wins set', () => {
      // Ops are generated against a sequential "author view": each op observes what a replica
      // that had applied a random prefix would see, as real senders do.
      const script = fc.array(
        fc.tuple(authorArb, fc.integer({ min: 0, max: 2 }), fc.boolean(), fc.nat()),
        { minLength: 1, maxLength: 20 },
      );
      fc.assert(
        fc.property(script, fc.nat(), (steps, seed) => {
          const events: [EventStamp, MutationOp][] = [];
          for (const [i, [author, element, add, prefixSeed]] of steps.entries()) {
            const prefix = events.length === 0 ? 0 : prefixSeed % (events.length + 1);
            const view = new ObservedSet(removeWins, 1000);
            for (const [s, m] of events.slice(0, prefix)) view.apply(s, m, none, false);
            const op = setOpFor(view, add ? 'add' : 'remove', bytes(element));
            events.push([stamp(author, i + 1, i), setOpMutation(op)]);
          }
          const order = [...events.keys()];
          let s = seed;
          for (let i = order.length - 1; i > 0; i--) {
            s = (s * 1103515245 + 12345) >>> 0;
            const j = s % (i + 1);
            [order[i], order[j]] = [order[j] as number, order[i] as number];
          }
          const law = removeWins ? DeltaLaw.removeWinsSet(1000) : DeltaLaw.addWinsSet(1000);
          expect(replay(law, events, order)).toBe(replay(law, events, [...events.keys()]));
        }),
        { numRuns: propertyRuns(300, 5_000) },
      );
    });

    it(`${removeWins ? 'remove' : 'add'}-wins set: pending retirements pruned as soon as settled`, () => {
      // Ephemeral numbering (each author's counters from 0) and an exact context: what is
      // processed, and whether every lower counter of an author is; pruned after each event.
      const script = fc.array(
        fc.tuple(authorArb, fc.integer({ min: 0, max: 1 }), fc.boolean(), fc.nat()),
        { minLength: 1, maxLength: 24 },
      );
      fc.assert(
        fc.property(script, fc.array(fc.nat()), (steps, swaps) => {
          const events: [EventStamp, MutationOp][] = [];
          const counters = new Map<NodeId, number>();
          for (const [i, [author, element, add, prefixSeed]] of steps.entries()) {
            const prefix = events.length === 0 ? 0 : prefixSeed % (events.length + 1);
            const view = new ObservedSet(removeWins, 1000);
            for (const [st, m] of events.slice(0, prefix)) view.apply(st, m, none, false);
            const op = setOpFor(view, add ? 'add' : 'remove', bytes(element));
            // an op only names ops of its own author that come before it
            const counter = counters.get(author) ?? 0;
            counters.set(author, counter + 1);
            const observed = op.observed.filter((t) => t.author !== author || t.number < counter);
            events.push([
              { ...stamp(author, counter, i), kind: EventKind.Ephemeral },
              setOpMutation({ ...op, observed }),
            ]);
          }
          const run = (order: readonly number[]): string => {
            const set = new ObservedSet(removeWins, 1000);
            const done = new Set<string>();
            const context: LawContext = {
              processed: (a, n) => done.has(`${a}:${n}`),
              settledBelow: (a, n) => {
                for (let m = 0; m < n; m++) if (!done.has(`${a}:${m}`)) return false;
                return true;
              },
            };
            for (const i of order) {
              const [st, m] = events[i] as [EventStamp, MutationOp];
              set.apply(st, m, context, false);
              done.add(`${st.author}:${st.number}`);
              set.prune(context);
            }
            expect(set.pendingCount).toBe(0); // everything arrived: nothing left to wait for
            return JSON.stringify(set.snapshot());
          };
          const order = [...events.keys()];
          for (const [k, x] of swaps.entries()) {
            const i = k % order.length;
            const j = x % order.length;
            [order[i], order[j]] = [order[j] as number, order[i] as number];
          }
          expect(run(order)).toBe(run([...events.keys()]));
        }),
        { numRuns: propertyRuns(300, 5_000) },
      );
    });
  }
});
