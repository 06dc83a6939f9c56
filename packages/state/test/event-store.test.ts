import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { propertyRuns } from '@elara/test-env';
import {
  decodeControlMessage,
  decodeEnvelope,
  type DurableEnvelope,
  encodeControlMessage,
  encodeEnvelope,
  MAX_EVENT_SEQ,
  type NodeId,
  OutOfRangeError,
  type RepairRequestMessage,
  StateType,
} from '@elara/core';
import {
  AckTable,
  checkDigest,
  DeltaLaw,
  type Digest,
  digestAcknowledgements,
  digestContiguous,
  digestFromRepairRequest,
  digestToRepairRequest,
  EventStore,
  MalformedDigestError,
  STORE_EVENT_OVERHEAD,
  type StoreEviction,
} from '../src/index.ts';
import { atomId, bytes, makeField, node, Writer } from './helpers.ts';

const AUTHORS = [node(1), node(2), node(3)];
const LOG = atomId(1);

/** Every author's events 1..n (payload `size` bytes). */
function chains(n: number, size = 1): Map<NodeId, DurableEnvelope[]> {
  const out = new Map<NodeId, DurableEnvelope[]>();
  for (const a of AUTHORS) {
    const w = new Writer(a);
    out.set(
      a,
      Array.from({ length: n }, (_, i) =>
        w.durable(LOG, { type: 'append', data: new Uint8Array(size).fill(i & 0xff) }),
      ),
    );
  }
  return out;
}

const key = (author: NodeId, seq: number): string => `${author}:${seq}`;

/** The (author, seq) pairs a digest claims to hold, up to `limit` per author. */
function claimed(d: Digest): Set<string> {
  const out = new Set<string>();
  for (const [author, head] of d.heads) {
    const holes = d.gaps.filter((g) => g.author === author);
    for (let s = 1; s <= head; s++) {
      if (!holes.some((g) => g.from <= s && s <= g.to)) out.add(key(author, s));
    }
  }
  return out;
}

function held(store: EventStore): Set<string> {
  const out = new Set<string>();
  for (const a of AUTHORS) for (const s of store.seqsOf(a)) out.add(key(a, s));
  return out;
}

const ids = (events: Uint8Array[]): string[] =>
  events.map((b) => {
    const e = decodeEnvelope(b) as DurableEnvelope;
    return key(e.author, e.seq);
  });

/** A random subset of every chain: `pick(author, seq)` decides. */
function storeOf(all: Map<NodeId, DurableEnvelope[]>, pick: (i: number) => boolean): EventStore {
  const store = new EventStore();
  let i = 0;
  for (const events of all.values()) for (const e of events) if (pick(i++)) store.add(e);
  return store;
}

describe('event store: adding', () => {
  it('stores durable events once, never ephemeral ones', () => {
    const store = new EventStore();
    const w = new Writer(AUTHORS[0] as NodeId);
    const e = w.durable(LOG, { type: 'append', data: bytes(1) });
    expect(store.add(e)).toBe('stored');
    expect(store.add(e)).toBe('duplicate');
    expect(store.add(w.ephemeral(atomId(7), { type: 'set', data: bytes(1) }))).toBe('ephemeral');
    expect(store.size).toBe(1);
    expect(store.bytes).toBe(encodeEnvelope(e).length + STORE_EVENT_OVERHEAD);
    expect(store.get(e.author, 1)).toEqual(encodeEnvelope(e));
    expect(store.has(e.author, 2)).toBe(false);
    expect(store.counters()).toMatchObject({ stored: 1, duplicates: 1, ephemeral: 1 });
  });

  it('refuses an event larger than a share, and authors beyond maxAuthors', () => {
    const all = chains(1, 600);
    const store = new EventStore({ limits: { maxBytesPerAuthor: 512, maxAuthors: 2 } });
    expect(store.add(all.get(AUTHORS[0] as NodeId)?.[0] as DurableEnvelope)).toBe('oversized');
    const small = chains(1);
    expect(store.add(small.get(AUTHORS[0] as NodeId)?.[0] as DurableEnvelope)).toBe('stored');
    expect(store.add(small.get(AUTHORS[1] as NodeId)?.[0] as DurableEnvelope)).toBe('stored');
    expect(store.add(small.get(AUTHORS[2] as NodeId)?.[0] as DurableEnvelope)).toBe(
      'too-many-authors',
    );
    expect(store.counters()).toMatchObject({ oversized: 1, tooManyAuthors: 1 });
  });
});

describe('event store: digests', () => {
  it('describe exactly what is held, for any set of events', () => {
    const all = chains(300);
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 900, maxLength: 900 }), (picks) => {
        const store = storeOf(all, (i) => picks[i] === true);
        const d = store.digest({ maxGaps: 10_000 });
        expect(claimed(d)).toEqual(held(store));
        expect(d.gaps.every((g) => g.to - g.from < 1024)).toBe(true);
      }),
      { numRuns: propertyRuns(60, 600) },
    );
  });

  it('within the gap budget claim only what is held, its contiguous prefix at least', () => {
    const all = chains(3000);
    fc.assert(
      fc.property(
        fc.array(fc.boolean(), { minLength: 9000, maxLength: 9000 }),
        fc.integer({ min: 0, max: 40 }),
        (picks, maxGaps) => {
          const store = storeOf(all, (i) => i % 3000 < 5 || picks[i] === true);
          const d = store.digest({ maxGaps });
          expect(d.gaps.length).toBeLessThanOrEqual(maxGaps);
          const has = held(store);
          for (const k of claimed(d)) expect(has.has(k)).toBe(true);
          for (const a of AUTHORS) expect(digestContiguous(d, a)).toBeGreaterThanOrEqual(5);
        },
      ),
      { numRuns: propertyRuns(30, 300) },
    );
  });

  it('split holes longer than 1 024 events into several gaps', () => {
    const all = chains(5000);
    const a = AUTHORS[0] as NodeId;
    const store = new EventStore();
    const chain = all.get(a) as DurableEnvelope[];
    store.add(chain[0] as DurableEnvelope);
    store.add(chain[4999] as DurableEnvelope);
    const d = store.digest();
    expect(d.heads.get(a)).toBe(5000);
    expect(d.gaps.map((g) => [g.from, g.to])).toEqual([
      [2, 1025],
      [1026, 2049],
      [2050, 3073],
      [3074, 4097],
      [4098, 4999],
    ]);
  });

  it('travel as a v1 repair request and come back equal', () => {
    const all = chains(200);
    const store = storeOf(all, (i) => i % 7 !== 3);
    const d = store.digest();
    const bytesOnWire = encodeControlMessage(digestToRepairRequest(42, d));
    const back = decodeControlMessage(bytesOnWire) as RepairRequestMessage;
    expect(back.requestId).toBe(42);
    const d2 = digestFromRepairRequest(back);
    expect([...d2.heads].sort()).toEqual([...d.heads].sort());
    expect(d2.gaps).toEqual(d.gaps);
    expect(claimed(d2)).toEqual(held(store));
  });

  it('give acknowledgements: each author up to its first hole', () => {
    const d: Digest = {
      heads: new Map([
        [AUTHORS[0] as NodeId, 10],
        [AUTHORS[1] as NodeId, 10],
        [AUTHORS[2] as NodeId, 10],
      ]),
      gaps: [
        { author: AUTHORS[0] as NodeId, from: 4, to: 5 },
        { author: AUTHORS[0] as NodeId, from: 8, to: 8 },
        { author: AUTHORS[1] as NodeId, from: 1, to: 2 },
      ],
    };
    expect([...digestAcknowledgements(d)]).toEqual([
      [AUTHORS[0], 3],
      [AUTHORS[2], 10],
    ]);
    expect(digestContiguous(d, AUTHORS[1] as NodeId)).toBe(0);
  });
});

describe('event store: missing', () => {
  it('returns exactly the events the other side lacks, in pages that add up', () => {
    const all = chains(120);
    fc.assert(
      fc.property(
        fc.array(fc.boolean(), { minLength: 360, maxLength: 360 }),
        fc.array(fc.boolean(), { minLength: 360, maxLength: 360 }),
        fc.integer({ min: 1, max: 50 }),
        (mine, theirs, page) => {
          const ours = storeOf(all, (i) => mine[i] === true);
          const peer = storeOf(all, (i) => theirs[i] === true);
          const d = peer.digest();
          const lacking = [...held(ours)].filter((k) => !held(peer).has(k)).sort();
          expect(ids(ours.missing(d, { maxEvents: 10_000 }).events).sort()).toEqual(lacking);
          const pages: string[] = [];
          let next: ReadonlyMap<NodeId, number> | undefined;
          let rounds = 0;
          do {
            const p = ours.missing(d, { maxEvents: page, ...(next ? { after: next } : {}) });
            expect(p.events.length).toBeLessThanOrEqual(page);
            pages.push(...ids(p.events));
            next = p.next;
            rounds++;
          } while (next !== undefined && rounds < 1000);
          expect(pages.sort()).toEqual(lacking);
        },
      ),
      { numRuns: propertyRuns(60, 600) },
    );
  });

  it("keeps each author's seq order and the storing order between authors", () => {
    const all = chains(5);
    const store = new EventStore();
    const [a, b] = [all.get(AUTHORS[0] as NodeId), all.get(AUTHORS[1] as NodeId)] as [
      DurableEnvelope[],
      DurableEnvelope[],
    ];
    for (let i = 0; i < 5; i++) {
      store.add(b[i] as DurableEnvelope);
      store.add(a[i] as DurableEnvelope);
    }
    const empty: Digest = { heads: new Map(), gaps: [] };
    const order = ids(store.missing(empty).events);
    expect(order).toEqual(
      Array.from({ length: 5 }, (_, i) => [
        key(AUTHORS[1] as NodeId, i + 1),
        key(AUTHORS[0] as NodeId, i + 1),
      ]).flat(),
    );
  });

  it('bounds a page by bytes (always at least one event)', () => {
    const all = chains(20, 100);
    const store = storeOf(all, () => true);
    const size = store.get(AUTHORS[0] as NodeId, 1)?.length as number;
    const empty: Digest = { heads: new Map(), gaps: [] };
    expect(store.missing(empty, { maxBytes: 5 * size }).events).toHaveLength(5);
    expect(store.missing(empty, { maxBytes: 1 }).events).toHaveLength(1);
  });

  it('refuses malformed digests with MalformedDigestError', () => {
    const store = storeOf(chains(3), () => true);
    const a = AUTHORS[0] as NodeId;
    const bad: unknown[] = [
      null,
      42,
      { heads: {}, gaps: [] },
      { heads: new Map(), gaps: 'x' },
      { heads: new Map([[1, 1]]), gaps: [] },
      { heads: new Map([[-1n, 1]]), gaps: [] },
      { heads: new Map([[2n ** 64n, 1]]), gaps: [] },
      { heads: new Map([[a, -1]]), gaps: [] },
      { heads: new Map([[a, 1.5]]), gaps: [] },
      { heads: new Map([[a, MAX_EVENT_SEQ + 1]]), gaps: [] },
      { heads: new Map([[a, 9]]), gaps: [null] },
      { heads: new Map([[a, 9]]), gaps: [{ author: a, from: 0, to: 2 }] },
      { heads: new Map([[a, 9]]), gaps: [{ author: a, from: 5, to: 4 }] },
      { heads: new Map([[a, 9]]), gaps: [{ author: 5, from: 1, to: 2 }] },
      { heads: new Map([[a, 2000]]), gaps: [{ author: a, from: 1, to: 1025 }] },
      {
        heads: new Map([[a, 9]]),
        gaps: Array.from({ length: 256 }, () => ({ author: a, from: 1, to: 1 })),
      },
    ];
    for (const d of bad) {
      expect(() => store.missing(d as Digest)).toThrow(MalformedDigestError);
    }
    const three = new Map(AUTHORS.map((x) => [x, 1] as const));
    expect(() => store.missing({ heads: three, gaps: [] }, { limits: { maxAuthors: 2 } })).toThrow(
      MalformedDigestError,
    );
    expect(() => checkDigest({ heads: three, gaps: [] })).not.toThrow();
    // a counter beyond any seq in a decoded repair request
    expect(() =>
      digestFromRepairRequest({
        type: 'repair-request',
        requestId: 1,
        ranges: [],
        digest: new Map([[a, 2n ** 40n]]),
      }),
    ).toThrow(MalformedDigestError);
  });
});

describe('event store: bounds', () => {
  it('never exceeds its bounds under floods, and reports every eviction', () => {
    const all = chains(400, 40);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(2), fc.nat(399)), { minLength: 50, maxLength: 600 }),
        fc.record({
          maxEvents: fc.integer({ min: 1, max: 200 }),
          maxBytes: fc.integer({ min: 300, max: 20_000 }),
          maxEventsPerAuthor: fc.integer({ min: 1, max: 150 }),
          maxBytesPerAuthor: fc.integer({ min: 300, max: 10_000 }),
        }),
        (adds, limits) => {
          const store = new EventStore({ limits });
          const reports: StoreEviction[] = [];
          store.onEviction((e) => reports.push(e));
          let stored = 0;
          for (const [author, seq] of adds) {
            const e = all.get(AUTHORS[author] as NodeId)?.[seq] as DurableEnvelope;
            if (store.add(e) === 'stored') stored++;
            expect(store.size).toBeLessThanOrEqual(limits.maxEvents);
            expect(store.bytes).toBeLessThanOrEqual(limits.maxBytes);
            for (const a of AUTHORS) {
              expect(store.seqsOf(a).length).toBeLessThanOrEqual(limits.maxEventsPerAuthor);
            }
          }
          expect(reports.length).toBe(stored - store.size);
          const c = store.counters().evicted;
          expect(c['author-share'] + c.count + c.bytes).toBe(reports.length);
          expect(held(store).size).toBe(store.size);
        },
      ),
      { numRuns: propertyRuns(80, 800) },
    );
  });

  it("evicts a flooding author's own oldest first, then what every member acknowledged, then the oldest", () => {
    const all = chains(50);
    const [a, b, c] = AUTHORS as [NodeId, NodeId, NodeId];
    const store = new EventStore({ limits: { maxEvents: 10, maxEventsPerAuthor: 6 } });
    const reports: StoreEviction[] = [];
    store.onEviction((e) => reports.push(e));
    for (let i = 0; i < 8; i++) store.add(all.get(a)?.[i] as DurableEnvelope);
    expect(reports.map((r) => [r.seq, r.reason])).toEqual([
      [1, 'author-share'],
      [2, 'author-share'],
    ]);
    expect(store.seqsOf(a)).toEqual([3, 4, 5, 6, 7, 8]);
    for (let i = 0; i < 4; i++) store.add(all.get(b)?.[i] as DurableEnvelope);
    expect(store.size).toBe(10);
    reports.length = 0;
    store.acknowledged(b, 2);
    store.add(all.get(c)?.[0] as DurableEnvelope);
    store.add(all.get(c)?.[1] as DurableEnvelope);
    store.add(all.get(c)?.[2] as DurableEnvelope);
    expect(reports).toEqual([
      { author: b, seq: 1, reason: 'count', acknowledged: true },
      { author: b, seq: 2, reason: 'count', acknowledged: true },
      { author: a, seq: 3, reason: 'count', acknowledged: false },
    ]);
    // an evicted event below the contiguous frontier still counts as held in the digest
    expect(store.digest().heads.get(a)).toBe(8);
    expect(store.digest().gaps).toEqual([]);
  });

  it('learns what every member holds from an AckTable', () => {
    const all = chains(10);
    const [a, b] = AUTHORS as [NodeId, NodeId];
    const acks = new AckTable();
    const store = new EventStore({ acks, limits: { maxEvents: 4 } });
    acks.setMembers([node(7), node(8)]);
    for (let i = 0; i < 2; i++) {
      store.add(all.get(a)?.[i] as DurableEnvelope);
      store.add(all.get(b)?.[i] as DurableEnvelope);
    }
    const reports: StoreEviction[] = [];
    store.onEviction((e) => reports.push(e));
    const digest = (n: number): Digest => ({ heads: new Map([[b, n]]), gaps: [] });
    expect(acks.recordDigest(node(7), digest(2))).toEqual([]); // node(8) has nothing yet
    expect(acks.recordDigest(node(8), digest(1))).toEqual([b]);
    expect(acks.ackedByAll(b)).toBe(1);
    store.add(all.get(a)?.[2] as DurableEnvelope);
    expect(reports).toEqual([{ author: b, seq: 1, reason: 'count', acknowledged: true }]);
  });
});

describe('event store: fed by the field', () => {
  it('holds what the field processed or quarantines, and forgets what the quarantine evicts', () => {
    const store = new EventStore();
    const { field, time } = makeField(node(50), { observers: [store] });
    field.define(LOG, {
      stateType: StateType.Core,
      law: DeltaLaw.appendLog(),
      authority: { owners: [AUTHORS[0] as NodeId] },
    });
    const chain = chains(3).get(AUTHORS[0] as NodeId) as DurableEnvelope[];
    const a = AUTHORS[0] as NodeId;
    expect(field.receive(chain[1] as DurableEnvelope).status).toBe('quarantined');
    expect(store.seqsOf(a)).toEqual([2]);
    expect(store.digest().gaps).toEqual([{ author: a, from: 1, to: 1 }]);
    time.t += field.limits.quarantineAgeUs + 1;
    expect(field.expire().evicted).toBe(1);
    expect(store.seqsOf(a)).toEqual([]);
    expect(store.digest().heads.size).toBe(0);
    expect(store.counters().forgotten).toBe(1);
    for (const e of chain) field.receive(e);
    expect(store.seqsOf(a)).toEqual([1, 2, 3]);
    expect(store.digest().heads.get(a)).toBe(3);
    // a seq the field processed stays claimed when dropped: this replica applied it
    expect(store.forget(a, 2)).toBe(true);
    expect(store.forget(a, 2)).toBe(false);
    expect(store.digest()).toEqual({ heads: new Map([[a, 3]]), gaps: [] });
    // in a store fed by hand, forgetting below the contiguous frontier lowers it
    const alone = new EventStore();
    for (const e of chain) alone.add(e);
    expect(alone.forget(a, 2)).toBe(true);
    expect(alone.digest().gaps).toEqual([{ author: a, from: 2, to: 2 }]);
  });
});

describe('event store: review findings', () => {
  it("never evicts this node's unacknowledged events while anything else can go", () => {
    const self = node(10);
    const peer = node(11);
    const z = node(12);
    const acks = new AckTable();
    acks.setMembers([peer]);
    const store = new EventStore({ acks, limits: { maxEvents: 50 } });
    // `self` comes from the field the store observes
    const { field } = makeField(self, { observers: [store] });
    field.define(LOG, {
      stateType: StateType.Core,
      law: DeltaLaw.appendLog(),
      authority: { owners: [self, z] },
    });
    const ws = new Writer(self);
    for (let i = 0; i < 5; i++)
      field.applyLocal(ws.durable(LOG, { type: 'append', data: bytes(i) }));
    const wz = new Writer(z);
    for (let i = 0; i < 60; i++) field.receive(wz.durable(LOG, { type: 'append', data: bytes(i) }));
    expect(store.size).toBe(50);
    expect(store.seqsOf(self)).toEqual([1, 2, 3, 4, 5]);
    // the peer holds all of z and nothing of ours: it gets ours from us
    const page = store.missing({ heads: new Map([[z, 60]]), gaps: [] });
    expect(ids(page.events)).toEqual([1, 2, 3, 4, 5].map((s) => key(self, s)));
    // acknowledged, they go first like anyone's
    acks.record(peer, self, 5);
    field.receive(wz.durable(LOG, { type: 'append', data: bytes(61) }));
    expect(store.seqsOf(self)).toEqual([2, 3, 4, 5]);
    expect(store.counters().evictedUnacknowledgedOwn).toBe(0);
  });

  it('stays within its bounds when only unacknowledged own events are left (counted)', () => {
    const self = node(10);
    const acks = new AckTable();
    acks.setMembers([node(11)]);
    const store = new EventStore({ acks, self, limits: { maxEvents: 3 } });
    const w = new Writer(self);
    for (let i = 0; i < 5; i++) store.add(w.durable(LOG, { type: 'append', data: bytes(i) }));
    expect(store.seqsOf(self)).toEqual([3, 4, 5]);
    expect(store.counters().evictedUnacknowledgedOwn).toBe(2);
  });

  it('stops claiming a held event the store evicted once the quarantine drops it too', () => {
    const store = new EventStore({ limits: { maxEvents: 10 } });
    const [x, y, z] = [node(1), node(2), node(3)];
    const { field, time } = makeField(node(50), { observers: [store] });
    field.define(LOG, {
      stateType: StateType.Core,
      law: DeltaLaw.appendLog(),
      authority: { owners: [x, y, z] },
    });
    const wy = new Writer(y);
    const wz = new Writer(z);
    const y1 = wy.durable(LOG, { type: 'append', data: bytes(1) });
    const x1 = new Writer(x).durable(
      LOG,
      { type: 'append', data: bytes(2) },
      { deps: [{ author: y, seq: 1 }] },
    );
    expect(field.receive(x1).status).toBe('quarantined');
    expect(store.digest().heads.get(x)).toBe(1);
    for (let i = 0; i < 10; i++) field.receive(wz.durable(LOG, { type: 'append', data: bytes(i) }));
    expect(store.has(x, 1)).toBe(false); // evicted from the store, still in quarantine
    time.t += field.limits.quarantineAgeUs + 1;
    expect(field.expire().evicted).toBe(1);
    expect(store.digest().heads.has(x)).toBe(false);
    // a peer holding both answers with both
    const peer = new EventStore();
    peer.add(y1);
    peer.add(x1);
    expect(ids(peer.missing(store.digest()).events).sort()).toEqual([key(x, 1), key(y, 1)]);
  });

  it('claims what the field processed even when the store refused it as oversized', () => {
    const a = AUTHORS[0] as NodeId;
    const store = new EventStore({ limits: { maxBytesPerAuthor: 600 } });
    const { field } = makeField(node(50), { observers: [store] });
    field.define(LOG, {
      stateType: StateType.Core,
      law: DeltaLaw.appendLog(),
      authority: { owners: [a] },
    });
    const w = new Writer(a);
    expect(field.receive(w.durable(LOG, { type: 'append', data: new Uint8Array(1000) }))).toEqual({
      status: 'applied',
    });
    expect(field.receive(w.durable(LOG, { type: 'append', data: bytes(1) }))).toEqual({
      status: 'applied',
    });
    expect(store.counters().oversized).toBe(1);
    expect(store.seqsOf(a)).toEqual([2]);
    expect(store.digest()).toEqual({ heads: new Map([[a, 2]]), gaps: [] });
  });

  it('gives no author slot to an event it refuses as oversized', () => {
    const store = new EventStore({ limits: { maxAuthors: 2, maxBytesPerAuthor: 600 } });
    for (const a of [node(1), node(2)]) {
      expect(
        store.add(new Writer(a).durable(LOG, { type: 'append', data: new Uint8Array(1000) })),
      ).toBe('oversized');
    }
    expect(store.add(new Writer(node(3)).durable(LOG, { type: 'append', data: bytes(1) }))).toBe(
      'stored',
    );
    expect(store.digest().heads.size).toBe(1);
  });

  it('shares the gap budget fairly: one author full of holes does not starve the others', () => {
    const store = new EventStore();
    const [a, b] = [node(1), node(2)];
    const wa = new Writer(a);
    for (let s = 1; s <= 600; s++) {
      const e = wa.durable(LOG, { type: 'append', data: bytes(1) });
      if (s % 2 === 1) store.add(e);
    }
    const wb = new Writer(b);
    const bAll: DurableEnvelope[] = [];
    for (let s = 1; s <= 5000; s++) {
      const e = wb.durable(LOG, { type: 'append', data: bytes(1) });
      bAll.push(e);
      if (s !== 2) store.add(e);
    }
    const d = store.digest();
    expect(d.gaps.length).toBe(255);
    expect(d.heads.get(b)).toBe(5000);
    expect(d.gaps.filter((g) => g.author === b)).toEqual([{ author: b, from: 2, to: 2 }]);
    expect(d.gaps.filter((g) => g.author === a)).toHaveLength(254);
    for (const k of claimed(d)) expect(held(store).has(k) || k.startsWith(`${b}:`)).toBe(true);
    const peer = new EventStore();
    for (const e of bAll) peer.add(e);
    expect(ids(peer.missing(d, { maxEvents: 10_000 }).events)).toEqual([key(b, 2)]);
  });

  it('gives every author with holes at least its equal share of the gap budget', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 0, max: 60 }),
        (holes, maxGaps) => {
          const store = new EventStore();
          holes.forEach((n, i) => {
            const w = new Writer(node(i + 1));
            // n holes of one event each: every other seq held
            for (let s = 1; s <= 2 * n + 1; s++) {
              const e = w.durable(LOG, { type: 'append', data: bytes(1) });
              if (s % 2 === 1) store.add(e);
            }
          });
          const d = store.digest({ maxGaps });
          expect(d.gaps.length).toBeLessThanOrEqual(maxGaps);
          const wanting = holes.filter((n) => n > 0).length;
          const fair = wanting === 0 ? 0 : Math.floor(maxGaps / wanting);
          holes.forEach((n, i) => {
            const listed = d.gaps.filter((g) => g.author === node(i + 1)).length;
            expect(listed).toBeGreaterThanOrEqual(Math.min(n, fair));
          });
          if (holes.reduce((x, y) => x + y, 0) > maxGaps) expect(d.gaps.length).toBe(maxGaps);
        },
      ),
      { numRuns: propertyRuns(100, 1_000) },
    );
  });

  it('refuses paging and digest options that cannot work with OutOfRangeError', () => {
    const store = storeOf(chains(5), () => true);
    const empty: Digest = { heads: new Map(), gaps: [] };
    for (const maxEvents of [0, -1, 0.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => store.missing(empty, { maxEvents })).toThrow(OutOfRangeError);
    }
    for (const maxBytes of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => store.missing(empty, { maxBytes })).toThrow(OutOfRangeError);
    }
    const a = AUTHORS[0] as NodeId;
    expect(() => store.missing(empty, { after: new Map([[a, -1]]) })).toThrow(OutOfRangeError);
    expect(() =>
      store.missing(empty, { after: { get: () => 1 } as unknown as Map<NodeId, number> }),
    ).toThrow(OutOfRangeError);
    expect(() => store.digest({ maxGaps: -1 })).toThrow(OutOfRangeError);
    expect(() => store.digest({ maxGapSpan: 0 })).toThrow(OutOfRangeError);
    // overlapping gaps running past the head, and an `after` beyond the head, still work
    const d: Digest = {
      heads: new Map([[a, 3]]),
      gaps: [
        { author: a, from: 1, to: 2 },
        { author: a, from: 2, to: 3 },
        { author: a, from: 3, to: 900 },
      ],
    };
    expect(ids(store.missing(d).events).filter((k) => k.startsWith(`${a}:`))).toHaveLength(5);
    const beyond = store.missing(
      { heads: new Map([[a, 1]]), gaps: [] },
      { after: new Map([[a, 4]]) },
    );
    expect(ids(beyond.events).filter((k) => k.startsWith(`${a}:`))).toEqual([key(a, 5)]);
  });
});
