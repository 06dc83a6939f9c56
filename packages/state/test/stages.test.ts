import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { propertyRuns } from '@elara/test-env';
import {
  type DurableEnvelope,
  encodeEnvelope,
  EventKind,
  EventType,
  RepresentationProfile,
  StateType,
} from '@elara/core';
import {
  agedEntropy,
  decodeSetOp,
  dependencyProblem,
  durableTooEarly,
  encodeSetOp,
  EvictionReason,
  firstMissing,
  Placement,
  placeEphemeral,
  Quarantine,
  type QuarantinedEvent,
  SEEN_WINDOW_SIZE,
  seenMark,
  seenStatus,
  seenWindow,
  signatureCheck,
  takeToken,
  tokenBucket,
} from '../src/index.ts';
import { atomId, bytes, ManualTime, node, SESSION, T0, toyVerifier, Writer } from './helpers.ts';

const A = node(1);
const B = node(2);
const C = node(3);

describe('causality stage', () => {
  const frontier = (m: Map<bigint, number>) => (a: bigint) => m.get(a) ?? 0;
  it("waits for the author's previous event first, then named dependencies in order", () => {
    const w = new Writer(A);
    w.seq = 4;
    const e = w.durable(
      atomId(1),
      { type: 'delete' },
      {
        deps: [
          { author: B, seq: 3 },
          { author: node(3), seq: 1 },
        ],
      },
    );
    expect(firstMissing(e, frontier(new Map([[A, 3]])))).toEqual({ author: A, seq: 4 });
    expect(firstMissing(e, frontier(new Map([[A, 4]])))).toEqual({ author: B, seq: 3 });
    expect(
      firstMissing(
        e,
        frontier(
          new Map([
            [A, 4],
            [B, 3],
          ]),
        ),
      ),
    ).toEqual({ author: node(3), seq: 1 });
    expect(
      firstMissing(
        e,
        frontier(
          new Map([
            [A, 4],
            [B, 9],
            [node(3), 1],
          ]),
        ),
      ),
    ).toBeUndefined();
  });

  it("refuses a dependency on the author's own seq or later, and then waits only for its predecessor", () => {
    const w = new Writer(A);
    w.seq = 1;
    const e = w.durable(
      atomId(1),
      { type: 'delete' },
      {
        deps: [
          { author: A, seq: 2 },
          { author: B, seq: 5 },
        ],
      },
    );
    expect(dependencyProblem(e)).toBe('FutureDependency');
    expect(firstMissing(e, () => 1)).toBeUndefined();
    expect(dependencyProblem({ ...e, dependencies: [{ author: A, seq: 1 }] })).toBeUndefined();
  });
});

describe('temporal placement stage', () => {
  it('maps the reality window to apply / late with weight / hold / drop', () => {
    const t = new ManualTime(T0, 80_000, 40_000);
    const at = (d: number) => placeEphemeral(T0 + d, RepresentationProfile.Textual, t);
    expect(at(0)).toEqual({ placement: Placement.Apply, weight: 1 });
    expect(at(40_000)).toEqual({ placement: Placement.Apply, weight: 1 });
    expect(at(-20_000)).toEqual({ placement: Placement.Late, weight: 0.75 });
    expect(at(40_001).placement).toBe(Placement.Hold);
    expect(at(-80_001).placement).toBe(Placement.Drop);
  });

  it('holds durable events only for their lead, never for their age', () => {
    expect(durableTooEarly(T0 - 10 ** 9, T0, 5_000_000)).toBe(false);
    expect(durableTooEarly(T0 + 5_000_000, T0, 5_000_000)).toBe(false);
    expect(durableTooEarly(T0 + 5_000_001, T0, 5_000_000)).toBe(true);
  });
});

describe('authority stage: signature check', () => {
  it('checks the received bytes and the decoded envelope alike', () => {
    const check = signatureCheck(SESSION, toyVerifier([A]));
    const e = new Writer(A).durable(atomId(1), { type: 'append', data: bytes(1, 2, 3) });
    const raw = encodeEnvelope(e);
    expect(check(e, raw)).toBeUndefined();
    expect(check(e, undefined)).toBeUndefined();
    const tampered = raw.slice();
    tampered[31] = (tampered[31] as number) ^ 1;
    expect(check(e, tampered)).toBe('BadSignature');
    expect(check({ ...e, signature: bytes(1) }, raw)).toBe('MissingSignature');
    const big: DurableEnvelope = new Writer(A).durable(atomId(1), {
      type: 'append',
      data: new Uint8Array(5000),
    });
    expect(check(big, encodeEnvelope(big))).toBeUndefined();
    expect(check(new Writer(B).durable(atomId(1), { type: 'delete' }), undefined)).toBe(
      'BadSignature',
    );
  });
});

describe('seen window', () => {
  it('agrees with a set of counters within the window, and calls older ones stale', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(300), { maxLength: 200 }), (counters) => {
        const w = seenWindow();
        const seen = new Set<number>();
        let top = -1;
        for (const n of counters) {
          const expected = n < top - SEEN_WINDOW_SIZE ? 'stale' : seen.has(n) ? 'duplicate' : 'new';
          expect(seenStatus(w, n), `counter ${n}, top ${top}`).toBe(expected);
          if (expected === 'new') {
            seenMark(w, n);
            seen.add(n);
            top = Math.max(top, n);
          }
        }
      }),
      { numRuns: propertyRuns(1_000, 20_000) },
    );
  });
});

describe('quarantine', () => {
  const ev = (author: bigint, seq: number, arrivedAt = T0, size = 100): QuarantinedEvent => ({
    envelope: {
      kind: EventKind.Durable,
      author: author as never,
      seq,
      time: T0,
      target: atomId(1),
      eventType: EventType.StateUpdate,
      dependencies: [],
      mutation: { type: 'delete' },
      signature: new Uint8Array(64),
    },
    bytes: size,
    arrivedAt,
    waitingOn: { author: author as never, seq: seq - 1 },
  });

  it('releases exactly what waited for an id, evicts oldest first, reports why', () => {
    const q = new Quarantine({
      maxEvents: 3,
      maxBytes: 1000,
      maxAgeUs: 10,
      maxPerAuthor: 3,
      maxPerAuthorBytes: 2000,
    });
    expect(q.admit(ev(A, 5))).toEqual([]);
    expect(q.admit(ev(B, 2))).toEqual([]);
    expect(q.admit(ev(A, 7))).toEqual([]);
    const out = q.admit(ev(B, 9));
    expect(out.map((e) => [e.event.envelope.author, e.reason])).toEqual([
      [A, EvictionReason.Count],
    ]);
    expect(q.holds(A, 5)).toBe(false);
    const released = q.takeWaiting({ author: B, seq: 1 });
    expect(released.map((e) => e.envelope.author)).toEqual([B]);
    for (const r of released) q.remove(r);
    expect(q.size).toBe(2);
    expect(q.admit(ev(A, 20, T0, 950)).map((e) => e.reason)).toEqual(['bytes', 'bytes']);
    expect(q.evictAged(T0 + 11).map((e) => e.reason)).toEqual(['missing-dependency']);
    const timed = { ...ev(C, 30, T0 + 20), waitingOn: undefined };
    q.admit(timed);
    expect(q.evictAged(T0 + 31).map((e) => e.reason)).toEqual(['age']);
    expect(q.size).toBe(0);
    expect(q.bytes).toBe(0);
  });

  it('refuses an author beyond its share without evicting others', () => {
    const q = new Quarantine({
      maxEvents: 10,
      maxBytes: 10_000,
      maxAgeUs: 10,
      maxPerAuthor: 1,
      maxPerAuthorBytes: 10_000,
    });
    q.admit(ev(A, 2));
    const refused = ev(A, 3);
    expect(q.admit(refused)).toEqual([{ event: refused, reason: 'author-share' }]);
    expect(q.size).toBe(1);
  });

  it("bounds each author's bytes, and makes room from the author holding the most", () => {
    const q = new Quarantine({
      maxEvents: 100,
      maxBytes: 1000,
      maxAgeUs: 10,
      maxPerAuthor: 100,
      maxPerAuthorBytes: 500,
    });
    for (let i = 0; i < 4; i++) expect(q.admit(ev(B, 2 + i, T0, 100))).toEqual([]);
    // A's large events: beyond its byte share they are refused, B's stay
    expect(q.admit(ev(A, 2, T0, 450))).toEqual([]);
    const big = ev(A, 3, T0, 100);
    expect(q.admit(big)).toEqual([{ event: big, reason: 'author-share' }]);
    // room for C comes from A (holding the most bytes), not from B's older events
    const out = q.admit(ev(C, 2, T0, 300));
    expect(out.map((e) => [e.event.envelope.author, e.reason])).toEqual([[A, 'bytes']]);
    for (let i = 0; i < 4; i++) expect(q.holds(B, 2 + i)).toBe(true);
  });
});

describe('set operations codec', () => {
  it('round-trips and is strict', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.uint8Array({ maxLength: 40 }),
        fc.array(fc.tuple(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.nat(2 ** 32 - 1)), {
          maxLength: 5,
        }),
        (add, element, tags) => {
          const op = {
            op: add ? ('add' as const) : ('remove' as const),
            element,
            observed: tags.map(([a, n]) => ({ author: a as never, number: n })),
          };
          const bytes = encodeSetOp(op);
          expect(decodeSetOp(bytes)).toEqual(op);
          expect(() => decodeSetOp(bytes.subarray(0, bytes.length - 1))).toThrow();
          expect(() => decodeSetOp(Uint8Array.from([...bytes, 0]))).toThrow();
        },
      ),
      { numRuns: propertyRuns(300, 5_000) },
    );
    expect(() => decodeSetOp(bytes(3, 0, 0, 0, 0))).toThrow();
  });
});

describe('divergence and rate', () => {
  it('entropy ages per state type after the stale delay, Core never', () => {
    expect(agedEntropy(StateType.Core, 0, 0, 0, 10_000_000)).toBe(0);
    expect(agedEntropy(StateType.Perceptual, 0, 100_000, 0, 200_000)).toBeCloseTo(0.3, 12);
    expect(agedEntropy(StateType.Cosmetic, 0.5, 0, 0, 10_000_000)).toBe(1);
    expect(agedEntropy(StateType.Enhancement, 0.1, 500, 0, 400)).toBe(0.1);
  });

  it('a token bucket refills at its rate', () => {
    const b = tokenBucket(2, 0);
    expect([takeToken(b, 0, 10, 2), takeToken(b, 0, 10, 2), takeToken(b, 0, 10, 2)]).toEqual([
      true,
      true,
      false,
    ]);
    expect(takeToken(b, 99_999, 10, 2)).toBe(false);
    expect(takeToken(b, 100_000, 10, 2)).toBe(true);
  });
});
