import { describe, expect, it } from 'vitest';
import { type DurableEnvelope, EventType, type NodeId, StateType } from '@elara/core';
import {
  AuthorityScope,
  DeltaLaw,
  type ObservedSet,
  Outcome,
  rejected,
  RejectionReason,
  SEEN_WINDOW_SIZE,
  setOpMutation,
  staticMembership,
} from '../src/index.ts';
import { atomId, bytes, makeField, ManualTime, node, T0, Writer } from './helpers.ts';

const A = node(1);
const B = node(2);
const C = node(3);
const SET = atomId(40);
const REG = atomId(41);
const UPDATE = { eventType: EventType.StateUpdate };

describe('pending retirements of observed-remove sets', () => {
  it('an ephemeral add held for its time is not processed: a remove that observed it retires it', () => {
    const spec = {
      stateType: StateType.Perceptual,
      law: DeltaLaw.addWinsSet(),
      authority: { owners: [A, B] },
    };
    const add = new Writer(A).ephemeral(
      SET,
      setOpMutation({ op: 'add', element: bytes(7), observed: [] }),
      { ...UPDATE, time: T0 + 100_000 },
    );
    const remove = new Writer(B).ephemeral(
      SET,
      setOpMutation({ op: 'remove', element: bytes(7), observed: [{ author: A, number: 0 }] }),
      { ...UPDATE, time: T0 },
    );
    const replica = (now: number) => {
      const time = new ManualTime(now, 1_000_000, 40_000);
      const { field } = makeField(node(9), { time });
      field.define(SET, spec);
      return { field, time };
    };
    // r1 is already at the add's time; r2 holds the add (too early) and takes the remove first
    const r1 = replica(T0 + 100_000);
    r1.field.receive(add, { from: A });
    r1.field.receive(remove, { from: B });
    const r2 = replica(T0);
    expect(r2.field.receive(add, { from: A })).toBe(Outcome.Held);
    r2.field.receive(remove, { from: B });
    r2.time.t = T0 + 100_000;
    expect(r2.field.expire().released).toBe(1);
    r1.field.expire();
    expect(r2.field.snapshotAtom(SET)).toEqual(r1.field.snapshotAtom(SET));
    expect((r2.field.atom(SET)?.state as ObservedSet).size).toBe(0);
  });

  it('a durable op waits for the operations it observed (even ones of another atom)', () => {
    const members = staticMembership([A, B, C]);
    const replica = () => {
      const { field } = makeField(node(9), { membership: members });
      const open = { owners: [A], members: AuthorityScope.Full };
      field.define(SET, { stateType: StateType.Core, law: DeltaLaw.addWinsSet(), authority: open });
      field.define(REG, { stateType: StateType.Core, law: DeltaLaw.lww(), authority: open });
      return field;
    };
    const c1 = new Writer(C).durable(REG, { type: 'set', data: bytes(1) });
    const x = new Writer(B).durable(
      SET,
      setOpMutation({ op: 'add', element: bytes(7), observed: [{ author: C, number: 1 }] }),
    );
    const r1 = replica();
    const r2 = replica();
    r1.receive(c1);
    r1.receive(x);
    expect(r2.receive(x)).toBe(Outcome.Quarantined);
    r2.receive(c1);
    expect(JSON.stringify(r2.snapshot())).toBe(JSON.stringify(r1.snapshot()));
    expect((r2.atom(SET)?.state as ObservedSet).pendingCount).toBe(0);
  });

  it('retirements of lost ephemeral adds are collected and never fill the set', () => {
    const time = new ManualTime(T0, 3_600_000_000, 3_600_000_000);
    const { field } = makeField(node(9), {
      time,
      limits: { ephemeralRatePerSecond: 1e9, ephemeralBurst: 1e9 },
    });
    field.define(SET, {
      stateType: StateType.Perceptual,
      law: DeltaLaw.addWinsSet(100),
      authority: { owners: [A, B] },
    });
    const wa = new Writer(A);
    const wb = new Writer(B);
    for (let i = 0; i < 1_000; i++) {
      const element = bytes(i & 255, i >> 8);
      const add = wa.ephemeral(SET, setOpMutation({ op: 'add', element, observed: [] }), UPDATE);
      if (i % 10 !== 0) field.receive(add, { from: A }); // 10 % of the adds are lost
      const remove = wb.ephemeral(
        SET,
        setOpMutation({ op: 'remove', element, observed: [{ author: A, number: add.counter }] }),
        UPDATE,
      );
      expect(field.receive(remove, { from: B }).status).not.toBe('rejected');
    }
    const set = field.atom(SET)?.state as ObservedSet;
    expect(set.pendingCount).toBeLessThanOrEqual(200);
    field.expire();
    // lost adds behind A's window (64 counters) are processed for good: only what waits for
    // the last few lost ones, which could still arrive, stays pending (the adds they retire
    // and A's retired adds above them, which a late lower add must not outlive)
    expect(set.pendingCount).toBeLessThanOrEqual(7 + SEEN_WINDOW_SIZE);
    expect(field.snapshotAtom(SET)?.value).toEqual({ elements: [] });
    const fresh = wa.ephemeral(
      SET,
      setOpMutation({ op: 'add', element: bytes(1, 1, 1), observed: [] }),
      UPDATE,
    );
    expect(field.receive(fresh, { from: A })).toBe(Outcome.Applied);
  });

  it("a durable op naming its author's own later seq is refused, so no order leaves retirements", () => {
    const wa = new Writer(A);
    const wb = new Writer(B);
    const add = (w: Writer, el: number, observed: [NodeId, number][] = []) =>
      w.durable(
        SET,
        setOpMutation({
          op: 'add',
          element: bytes(el),
          observed: observed.map(([author, number]) => ({ author, number })),
        }),
      );
    const remove = (w: Writer, el: number) =>
      w.durable(SET, setOpMutation({ op: 'remove', element: bytes(el), observed: [] }));
    // each first op "observed" its author's future seqs
    const a1 = add(wa, 1, [
      [A, 5],
      [A, 6],
    ]);
    const b1 = add(wb, 2, [[B, 5]]);
    const restA = [add(wa, 1), add(wa, 1), add(wa, 1), remove(wa, 1), add(wa, 1)];
    const restB = [add(wb, 2), add(wb, 2), add(wb, 2), remove(wb, 2)];
    const replica = (order: DurableEnvelope[]) => {
      const { field } = makeField(node(9));
      field.define(SET, {
        stateType: StateType.Core,
        law: DeltaLaw.removeWinsSet(2),
        authority: { owners: [A, B] },
      });
      const outcomes = order.map((e) => field.receive(e));
      expect((field.atom(SET)?.state as ObservedSet).pendingCount).toBe(0);
      return { field, outcomes };
    };
    const r1 = replica([a1, b1, ...restA, ...restB]);
    const r2 = replica([b1, a1, ...restA, ...restB]);
    expect(r1.outcomes.slice(0, 2)).toEqual([
      rejected(RejectionReason.MalformedPayload),
      rejected(RejectionReason.MalformedPayload),
    ]);
    expect(r2.field.snapshot()).toEqual(r1.field.snapshot());
    const set = r1.field.atom(SET)?.state as ObservedSet;
    expect([set.has(bytes(1)), set.has(bytes(2))]).toEqual([true, false]);
  });
});
