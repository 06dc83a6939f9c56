import { describe, expect, it } from 'vitest';
import { type StateId, stateId, StateType } from '@elara/core';
import {
  AtomDefinitionError,
  type AtomSpec,
  LocalEventRejectedError,
  LocalSequenceError,
  AuthorityScope,
  authorityChangeEventType,
  authorityChangeMutation,
  DeltaLaw,
  Outcome,
  rejected,
  staticMembership,
} from '../src/index.ts';
import { AtomTable } from '../src/atom-table.ts';
import { FieldAtom } from '../src/field-atom.ts';
import { DurableLawContext } from '../src/law-contexts.ts';
import { atomId, bytes, makeField, ManualTime, node, Writer } from './helpers.ts';

const A = node(1);
const M = node(2);
const EVE = node(66);

const spec = (stateType: StateType): AtomSpec => ({
  stateType,
  law: DeltaLaw.lww(),
  authority: { owners: [A], members: AuthorityScope.Full },
});
const resolve = (id: StateId): AtomSpec | undefined =>
  id >> 48n === 7n ? spec((id & 1n) === 1n ? StateType.Core : StateType.Perceptual) : undefined;
const target = (n: number): StateId => stateId((7n << 48n) + BigInt(n));

describe('atoms are held only for events that pass the authority stage', () => {
  const replica = () =>
    makeField(node(9), {
      resolve,
      membership: staticMembership([A, M]),
      limits: { maxAtoms: 100 },
    }).field;

  it("a non-member's refused writes create no atom; a member's write then applies alike", () => {
    const flooded = replica();
    const quiet = replica();
    const eve = new Writer(EVE);
    for (let i = 0; i < 500; i++) {
      flooded.receive(eve.ephemeral(target(2 * i), { type: 'set', data: bytes(1) }), {
        from: EVE,
      });
      flooded.receive(eve.durable(target(2 * i + 1), { type: 'set', data: bytes(1) }));
    }
    expect(flooded.atomIds()).toEqual([]);
    expect(flooded.counters().rejected.Unauthorized).toBe(1_000);
    const good = new Writer(M).durable(target(1), { type: 'set', data: bytes(5) });
    expect(flooded.receive(good)).toBe(Outcome.Applied);
    expect(quiet.receive(good)).toBe(Outcome.Applied);
    expect(flooded.snapshot()).toEqual(quiet.snapshot());
  });

  it('at maxAtoms a resolved atom nothing was applied to makes room', () => {
    const field = replica();
    const m = new Writer(M);
    // the law refuses these (unsupported op) after authority passed: held, never applied
    for (let i = 0; i < 100; i++) {
      expect(
        field.receive(m.durable(target(2 * i + 1), { type: 'append', data: bytes(1) })),
      ).toEqual(rejected('UnsupportedOp'));
    }
    expect(field.receive(m.durable(target(999), { type: 'set', data: bytes(5) }))).toBe(
      Outcome.Applied,
    );
  });

  it("one author's events hold at most its share of resolved atoms; others' still can", () => {
    const field = makeField(node(9), {
      resolve,
      membership: staticMembership([A, M]),
      limits: { maxAtoms: 100, maxResolvedAtomsPerAuthor: 3 },
    }).field;
    field.define(atomId(1), spec(StateType.Core));
    const m = new Writer(M);
    const outcomes = [1, 3, 5, 7].map((n) =>
      field.receive(m.durable(target(n), { type: 'set', data: bytes(n) })),
    );
    expect(outcomes).toEqual([
      Outcome.Applied,
      Outcome.Applied,
      Outcome.Applied,
      rejected('TooManyAtoms'),
    ]);
    // ephemeral events count against the same share
    expect(
      field.receive(m.ephemeral(target(8), { type: 'set', data: bytes(1) }), { from: M }),
    ).toEqual(rejected('TooManyAtoms'));
    // an atom already held takes the author's events; another author has its own share
    expect(field.receive(m.durable(target(1), { type: 'set', data: bytes(9) }))).toBe(
      Outcome.Applied,
    );
    const a = new Writer(A);
    expect(field.receive(a.durable(target(7), { type: 'set', data: bytes(7) }))).toBe(
      Outcome.Applied,
    );
    expect(field.atomIds()).toHaveLength(5);
  });

  it("a known author's ephemeral flood is rate-limited before its atoms are resolved", () => {
    let resolved = 0;
    const field = makeField(node(9), {
      resolve: (id) => {
        resolved++;
        return resolve(id);
      },
      membership: staticMembership([A, M]),
      limits: { ephemeralBurst: 2, ephemeralRatePerSecond: 1 },
    }).field;
    const m = new Writer(M);
    const outcomes = [0, 2, 4, 6, 8, 10].map((n) =>
      field.receive(m.ephemeral(target(n), { type: 'set', data: bytes(1) }), { from: M }),
    );
    expect(outcomes.map((o) => o.status)).toEqual([
      'applied',
      'applied',
      'rejected',
      'rejected',
      'rejected',
      'rejected',
    ]);
    expect(field.counters().rejected.RateLimited).toBe(4);
    expect(resolved).toBe(2);
  });
});

describe('the atom table', () => {
  it('makes room at maxAtoms from an index: other atoms are not looked at', () => {
    let reads = 0;
    const make = (id: StateId, s: AtomSpec, defined: boolean): FieldAtom => {
      const atom = new FieldAtom(id, s, defined, new DurableLawContext(() => 0), 0);
      let applied = 0;
      Object.defineProperty(atom, 'applied', {
        get: () => {
          reads++;
          return applied;
        },
        set: (v: number) => (applied = v),
      });
      return atom;
    };
    const max = 1_000;
    const table = new AtomTable(
      { maxAtoms: max, maxResolvedAtomsPerAuthor: 10 * max },
      (id) => spec(id >> 48n === 7n ? StateType.Core : StateType.Perceptual),
      make,
    );
    const held = (n: number): FieldAtom => {
      const atom = table.lookup(target(n)) as FieldAtom;
      expect(table.admit(atom, M)).toBe(atom);
      return atom;
    };
    for (let i = 0; i < max - 2; i++) table.applied(held(i));
    const unused = held(max - 2); // nothing applied to it
    const waited = held(max - 1); // something waits for it
    table.countWaiting(waited.id, 1);
    reads = 0;
    const next = held(max);
    table.applied(next);
    expect(table.get(unused.id)).toBeUndefined();
    expect(table.size).toBe(max);
    // once nothing waits for it, the other one makes room for the next
    table.countWaiting(waited.id, -1);
    table.applied(held(max + 1));
    expect(table.get(waited.id)).toBeUndefined();
    const full = table.lookup(target(max + 2)) as FieldAtom;
    expect(table.admit(full, M)).toBe('TooManyAtoms');
    expect(table.get(next.id)).toBe(next);
    expect(reads).toBeLessThan(20);
  });
});

describe('law and kind checks', () => {
  it('refuses the frames law on a Core atom (it would refuse durable events for age)', () => {
    const { field } = makeField(node(9));
    expect(() =>
      field.define(atomId(43), {
        stateType: StateType.Core,
        law: DeltaLaw.frames(1000, 2),
        authority: { owners: [A] },
      }),
    ).toThrow(AtomDefinitionError);
  });

  it('refuses the append-log law on a non-Core atom (ephemeral stamps do not keep author order)', () => {
    const { field } = makeField(node(9));
    for (const stateType of [StateType.Perceptual, StateType.Enhancement, StateType.Cosmetic]) {
      expect(() =>
        field.define(atomId(44), {
          stateType,
          law: DeltaLaw.appendLog(),
          authority: { owners: [A] },
        }),
      ).toThrow(/append-log law is for durable/);
    }
    expect(field.atomIds()).toEqual([]);
  });

  it("revokes a Perceptual atom's delegate", () => {
    const P = atomId(50);
    const D = node(2);
    const { field } = makeField(node(9));
    field.define(P, {
      stateType: StateType.Perceptual,
      law: DeltaLaw.lww(),
      authority: { owners: [A], delegates: [{ node: D, scope: AuthorityScope.Full }] },
    });
    const d = new Writer(D);
    expect(field.receive(d.ephemeral(P, { type: 'set', data: bytes(1) }), { from: D })).toBe(
      Outcome.Applied,
    );
    const c = { grant: false as const, node: D };
    const revoke = new Writer(A).durable(P, authorityChangeMutation(c), {
      eventType: authorityChangeEventType(c),
    });
    expect(field.receive(revoke)).toBe(Outcome.Applied);
    expect(field.receive(d.ephemeral(P, { type: 'set', data: bytes(2) }), { from: D })).toEqual(
      rejected('Unauthorized'),
    );
  });
});

describe('events for atoms not declared yet', () => {
  it('a durable event waits for its atom instead of consuming its seq', () => {
    const X = atomId(80);
    const { field } = makeField(node(9));
    const w = new Writer(A);
    const first = w.durable(X, { type: 'set', data: bytes(1) });
    const second = w.durable(X, { type: 'set', data: bytes(2) });
    expect(field.receive(first)).toBe(Outcome.Held);
    expect(field.receive(second)).toBe(Outcome.Quarantined);
    expect(field.processedOf(A)).toBe(0);
    field.define(X, { stateType: StateType.Core, law: DeltaLaw.lww(), authority: { owners: [A] } });
    expect(field.processedOf(A)).toBe(2);
    expect(field.snapshotAtom(X)?.version).toEqual([['0x0000000000001001', 2]]);
    expect(field.quarantineStats().events).toBe(0);
  });

  it('one that never gets its atom is evicted for its age and reported', () => {
    const { field, time } = makeField(node(9), { limits: { quarantineAgeUs: 1_000 } });
    const reports: bigint[] = [];
    field.onEviction((r) => reports.push(r.target));
    expect(field.receive(new Writer(A).durable(atomId(81), { type: 'delete' }))).toBe(Outcome.Held);
    time.t += 2_000;
    expect(field.expire().evicted).toBe(1);
    expect(reports).toEqual([atomId(81)]);
  });
});

describe('what a bound discards is counted', () => {
  it("a log's values fit its maxBytes; entries dropped by its bounds are counted", () => {
    const L = atomId(52);
    const D = node(2);
    const { field } = makeField(node(9), { membership: staticMembership([A, D]) });
    const authority = { owners: [A], members: AuthorityScope.Append };
    expect(() =>
      field.define(atomId(53), {
        stateType: StateType.Core,
        law: DeltaLaw.appendLog(1000, 1024),
        authority,
        maxValueBytes: 2000,
      }),
    ).toThrow(AtomDefinitionError);
    field.define(L, { stateType: StateType.Core, law: DeltaLaw.appendLog(4, 1024), authority });
    const a = new Writer(A);
    for (let i = 0; i < 6; i++) {
      field.receive(a.durable(L, { type: 'append', data: bytes(i) }, { time: 1e15 + 10 * i }));
    }
    // one value larger than the log is refused, not applied-then-wiping the log
    const d = new Writer(D);
    const big = d.durable(L, { type: 'append', data: new Uint8Array(2000) }, { time: 1 });
    expect(field.receive(big)).toEqual(rejected('Oversized'));
    expect(field.counters().dropped).toBe(2);
    // an append at or below the floor is applied (every replica does the same) and counted
    expect(field.receive(d.durable(L, { type: 'append', data: bytes(9) }, { time: 1 }))).toBe(
      Outcome.Applied,
    );
    expect(field.counters().dropped).toBe(3);
  });
});

describe('ephemeral TTLs and equivocation', () => {
  it('an ephemeral event whose TTL passed by an explicit expire(now) does not come back', () => {
    const TTL = 1_000_000;
    const E = atomId(51);
    const w = new Writer(A);
    const e1 = w.ephemeral(E, { type: 'set', data: bytes(1) }, { time: 1e15 + 8 });
    const e2 = w.ephemeral(E, { type: 'set', data: bytes(2) }, { time: 1e15 + 10 });
    const replica = () => {
      const { field } = makeField(node(9), {
        time: new ManualTime(1e15 + TTL + 5, 3_600_000_000, 3_600_000_000),
      });
      field.define(E, {
        stateType: StateType.Perceptual,
        law: DeltaLaw.ephemeral(TTL),
        authority: { owners: [A] },
      });
      return field;
    };
    const r1 = replica();
    r1.receive(e1, { from: A });
    r1.receive(e2, { from: A });
    r1.expire(1e15 + TTL + 20);
    const r2 = replica();
    r2.receive(e2, { from: A });
    r2.expire(1e15 + TTL + 20);
    expect(r2.receive(e1, { from: A })).toEqual(rejected('Expired'));
    expect(r2.snapshotAtom(E)).toEqual(r1.snapshotAtom(E));
  });

  it('reports two different signed events with one (author, seq), keeping the first', () => {
    const R = atomId(60);
    const { field } = makeField(node(9));
    field.define(R, { stateType: StateType.Core, law: DeltaLaw.lww(), authority: { owners: [A] } });
    const seen: [bigint, number][] = [];
    field.onEquivocation((r) => seen.push([r.author, r.seq]));
    const first = new Writer(A).durable(R, { type: 'set', data: bytes(1) });
    const other = new Writer(A).durable(R, { type: 'set', data: bytes(2) });
    expect(field.receive(first)).toBe(Outcome.Applied);
    expect(field.receive(first)).toBe(Outcome.Duplicate);
    expect(field.receive(other)).toBe(Outcome.Duplicate);
    // a forged copy (bad signature) is not the author's equivocation
    expect(field.receive({ ...other, signature: new Uint8Array(64) })).toBe(Outcome.Duplicate);
    expect(seen).toEqual([[A, 1]]);
    expect(field.counters().equivocations).toBe(1);
    // held copies are compared too
    const w = new Writer(A);
    w.seq = 2;
    const third = w.durable(R, { type: 'set', data: bytes(3) });
    w.seq = 2;
    const thirdAgain = w.durable(R, { type: 'set', data: bytes(4) });
    expect(field.receive(third)).toBe(Outcome.Quarantined);
    expect(field.receive(thirdAgain)).toBe(Outcome.Duplicate);
    expect(seen).toEqual([
      [A, 1],
      [A, 3],
    ]);
  });

  it('an equivocation seen while listeners run is reported before the call returns', () => {
    const R = atomId(60);
    const S = atomId(61);
    const { field } = makeField(node(9));
    for (const id of [R, S]) {
      field.define(id, {
        stateType: StateType.Core,
        law: DeltaLaw.lww(),
        authority: { owners: [A] },
      });
    }
    const first = new Writer(A).durable(R, { type: 'set', data: bytes(1) });
    const other = new Writer(A).durable(R, { type: 'set', data: bytes(2) });
    let reports = 0;
    field.onEquivocation(() => reports++);
    let once = true;
    field.onChange(() => {
      if (once) {
        once = false;
        field.receive(other); // a listener feeding the field, as the README allows
      }
    });
    field.receive(first);
    expect([reports, field.counters().equivocations]).toEqual([1, 1]);
  });
});

describe('local ephemeral events', () => {
  it('a refused one leaves its counter free: the retry with that counter applies', () => {
    const F = atomId(4);
    const { field } = makeField(A);
    field.define(F, {
      stateType: StateType.Perceptual,
      law: DeltaLaw.frames(10_000),
      authority: { owners: [A] },
    });
    const w = new Writer(A);
    const bad = w.ephemeral(F, { type: 'blend', value: bytes(1), weight: 2 });
    expect(() => field.applyLocal(bad)).toThrow(LocalEventRejectedError);
    const retry = { ...bad, mutation: { type: 'set' as const, data: bytes(1) } };
    expect(field.applyLocal(retry)).toBe(Outcome.Applied);
    expect(() => field.applyLocal(retry)).toThrow(LocalSequenceError);
  });
});
