import { describe, expect, it } from 'vitest';
import { type StateId, stateId, StateType } from '@elara/core';
import {
  AtomDefinitionError,
  type AtomSpec,
  AuthorityScope,
  authorityChangeEventType,
  authorityChangeMutation,
  DeltaLaw,
  Outcome,
  rejected,
  staticMembership,
} from '../src/index.ts';
import { atomId, bytes, makeField, ManualTime, node, Writer } from './helpers.ts';

const A = node(1);
const M = node(2);
const EVE = node(66);

describe('atoms are held only for events that pass the authority stage', () => {
  const resolve = (id: StateId): AtomSpec | undefined =>
    id >> 48n === 7n
      ? {
          stateType: (id & 1n) === 1n ? StateType.Core : StateType.Perceptual,
          law: DeltaLaw.lww(),
          authority: { owners: [A], members: AuthorityScope.Full },
        }
      : undefined;
  const replica = () =>
    makeField(node(9), {
      resolve,
      membership: staticMembership([A, M]),
      limits: { maxAtoms: 100 },
    }).field;
  const target = (n: number): StateId => stateId((7n << 48n) + BigInt(n));

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
});
