import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { propertyRuns } from '@elara/test-env';
import {
  decodeEnvelope,
  type DurableEnvelope,
  encodeEnvelope,
  type EventVerifier,
  type NodeId,
  StateType,
} from '@elara/core';
import {
  DeltaLaw,
  type DurableObserver,
  type EquivocationReport,
  EventStore,
  Outcome,
  signatureCheck,
  type StateField,
  STORE_EVENT_OVERHEAD,
} from '../src/index.ts';
import { atomId, bytes, makeField, node, SESSION, toyVerifier, Writer } from './helpers.ts';

const A = node(1);
const B = node(2);
const LOG = atomId(1);

/** `author`'s event `seq` with payload `data`, validly signed (a second version when it differs). */
function version(author: NodeId, seq: number, data: number): DurableEnvelope {
  const w = new Writer(author);
  w.seq = seq - 1;
  return w.durable(LOG, { type: 'append', data: bytes(data) });
}

/** The same event with a signature its author never made. */
const forged = (e: DurableEnvelope): DurableEnvelope => ({ ...e, signature: new Uint8Array(64) });

/** A field owning LOG for `authors`, feeding `store` unless `options` say otherwise, both reporters recorded. */
function replica(
  store: EventStore,
  authors: readonly NodeId[],
  options: Parameters<typeof makeField>[1] = {},
): { field: StateField; byField: string[]; byStore: string[] } {
  const { field } = makeField(node(50), { observers: [store], ...options });
  field.define(LOG, {
    stateType: StateType.Core,
    law: DeltaLaw.appendLog(),
    authority: { owners: [...authors] },
  });
  const byField: string[] = [];
  const byStore: string[] = [];
  field.onEquivocation((r) => byField.push(key(r)));
  store.onEquivocation((r) => byStore.push(key(r)));
  return { field, byField, byStore };
}

/** Not made by {@link forged}. */
const authentic = (e: DurableEnvelope): boolean => e.signature.some((b) => b !== 0);

const key = (r: EquivocationReport): string => `${r.author}:${r.seq}`;

describe('event store: equivocation', () => {
  it('detects a second version of an older seq the field can no longer compare, keeps the first', () => {
    const store = new EventStore();
    const { field, byField, byStore } = replica(store, [A]);
    const first = version(A, 1, 1);
    expect(field.receive(first)).toBe(Outcome.Applied);
    expect(field.receive(version(A, 2, 2))).toBe(Outcome.Applied);
    expect(field.receive(version(A, 3, 3))).toBe(Outcome.Applied);
    const second = version(A, 1, 9);
    expect(field.receive(second)).toBe(Outcome.Duplicate);
    expect(byStore).toEqual([`${A}:1`]);
    expect(byField).toEqual([]); // the store compared it: (author, seq) reported once in all
    expect(store.counters()).toMatchObject({ equivocations: 1, forged: 0 });
    // again, and as a fresh object: refused, but reported and counted once
    expect(field.receive(decodeEnvelope(encodeEnvelope(second)))).toBe(Outcome.Duplicate);
    expect(store.add(second)).toBe('equivocation');
    expect(byStore).toEqual([`${A}:1`]);
    expect(store.counters().equivocations).toBe(1);
    // the first is kept, and repair serves it
    expect(store.get(A, 1)).toEqual(encodeEnvelope(first));
    const page = store.missing({ heads: new Map(), gaps: [] });
    expect(page.events[0]).toEqual(encodeEnvelope(first));
    expect(page.events).not.toContainEqual(encodeEnvelope(second));
  });

  it('a forged second version is not the author equivocating', () => {
    const store = new EventStore();
    const { field, byStore } = replica(store, [A]);
    field.receive(version(A, 1, 1));
    field.receive(version(A, 2, 2));
    expect(field.receive(forged(version(A, 1, 9)))).toBe(Outcome.Duplicate);
    expect(byStore).toEqual([]);
    expect(store.counters()).toMatchObject({ equivocations: 0, forged: 1 });
    // a value the codec refuses cannot have been signed either
    expect(store.add({ ...version(A, 1, 9), signature: new Uint8Array(3) })).toBe('forged');
    expect(store.counters().forged).toBe(2);
  });

  it('identical re-delivery is a duplicate, not an equivocation (also re-signed alike)', () => {
    const store = new EventStore({ verify: signatureCheck(SESSION, toyVerifier()) });
    const reports: EquivocationReport[] = [];
    store.onEquivocation((r) => reports.push(r));
    const first = version(A, 1, 1);
    expect(store.add(first)).toBe('stored');
    expect(store.add(first)).toBe('duplicate');
    expect(store.add(decodeEnvelope(encodeEnvelope(first)) as DurableEnvelope)).toBe('duplicate');
    expect(store.add(version(A, 1, 1))).toBe('duplicate'); // signed again: the same event
    // the same content under another signature is still the one event (compared by content)
    expect(store.add(forged(first))).toBe('duplicate');
    expect(reports).toEqual([]);
    expect(store.counters()).toMatchObject({ duplicates: 4, equivocations: 0, forged: 0 });
    expect(store.add(version(A, 1, 2))).toBe('equivocation');
    expect(reports).toEqual([{ author: A, seq: 1 }]);
  });

  it('without verify, add trusts its caller; a throwing listener is counted', () => {
    const store = new EventStore();
    store.onEquivocation(() => {
      throw new Error('listener');
    });
    store.add(version(A, 1, 1));
    expect(store.add(forged(version(A, 1, 2)))).toBe('equivocation');
    expect(store.counters()).toMatchObject({ equivocations: 1, listenerErrors: 1 });
  });

  it('cannot compare an event it no longer holds, and never stores the unverified copy', () => {
    const store = new EventStore({ limits: { maxEventsPerAuthor: 2 } });
    const { field, byField, byStore } = replica(store, [A]);
    for (let s = 1; s <= 4; s++) field.receive(version(A, s, s));
    expect(store.seqsOf(A)).toEqual([3, 4]);
    expect(field.receive(version(A, 1, 9))).toBe(Outcome.Duplicate);
    expect([...byField, ...byStore]).toEqual([]);
    expect(store.seqsOf(A)).toEqual([3, 4]);
    // what it reported goes with the event (its record is bounded by what is held)
    expect(store.add(version(A, 3, 9))).toBe('equivocation');
    expect(store.forget(A, 3)).toBe(true);
    expect(store.add(version(A, 3, 3))).toBe('stored');
    expect(store.add(version(A, 3, 9))).toBe('equivocation');
    expect(store.counters().equivocations).toBe(2);
  });

  it('every replica reports exactly the equivocating pairs it was shown, whatever the order', () => {
    const authors = [A, B];
    const n = 6;
    const pairs = authors.flatMap((a) => Array.from({ length: n }, (_, i) => [a, i + 1] as const));
    fc.assert(
      fc.property(
        fc.array(fc.boolean(), { minLength: pairs.length, maxLength: pairs.length }),
        fc.array(fc.boolean(), { minLength: pairs.length, maxLength: pairs.length }),
        fc.array(fc.array(fc.nat(), { minLength: 4 * pairs.length, maxLength: 4 * pairs.length }), {
          minLength: 3,
          maxLength: 3,
        }),
        (twice, forge, orders) => {
          // every first version, a second version of some pairs, forged copies of others
          const deliveries: DurableEnvelope[] = [];
          const shown = new Set<string>();
          pairs.forEach(([a, s], i) => {
            deliveries.push(version(a, s, s), version(a, s, s));
            if (twice[i] === true) {
              deliveries.push(version(a, s, 100 + s));
              shown.add(`${a}:${s}`);
            }
            if (forge[i] === true) deliveries.push(forged(version(a, s, 200 + s)));
          });
          for (const order of orders) {
            const sorted = deliveries
              .map((e, i) => ({ e, k: order[i] as number }))
              .sort((x, y) => x.k - y.k)
              .map((x) => x.e);
            // a store on its own (add trusts its caller with new seqs: authentic ones first),
            // verifying the copies that differ
            const alone = new EventStore({ verify: signatureCheck(SESSION, toyVerifier()) });
            const reported: string[] = [];
            alone.onEquivocation((r) => reported.push(key(r)));
            for (const e of sorted) if (authentic(e)) alone.add(e);
            for (const e of sorted) if (!authentic(e)) expect(alone.add(e)).toBe('forged');
            expect(reported.length).toBe(shown.size); // each once
            expect(new Set(reported)).toEqual(shown);
            // a store fed by a field: between them, every pair, each reporter never wrong
            const store = new EventStore();
            const r = replica(store, authors);
            for (const e of sorted) r.field.receive(e);
            const both = [...r.byField, ...r.byStore];
            expect(both.length).toBe(shown.size); // each pair once, by one of them
            expect(new Set(both)).toEqual(shown);
            // the first version to arrive is the one kept and served
            for (const [a, s] of pairs) {
              const first = sorted.find((e) => e.author === a && e.seq === s && authentic(e));
              expect(store.get(a, s)).toEqual(encodeEnvelope(first as DurableEnvelope));
            }
          }
        },
      ),
      { numRuns: propertyRuns(40, 400) },
    );
  });
});

/** `author`'s event `seq` with payload `data`, depending on `deps` (validly signed). */
function versionAfter(
  author: NodeId,
  seq: number,
  data: number,
  deps: { author: NodeId; seq: number }[],
): DurableEnvelope {
  const w = new Writer(author);
  w.seq = seq - 1;
  return w.durable(LOG, { type: 'append', data: bytes(data) }, { deps });
}

/** A replica for A and B whose keyring knows B's key only, until the test adds A to `keys`. */
function awaitingKeyOfA(): ReturnType<typeof replica> & { keys: Set<NodeId>; store: EventStore } {
  const keys = new Set<NodeId>([B]);
  const toy = toyVerifier();
  const verifier: EventVerifier = (a, b, s) => keys.has(a) && toy(a, b, s);
  const keyring: DurableObserver = { knowsSigner: (a) => keys.has(a) };
  const store = new EventStore();
  return { keys, store, ...replica(store, [A, B], { observers: [keyring, store], verifier }) };
}

describe('event store and field: equivocation, adversarial cases', () => {
  it('a forgery waiting unverified (key unknown) is replaced by the genuine copy, nobody reported', () => {
    const { keys, store, field, byField, byStore } = awaitingKeyOfA();
    const genuine = versionAfter(A, 1, 1, [{ author: B, seq: 1 }]);
    const forgery = {
      ...versionAfter(A, 1, 77, [{ author: B, seq: 1 }]),
      signature: new Uint8Array(64).fill(5),
    };
    expect(field.receive(forgery)).toBe(Outcome.Quarantined); // A's key unknown: waits
    keys.add(A); // the entry adding A's key is processed
    expect(field.receive(genuine)).toBe(Outcome.Quarantined); // still waits for B#1
    expect([...byField, ...byStore]).toEqual([]);
    expect(field.counters().rejected.BadSignature).toBe(1); // the forgery, dropped
    expect(store.get(A, 1)).toEqual(encodeEnvelope(genuine)); // held: peers can get it
    expect(field.receive(version(B, 1, 3))).toBe(Outcome.Applied);
    expect(field.processedOf(A)).toBe(1);
    expect(store.get(A, 1)).toEqual(encodeEnvelope(genuine));
    expect(field.counters().equivocations + store.counters().equivocations).toBe(0);
  });

  it('an authentic version waiting unverified, then another: the author is reported once, first kept', () => {
    const { keys, store, field, byField, byStore } = awaitingKeyOfA();
    const first = versionAfter(A, 1, 1, [{ author: B, seq: 1 }]);
    const second = versionAfter(A, 1, 2, [{ author: B, seq: 1 }]);
    expect(field.receive(first)).toBe(Outcome.Quarantined);
    keys.add(A);
    expect(field.receive(second)).toBe(Outcome.Duplicate);
    expect(field.receive(second)).toBe(Outcome.Duplicate);
    expect([...byField, ...byStore]).toEqual([`${A}:1`]);
    field.receive(version(B, 1, 3));
    expect(field.processedOf(A)).toBe(1);
    expect(store.get(A, 1)).toEqual(encodeEnvelope(first));
  });
});

describe('field and event store: each (author, seq) reported once between them', () => {
  it('at the latest seq, delivered again, then at an older seq', () => {
    const store = new EventStore();
    const { field, byField, byStore } = replica(store, [A]);
    field.receive(version(A, 1, 1));
    const second = version(A, 1, 9);
    expect(field.receive(second)).toBe(Outcome.Duplicate); // at the latest seq
    expect(field.receive(second)).toBe(Outcome.Duplicate);
    expect(field.receive(version(A, 2, 2))).toBe(Outcome.Applied);
    expect(field.receive(second)).toBe(Outcome.Duplicate); // now an older seq
    expect([...byField, ...byStore]).toEqual([`${A}:1`]);
    expect(field.counters().equivocations + store.counters().equivocations).toBe(1);
  });

  it('in quarantine, then processed, then older', () => {
    const store = new EventStore();
    const { field, byField, byStore } = replica(store, [A, B]);
    const first = versionAfter(A, 1, 1, [{ author: B, seq: 1 }]);
    const second = versionAfter(A, 1, 2, [{ author: B, seq: 1 }]);
    expect(field.receive(first)).toBe(Outcome.Quarantined);
    expect(field.receive(second)).toBe(Outcome.Duplicate);
    expect(field.receive(second)).toBe(Outcome.Duplicate);
    field.receive(version(B, 1, 3));
    expect(field.processedOf(A)).toBe(1);
    expect(field.receive(second)).toBe(Outcome.Duplicate); // latest
    field.receive(version(A, 2, 4));
    expect(field.receive(second)).toBe(Outcome.Duplicate); // older
    expect([...byField, ...byStore]).toEqual([`${A}:1`]);
    expect(field.counters().equivocations + store.counters().equivocations).toBe(1);
    expect(store.get(A, 1)).toEqual(encodeEnvelope(first));
  });

  it('a field without a store reports once per pair too', () => {
    const { field } = makeField(node(50));
    field.define(LOG, {
      stateType: StateType.Core,
      law: DeltaLaw.appendLog(),
      authority: { owners: [A, B] },
    });
    const reports: string[] = [];
    field.onEquivocation((r) => reports.push(key(r)));
    field.receive(versionAfter(A, 1, 1, [{ author: B, seq: 1 }]));
    const second = versionAfter(A, 1, 2, [{ author: B, seq: 1 }]);
    field.receive(second);
    field.receive(second);
    field.receive(version(B, 1, 3)); // A#1 processed: now its latest
    field.receive(second);
    field.receive(version(B, 2, 5));
    field.receive(version(B, 2, 6)); // B#2 at the latest seq
    field.receive(version(B, 2, 6));
    expect(reports).toEqual([`${A}:1`, `${B}:2`]);
    expect(field.counters().equivocations).toBe(2);
  });
});

describe('event store with verify: forged, malformed and throwing input', () => {
  it('a forged first copy given to add is replaced by the genuine one, the author not reported', () => {
    const store = new EventStore({ verify: signatureCheck(SESSION, toyVerifier()) });
    const reports: string[] = [];
    store.onEquivocation((r) => reports.push(key(r)));
    const forgery = forged(version(A, 1, 66));
    expect(store.add(forgery)).toBe('stored'); // a new seq is trusted
    const genuine = version(A, 1, 1);
    expect(store.add(genuine)).toBe('stored'); // replaces the forgery
    expect(reports).toEqual([]);
    expect(store.counters()).toMatchObject({ equivocations: 0, forged: 1 });
    expect(store.get(A, 1)).toEqual(encodeEnvelope(genuine));
    expect(store.size).toBe(1);
    expect(store.bytes).toBe(encodeEnvelope(genuine).length + STORE_EVENT_OVERHEAD);
    expect(store.add(forgery)).toBe('forged');
    // a real second version is still the author equivocating
    expect(store.add(version(A, 1, 2))).toBe('equivocation');
    expect(reports).toEqual([`${A}:1`]);
  });

  it('a verify that throws refuses the copy by name, never escapes field.receive', () => {
    const store = new EventStore({
      verify: () => {
        throw new Error('verify fails');
      },
    });
    const { field, byField, byStore } = replica(store, [A]);
    field.receive(version(A, 1, 1));
    field.receive(version(A, 2, 2));
    expect(field.receive(version(A, 1, 9))).toBe(Outcome.Duplicate);
    expect(store.add(version(A, 2, 9))).toBe('forged');
    expect([...byField, ...byStore]).toEqual([]);
    expect(store.counters()).toMatchObject({ forged: 2, equivocations: 0 });
  });

  it('a verify that throws on the held copy vouches for nothing: the held copy stays', () => {
    const check = signatureCheck(SESSION, toyVerifier());
    const store = new EventStore({
      verify: (e, raw) => {
        if (!authentic(e)) throw new Error('verify fails');
        return check(e, raw);
      },
    });
    const reports: string[] = [];
    store.onEquivocation((r) => reports.push(key(r)));
    const held = forged(version(A, 1, 66));
    expect(store.add(held)).toBe('stored'); // a new seq is trusted
    expect(store.add(version(A, 1, 1))).toBe('equivocation'); // not taken for a forgery
    expect(store.get(A, 1)).toEqual(encodeEnvelope(held));
    expect(reports).toEqual([`${A}:1`]);
    expect(store.counters()).toMatchObject({ stored: 1, equivocations: 1, forged: 0 });
  });

  it('an envelope without a 64-byte signature is refused as forged, held seq or new', () => {
    const store = new EventStore();
    store.add(version(A, 1, 1));
    const unsigned = (e: DurableEnvelope): DurableEnvelope =>
      ({ ...e, signature: undefined }) as unknown as DurableEnvelope;
    expect(store.add(unsigned(version(A, 1, 2)))).toBe('forged');
    expect(store.add(unsigned(version(A, 2, 2)))).toBe('forged');
    expect(store.add({ ...version(A, 3, 3), signature: new Uint8Array(12) })).toBe('forged');
    expect(store.add({ ...version(A, 4, 4), signature: 'sig' as unknown as Uint8Array })).toBe(
      'forged',
    );
    expect(store.seqsOf(A)).toEqual([1]);
    expect(store.counters()).toMatchObject({ stored: 1, forged: 4 });
  });
});

describe('field: what observers get for another copy', () => {
  it('the received bytes go to the store, which verifies them instead of encoding the copy again', () => {
    const check = signatureCheck(SESSION, toyVerifier());
    const verified: (Uint8Array | undefined)[] = [];
    const store = new EventStore({
      verify: (e, raw) => {
        verified.push(raw);
        return check(e, raw);
      },
    });
    const { field, byStore } = replica(store, [A]);
    field.receive(version(A, 1, 1));
    field.receive(version(A, 2, 2));
    const forgery = encodeEnvelope(forged(version(A, 1, 7)));
    const second = encodeEnvelope(version(A, 1, 9));
    expect(field.receiveBytes(forgery)).toBe(Outcome.Duplicate);
    expect(field.receiveBytes(second)).toBe(Outcome.Duplicate);
    expect(verified[0]).toBe(forgery);
    expect(verified[1]).toBe(second);
    expect(byStore).toEqual([`${A}:1`]);
    expect(store.counters()).toMatchObject({ forged: 1, equivocations: 1 });
  });
});

describe('field: the same content under another valid signature is the one event', () => {
  /** Accepts a toy signature, or the same with its last byte's top bit flipped (malleable). */
  const toy = toyVerifier();
  const malleable: EventVerifier = (a, b, s) => {
    if (toy(a, b, s)) return true;
    const t = s.slice();
    t[63] = (t[63] as number) ^ 0x80;
    return toy(a, b, t);
  };
  const twin = (e: DurableEnvelope): DurableEnvelope => {
    const signature = e.signature.slice();
    signature[63] = (signature[63] as number) ^ 0x80;
    return { ...e, signature };
  };

  it('against a quarantined copy or the latest seq (with a store), and in quarantine without one', () => {
    for (const withStore of [true, false]) {
      const store = new EventStore();
      const { field, byField, byStore } = replica(store, [A, B], {
        verifier: malleable,
        observers: withStore ? [store] : [],
      });
      const waiting = versionAfter(A, 1, 1, [{ author: B, seq: 1 }]);
      expect(field.receive(waiting)).toBe(Outcome.Quarantined);
      expect(field.receive(twin(waiting))).toBe(Outcome.Duplicate); // in quarantine
      field.receive(version(B, 1, 2));
      expect(field.processedOf(A)).toBe(1);
      if (withStore) expect(field.receive(twin(waiting))).toBe(Outcome.Duplicate); // latest
      expect([...byField, ...byStore]).toEqual([]);
      expect(field.counters().equivocations + store.counters().equivocations).toBe(0);
      // a different content is still reported
      expect(field.receive(versionAfter(A, 1, 5, [{ author: B, seq: 1 }]))).toBe(Outcome.Duplicate);
      expect([...byField, ...byStore]).toEqual([`${A}:1`]);
    }
  });
});
