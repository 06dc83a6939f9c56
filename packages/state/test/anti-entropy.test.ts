// Two replicas that diverged by random sets of events repair each other with digests.
import { describe, expect, it } from 'vitest';
import { STATISTICAL_SEEDS, simWorld } from '@elara/testkit';
import type { Prng } from '@elara/core/sim';
import {
  decodeEnvelope,
  type DurableEnvelope,
  EventType,
  type NodeId,
  StateType,
} from '@elara/core';
import {
  AuthorityScope,
  DeltaLaw,
  type Digest,
  EventStore,
  type StateField,
  staticMembership,
} from '../src/index.ts';
import { atomId, bytes, makeField, node, T0, Writer } from './helpers.ts';

const AUTHORS = [node(1), node(2), node(3), node(4)];
const LOG = atomId(1);
const REGISTER = atomId(2);
const COUNTER = atomId(3);
const EVENTS = 300;

interface Replica {
  readonly field: StateField;
  readonly store: EventStore;
}

function replica(self: NodeId): Replica {
  const store = new EventStore();
  const { field } = makeField(self, {
    membership: staticMembership(AUTHORS),
    observers: [store],
  });
  const authority = { owners: [], members: AuthorityScope.Full };
  field.define(LOG, { stateType: StateType.Core, law: DeltaLaw.appendLog(), authority });
  field.define(REGISTER, { stateType: StateType.Core, law: DeltaLaw.lww(), authority });
  field.define(COUNTER, { stateType: StateType.Core, law: DeltaLaw.pnCounter(), authority });
  return { field, store };
}

/** A random causal history: each event names the latest known event of up to 2 other authors. */
function history(rng: Prng): DurableEnvelope[] {
  const writers = AUTHORS.map((a) => new Writer(a));
  const out: DurableEnvelope[] = [];
  for (let i = 0; i < EVENTS; i++) {
    const w = writers[rng.int(0, AUTHORS.length - 1)] as Writer;
    const deps = new Map<NodeId, number>();
    for (let k = rng.int(0, 2); k > 0 && out.length > 0; k--) {
      const e = out[rng.int(0, out.length - 1)] as DurableEnvelope;
      if (e.author !== w.author) deps.set(e.author, Math.max(deps.get(e.author) ?? 0, e.seq));
    }
    const options = {
      time: T0 + rng.int(0, 1_000_000),
      deps: [...deps].map(([author, seq]) => ({ author, seq })),
      eventType: EventType.StateUpdate,
    };
    const pick = rng.int(0, 2);
    out.push(
      pick === 0
        ? w.durable(LOG, { type: 'append', data: bytes(i & 0xff, i >> 8) }, options)
        : pick === 1
          ? w.durable(REGISTER, { type: 'set', data: bytes(i & 0xff) }, options)
          : w.durable(COUNTER, { type: 'increment', delta: BigInt(rng.int(-5, 5)) }, options),
    );
  }
  return out;
}

function shuffled<T>(rng: Prng, xs: readonly T[]): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

function held(store: EventStore): Set<string> {
  const out = new Set<string>();
  for (const a of AUTHORS) for (const s of store.seqsOf(a)) out.add(`${a}:${s}`);
  return out;
}

/** The sorted `author:seq` ids of encoded durable envelopes. */
function idsOf(events: readonly Uint8Array[]): string[] {
  return events
    .map((b) => {
      const e = decodeEnvelope(b) as DurableEnvelope;
      return `${e.author}:${e.seq}`;
    })
    .sort();
}

/** Everything `from` answers to `digest`, page by page (bytes of durable envelopes). */
function answer(from: Replica, digest: Digest): Uint8Array[] {
  const out: Uint8Array[] = [];
  let next: ReadonlyMap<NodeId, number> | undefined;
  do {
    const page = from.store.missing(digest, { maxEvents: 64, ...(next ? { after: next } : {}) });
    out.push(...page.events.map((e) => e.slice()));
    next = page.next;
  } while (next !== undefined);
  return out;
}

describe('anti-entropy', () => {
  it.each(STATISTICAL_SEEDS)(
    'seed %i: digests exchanged send exactly the set difference, then the replicas are identical',
    (seed) => {
      const rng = simWorld(seed).rng;
      const events = history(rng);
      const a = replica(node(100));
      const b = replica(node(101));
      // diverge: each event reaches one replica or both, in a random order
      const toA: DurableEnvelope[] = [];
      const toB: DurableEnvelope[] = [];
      for (const e of events) {
        const r = rng.next();
        if (r < 0.7) toA.push(e);
        if (r > 0.3) toB.push(e);
      }
      for (const e of shuffled(rng, toA)) a.field.receive(e);
      for (const e of shuffled(rng, toB)) b.field.receive(e);
      expect(held(a.store)).not.toEqual(held(b.store));

      let rounds = 0;
      let total = 0;
      for (;;) {
        const [heldA, heldB] = [held(a.store), held(b.store)];
        const [digestA, digestB] = [a.store.digest(), b.store.digest()];
        const aLacks = [...heldB].filter((k) => !heldA.has(k)).sort();
        const bLacks = [...heldA].filter((k) => !heldB.has(k)).sort();
        // both answer the digests they got, then both apply what they received
        const toB = answer(a, digestB);
        const toA = answer(b, digestA);
        // exactly the set difference: the same ids, each once
        expect(idsOf(toB)).toEqual(bLacks);
        expect(idsOf(toA)).toEqual(aLacks);
        for (const e of toB) b.field.receiveBytes(e, { from: a.field.self });
        for (const e of toA) a.field.receiveBytes(e, { from: b.field.self });
        total += toB.length + toA.length;
        rounds++;
        if (toB.length + toA.length === 0) break;
        expect(rounds).toBeLessThan(20);
      }
      // quarantined events are held and offered too: one exchange gives both the union
      expect(rounds).toBe(2);
      expect(total).toBeGreaterThan(0);
      for (const r of [a, b]) {
        expect(r.field.quarantineStats().events).toBe(0);
        expect(r.store.size).toBe(EVENTS);
      }
      expect(held(a.store)).toEqual(held(b.store));
      expect(JSON.stringify(a.field.snapshot())).toBe(JSON.stringify(b.field.snapshot()));
    },
  );
});
