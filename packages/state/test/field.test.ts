import { describe, expect, it } from 'vitest';
import { encodeEnvelope, EventType, StateType, type StateId } from '@elara/core';
import {
  type AtomChange,
  AtomDefinitionError,
  AuthorityScope,
  DeltaLaw,
  type EvictionReport,
  LocalEventRejectedError,
  LocalSequenceError,
  Outcome,
  rejected,
  staticMembership,
} from '../src/index.ts';
import { atomId, bytes, makeField, node, T0, Writer } from './helpers.ts';

const A = node(1);
const B = node(2);
const C = node(3);
const LOG = atomId(1);
const REG = atomId(2);
const TYPING = atomId(3);
const COUNT = atomId(4);

function setup(self = A, limits = {}) {
  const made = makeField(self, { limits, membership: staticMembership([A, B, C]) });
  const { field } = made;
  const members = { owners: [A], members: AuthorityScope.Full };
  field.define(LOG, { stateType: StateType.Core, law: DeltaLaw.appendLog(), authority: members });
  field.define(REG, {
    stateType: StateType.Core,
    law: DeltaLaw.lww(),
    authority: { owners: [A, B, C] },
  });
  field.define(COUNT, {
    stateType: StateType.Core,
    law: DeltaLaw.pnCounter(),
    authority: { owners: [A, B, C] },
  });
  field.define(TYPING, {
    stateType: StateType.Perceptual,
    law: DeltaLaw.ephemeral(5_000_000),
    authority: { owners: [A, B, C] },
  });
  return made;
}
const logData = (field: ReturnType<typeof setup>['field'], id: StateId = LOG): number[] => {
  const s = field.atom(id)?.state;
  return s?.kind === 'append-log' ? [...s.entries()].map((e) => e.data[0] as number) : [];
};

describe('durable events: causality and quarantine', () => {
  it('applies in order, quarantines a gap and releases it the moment it fills', () => {
    const { field } = setup(C);
    const b = new Writer(B);
    const e1 = b.durable(LOG, { type: 'append', data: bytes(1) });
    const e2 = b.durable(LOG, { type: 'append', data: bytes(2) });
    const e3 = b.durable(LOG, { type: 'append', data: bytes(3) });
    expect(field.receive(e3)).toBe(Outcome.Quarantined);
    expect(field.receive(e2)).toBe(Outcome.Quarantined);
    expect(field.quarantineStats().events).toBe(2);
    expect(field.receive(e1)).toBe(Outcome.Applied);
    expect(logData(field)).toEqual([1, 2, 3]);
    expect(field.quarantineStats()).toEqual({ events: 0, bytes: 0, timed: 0 });
    expect(field.counters()).toMatchObject({ applied: 3, quarantined: 2, released: 2 });
    expect(field.receive(e2)).toBe(Outcome.Duplicate);
  });

  it('waits for named dependencies of other authors', () => {
    const { field } = setup(C);
    const a = new Writer(A);
    const b = new Writer(B);
    const a1 = a.durable(LOG, { type: 'append', data: bytes(1) });
    const b1 = b.durable(
      LOG,
      { type: 'append', data: bytes(2) },
      { deps: [{ author: A, seq: 1 }] },
    );
    expect(field.receive(b1)).toBe(Outcome.Quarantined);
    expect(field.atom(LOG)?.waiting).toBe(1);
    expect(field.receive(a1)).toBe(Outcome.Applied);
    expect(logData(field)).toEqual([1, 2]);
    expect(field.atom(LOG)?.waiting).toBe(0);
  });

  it('places a durable event causally whatever its age (the reality window never rejects it)', () => {
    const { field } = setup(C);
    const b = new Writer(B);
    const old = b.durable(REG, { type: 'set', data: bytes(9) }, { time: T0 - 600_000_000 });
    expect(field.receive(old)).toBe(Outcome.Applied);
    const s = field.atom(REG)?.state;
    expect(s?.kind === 'lww' && s.value).toEqual(bytes(9));
  });

  it('holds a durable event stamped too far ahead until τs comes near', () => {
    const { field, time } = setup(C, { maxClockLeadUs: 1_000_000 });
    const b = new Writer(B);
    const e = b.durable(REG, { type: 'set', data: bytes(1) }, { time: T0 + 3_000_000 });
    expect(field.receive(e)).toBe(Outcome.Held);
    time.t += 1_500_000;
    expect(field.expire().released).toBe(0);
    time.t += 600_000;
    expect(field.expire().released).toBe(1);
    expect(field.processedOf(B)).toBe(1);
  });

  it("keeps an author's own order and effective time even if its clock goes back", () => {
    const { field } = setup(C);
    const b = new Writer(B);
    field.receive(b.durable(LOG, { type: 'append', data: bytes(1) }, { time: T0 + 100 }));
    field.receive(b.durable(LOG, { type: 'append', data: bytes(2) }, { time: T0 }));
    const a = new Writer(A);
    field.receive(a.durable(LOG, { type: 'append', data: bytes(3) }, { time: T0 + 50 }));
    expect(logData(field)).toEqual([3, 1, 2]);
  });

  it('verifies signatures: bad and missing ones are refused and consume nothing', () => {
    const { field } = setup(C);
    const b = new Writer(B);
    const e = b.durable(LOG, { type: 'append', data: bytes(1) });
    const forged = { ...e, mutation: { type: 'append' as const, data: bytes(2) } };
    expect(field.receive(forged)).toEqual(rejected('BadSignature'));
    expect(field.receive({ ...e, signature: bytes(1, 2) })).toEqual(rejected('MissingSignature'));
    expect(field.processedOf(B)).toBe(0);
    expect(field.receiveBytes(encodeEnvelope(e))).toBe(Outcome.Applied);
  });

  it('refuses an authentic event in its chain order and goes on with the next seq', () => {
    const { field } = setup(C);
    const b = new Writer(B);
    const bad = b.durable(LOG, { type: 'set', data: bytes(1) }); // a log takes appends only
    const next = b.durable(LOG, { type: 'append', data: bytes(2) });
    expect(field.receive(next)).toBe(Outcome.Quarantined);
    expect(field.receive(bad)).toEqual(rejected('UnsupportedOp'));
    expect(logData(field)).toEqual([2]);
    expect(field.processedOf(B)).toBe(2);
  });

  it('refuses a dependency on its own future', () => {
    const { field } = setup(C);
    const b = new Writer(B);
    const e = b.durable(LOG, { type: 'append', data: bytes(1) }, { deps: [{ author: B, seq: 1 }] });
    expect(field.receive(e)).toEqual(rejected('FutureDependency'));
    expect(field.counters().rejected.FutureDependency).toBe(1);
  });

  it('over the wire, an impossible dependency cannot be told apart: it waits, then is reported', () => {
    const { field, time } = setup(C, { quarantineAgeUs: 30_000_000 });
    const reports: EvictionReport[] = [];
    field.onEviction((r) => reports.push(r));
    const b = new Writer(B);
    const own = b.durable(
      LOG,
      { type: 'append', data: bytes(1) },
      { deps: [{ author: B, seq: 1 }] },
    );
    expect(() => encodeEnvelope(own)).toThrow(); // no such bytes exist
    b.seq = 0;
    const far = { author: A, seq: 4_000_000_000 };
    const e = b.durable(LOG, { type: 'append', data: bytes(1) }, { deps: [far] });
    expect(field.receiveBytes(encodeEnvelope(e))).toBe(Outcome.Quarantined);
    time.t += 30_000_001;
    expect(field.expire().evicted).toBe(1);
    expect(reports.map((r) => [r.reason, r.missing])).toEqual([['missing-dependency', far]]);
    expect(field.counters().rejected.FutureDependency).toBe(0);
  });

  it('evicts from a full quarantine, oldest first, and reports each eviction', () => {
    const { field } = setup(C, { quarantineEvents: 3, quarantinePerAuthor: 3 });
    const reports: EvictionReport[] = [];
    field.onEviction((r) => reports.push(r));
    const b = new Writer(B);
    const events = Array.from({ length: 6 }, (_, i) =>
      b.durable(LOG, { type: 'append', data: bytes(i) }),
    );
    for (const e of events.slice(1, 4)) expect(field.receive(e)).toBe(Outcome.Quarantined);
    // the author's share is full: the next is refused (and reported)
    expect(field.receive(events[4] as never)).toEqual(rejected('QuarantineFull'));
    expect(reports.map((r) => [r.number, r.reason])).toEqual([[5, 'author-share']]);
    expect(field.receive(events[0] as never)).toBe(Outcome.Applied);
    expect(logData(field)).toEqual([0, 1, 2, 3]);
  });

  it('evicts what waited too long, reporting what it waited for', () => {
    const { field, time } = setup(C, { quarantineAgeUs: 1_000_000 });
    const reports: EvictionReport[] = [];
    field.onEviction((r) => reports.push(r));
    const b = new Writer(B);
    b.durable(LOG, { type: 'append', data: bytes(1) });
    field.receive(b.durable(LOG, { type: 'append', data: bytes(2) }));
    time.t += 1_000_001;
    expect(field.expire().evicted).toBe(1);
    expect(reports).toEqual([
      {
        kind: 0,
        author: B,
        number: 2,
        target: LOG,
        reason: 'missing-dependency',
        missing: { author: B, seq: 1 },
      },
    ]);
    expect(field.atom(LOG)?.entropy).toBeGreaterThan(0.5);
  });
});

describe('ephemeral events: temporal placement and TTL', () => {
  const typing = (w: Writer, time: number, v = 1) =>
    w.ephemeral(
      TYPING,
      { type: 'set', data: bytes(v) },
      { time, eventType: EventType.TypingStart },
    );
  const live = (field: ReturnType<typeof setup>['field']) => {
    const s = field.atom(TYPING)?.state;
    return s?.kind === 'ephemeral' ? s.entries().map((e) => e.author) : [];
  };

  it('applies current events, merges late ones with their weight, drops too-old ones', () => {
    const { field } = setup(C);
    const changes: AtomChange[] = [];
    field.onChange((c) => changes.push(c));
    const b = new Writer(B);
    expect(field.receive(typing(b, T0))).toBe(Outcome.Applied);
    expect(field.receive(typing(b, T0 - 40_000))).toBe(Outcome.Late);
    expect(field.receive(typing(b, T0 - 90_000))).toEqual(rejected('TooLate'));
    expect(changes).toHaveLength(1); // the late one lost to the newer entry
    const a = new Writer(A);
    expect(field.receive(typing(a, T0 - 20_000))).toBe(Outcome.Late);
    expect(changes[1]?.event?.weight).toBeCloseTo(0.75, 12);
    expect(field.counters().late).toBe(2);
  });

  it('holds too-early events and releases them when the window reaches them', () => {
    const { field, time } = setup(C);
    const b = new Writer(B);
    expect(field.receive(typing(b, T0 + 100_000))).toBe(Outcome.Held);
    expect(live(field)).toEqual([]);
    time.t += 50_000;
    field.expire();
    expect(live(field)).toEqual([]);
    time.t += 20_000;
    expect(field.expire().released).toBe(1);
    expect(live(field)).toEqual([B]);
  });

  it('expires entries at their τs + TTL, through expire(now)', () => {
    const { field, time } = setup(C);
    const changes: AtomChange[] = [];
    field.onChange((c) => changes.push(c));
    field.receive(typing(new Writer(B), T0));
    time.t = T0 + 4_999_999;
    expect(field.expire().expired).toBe(0);
    time.t = T0 + 5_000_000;
    expect(field.expire().expired).toBe(1);
    expect(live(field)).toEqual([]);
    expect(changes.at(-1)).toMatchObject({
      cause: 'expired',
      delta: { author: B, entry: undefined },
    });
  });

  it('refuses duplicates, other channels, and floods', () => {
    const { field } = setup(C, { ephemeralBurst: 3, ephemeralRatePerSecond: 1 });
    const b = new Writer(B);
    const e = typing(b, T0);
    expect(field.receive(e, { from: A })).toEqual(rejected('NotFromAuthor'));
    expect(field.receive(e, { from: B })).toBe(Outcome.Applied);
    expect(field.receive(e)).toBe(Outcome.Duplicate);
    field.receive(typing(b, T0));
    expect(field.receive(typing(b, T0))).toEqual(rejected('RateLimited'));
  });
});

describe('local-first, change feed, snapshots', () => {
  it('applies local events immediately and reports them as local', () => {
    const { field } = setup(A);
    const changes: AtomChange[] = [];
    field.onChange((c) => changes.push(c));
    const a = new Writer(A);
    expect(field.applyLocal(a.durable(LOG, { type: 'append', data: bytes(5) }))).toBe(
      Outcome.Applied,
    );
    expect(logData(field)).toEqual([5]);
    expect(changes[0]).toMatchObject({
      atom: LOG,
      cause: 'event',
      local: true,
      delta: { index: 0 },
    });
    expect(field.heads()).toEqual([]);
  });

  it('refuses local misuse with named errors and changes nothing', () => {
    const { field } = setup(A);
    const a = new Writer(A);
    a.seq = 4;
    expect(() => field.applyLocal(a.durable(LOG, { type: 'append', data: bytes(1) }))).toThrow(
      LocalSequenceError,
    );
    const b = new Writer(B);
    expect(() => field.applyLocal(b.durable(LOG, { type: 'append', data: bytes(1) }))).toThrow(
      LocalSequenceError,
    );
    const a2 = new Writer(A);
    const bad = a2.durable(LOG, { type: 'increment', delta: 1n });
    expect(() => field.applyLocal(bad)).toThrow(LocalEventRejectedError);
    expect(field.processedOf(A)).toBe(0);
    a2.seq = 0;
    expect(field.applyLocal(a2.durable(LOG, { type: 'append', data: bytes(1) }))).toBe(
      Outcome.Applied,
    );
  });

  it('delivers changes after the call, lets listeners call back, and survives a throwing one', () => {
    const { field } = setup(A);
    const a = new Writer(A);
    const seen: number[] = [];
    field.onChange(() => {
      throw new Error('listener bug');
    });
    field.onChange((c) => {
      if (c.delta?.law === 'append-log') {
        seen.push(c.delta.entry.data[0] as number);
        if (c.delta.entry.data[0] === 1) {
          field.applyLocal(a.durable(LOG, { type: 'append', data: bytes(2) }));
        }
      }
    });
    field.applyLocal(a.durable(LOG, { type: 'append', data: bytes(1) }));
    expect(seen).toEqual([1, 2]);
    expect(field.counters().listenerErrors).toBe(2);
  });

  it('snapshots canonically: same events in another order, same snapshot', () => {
    const one = setup(C).field;
    const two = setup(C).field;
    const a = new Writer(A);
    const b = new Writer(B);
    const events = [
      a.durable(REG, { type: 'set', data: bytes(1) }),
      b.durable(REG, { type: 'set', data: bytes(2) }),
      a.durable(COUNT, { type: 'increment', delta: 3n }),
      b.durable(COUNT, { type: 'increment', delta: -1n }),
      a.durable(LOG, { type: 'append', data: bytes(7) }),
    ];
    for (const e of events) one.receive(e);
    for (const e of [...events].reverse()) two.receive(e);
    expect(JSON.stringify(two.snapshot())).toBe(JSON.stringify(one.snapshot()));
    expect(one.snapshotAtom(COUNT)?.value).toMatchObject({ value: '2' });
    // equal effective τs: by author
    expect(one.heads()).toEqual([
      { author: A, seq: 3 },
      { author: B, seq: 2 },
    ]);
  });

  it('refuses bad atom definitions', () => {
    const { field } = setup(A);
    expect(() =>
      field.define(LOG, {
        stateType: StateType.Core,
        law: DeltaLaw.lww(),
        authority: { owners: [] },
      }),
    ).toThrow(AtomDefinitionError);
    expect(() =>
      field.define(atomId(99), {
        stateType: StateType.Core,
        law: DeltaLaw.appendLog(0),
        authority: { owners: [] },
      }),
    ).toThrow(AtomDefinitionError);
  });
});

describe('divergence control in the field', () => {
  it('flags a Core atom that lost events, clears idle Enhancement state, simplifies Perceptual frames', () => {
    const { field, time } = makeField(C, { limits: { quarantineAgeUs: 1_000 } });
    const FX = atomId(20);
    const VOICE = atomId(21);
    field.define(LOG, {
      stateType: StateType.Core,
      law: DeltaLaw.appendLog(),
      authority: { owners: [B] },
    });
    field.define(FX, {
      stateType: StateType.Enhancement,
      law: DeltaLaw.lww(),
      authority: { owners: [B] },
    });
    field.define(VOICE, {
      stateType: StateType.Perceptual,
      law: DeltaLaw.frames(10_000),
      authority: { owners: [B] },
    });
    const changes: AtomChange[] = [];
    field.onChange((c) => changes.push(c));
    const b = new Writer(B);
    field.receive(b.ephemeral(FX, { type: 'set', data: bytes(1) }, { time: T0 }));
    for (let i = 0; i < 3; i++) {
      field.receive(
        b.ephemeral(
          VOICE,
          { type: 'set', data: bytes(i) },
          { time: T0 - i * 10_000, eventType: EventType.VoiceFrame },
        ),
      );
    }
    b.durable(LOG, { type: 'append', data: bytes(1) }); // lost
    field.receive(b.durable(LOG, { type: 'append', data: bytes(2) }));
    field.expire(T0);
    // idle for 300 ms: 200 ms past the stale delay; Enhancement gains 5/s, Perceptual 3/s
    time.t += 300_000;
    field.expire();
    const causes = changes.map((c) => [c.atom, c.cause]);
    expect(causes).toContainEqual([LOG, 'flagged']);
    expect(causes).toContainEqual([FX, 'cleared']);
    expect(causes).toContainEqual([VOICE, 'simplified']);
    expect(field.atom(LOG)?.flagged).toBe(true);
    const v = field.atom(VOICE)?.state;
    expect(v?.kind === 'frames' && v.held().length).toBe(1);
    // Core state itself is never touched, and once the gap is filled it is actual again
    expect(logData(field)).toEqual([]);
    const again = new Writer(B);
    field.receive(again.durable(LOG, { type: 'append', data: bytes(1) }));
    field.receive(again.durable(LOG, { type: 'append', data: bytes(2) }));
    expect(logData(field)).toEqual([1, 2]);
    expect(field.atom(LOG)?.flagged).toBe(false);
  });

  it('counts waiting events for atoms resolved only later', () => {
    const { field } = makeField(C, {
      resolve: (id) =>
        id === atomId(30)
          ? { stateType: StateType.Core, law: DeltaLaw.appendLog(), authority: { owners: [B] } }
          : undefined,
    });
    const b = new Writer(B);
    const first = b.durable(atomId(30), { type: 'append', data: bytes(1) });
    field.receive(b.durable(atomId(30), { type: 'append', data: bytes(2) }));
    expect(field.atom(atomId(30))).toBeUndefined();
    field.receive(first);
    expect(field.atom(atomId(30))?.waiting).toBe(0);
    expect(logData(field, atomId(30))).toEqual([1, 2]);
  });

  it('a verifier that throws refuses the event instead of crashing', () => {
    const { field } = makeField(C, {
      verifier: () => {
        throw new Error('broken verifier');
      },
    });
    field.define(LOG, {
      stateType: StateType.Core,
      law: DeltaLaw.appendLog(),
      authority: { owners: [B] },
    });
    expect(field.receive(new Writer(B).durable(LOG, { type: 'append', data: bytes(1) }))).toEqual(
      rejected('BadSignature'),
    );
  });
});
