import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { propertyRuns } from '@elara/test-env';
import { simWorld, STATISTICAL_SEEDS } from '@elara/testkit';
import { Prng } from '@elara/core/sim';
import {
  decodeEnvelope,
  encodeEnvelope,
  type EventEnvelope,
  EventKind,
  EventType,
  type MutationOp,
  type NodeId,
  type StateId,
  StateType,
} from '@elara/core';
import {
  type AtomSpec,
  type AuthorityChange,
  type EventStamp,
  AuthorityScope,
  authorityChangeEventType,
  authorityChangeMutation,
  DeltaLaw,
  LocalEventRejectedError,
  ObservedSet,
  type StateField,
  setOpFor,
  setOpMutation,
  staticMembership,
} from '../src/index.ts';
import { atomId, bytes, makeField, ManualTime, node, T0, Writer } from './helpers.ts';

const LWW = atomId(1);
const LOG = atomId(2);
const SHORT_LOG = atomId(3);
const AW_SET = atomId(4);
const RW_SET = atomId(5);
const COUNTER = atomId(6);
const PRESENCE = atomId(7);
const FRAMES = atomId(8);
const GATED = atomId(9);

const QUARANTINE = { quarantineEvents: 3, quarantinePerAuthor: 2, quarantineBytes: 1024 };

function defineAtoms(field: StateField, owner: NodeId): void {
  const open = { owners: [owner], members: AuthorityScope.Full };
  const specs: [StateId, AtomSpec][] = [
    [LWW, { stateType: StateType.Core, law: DeltaLaw.lww(), authority: open }],
    [LOG, { stateType: StateType.Core, law: DeltaLaw.appendLog(), authority: open }],
    [SHORT_LOG, { stateType: StateType.Core, law: DeltaLaw.appendLog(5, 64), authority: open }],
    [AW_SET, { stateType: StateType.Core, law: DeltaLaw.addWinsSet(), authority: open }],
    [RW_SET, { stateType: StateType.Core, law: DeltaLaw.removeWinsSet(), authority: open }],
    [COUNTER, { stateType: StateType.Core, law: DeltaLaw.pnCounter(), authority: open }],
    [
      PRESENCE,
      { stateType: StateType.Perceptual, law: DeltaLaw.ephemeral(3_600_000_000), authority: open },
    ],
    [FRAMES, { stateType: StateType.Perceptual, law: DeltaLaw.frames(20_000, 4), authority: open }],
    [GATED, { stateType: StateType.Core, law: DeltaLaw.lww(), authority: { owners: [owner] } }],
  ];
  for (const [id, spec] of specs) field.define(id, spec);
}

interface Replica {
  readonly id: NodeId;
  readonly field: StateField;
  readonly time: ManualTime;
  readonly writer: Writer;
  readonly inbox: Uint8Array[];
  /** Frames refused as older than every kept frame (the one refusal for age allowed). */
  framesTooLate: number;
}

type Command =
  | { readonly kind: 'op'; readonly replica: number; readonly atom: number; readonly value: number }
  | { readonly kind: 'deliver'; readonly count: number }
  | { readonly kind: 'tick'; readonly us: number };

const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('op' as const),
      replica: fc.nat(),
      atom: fc.nat(),
      value: fc.nat({ max: 5 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('deliver' as const),
      count: fc.integer({ min: 1, max: 8 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('tick' as const),
      us: fc.integer({ min: 1, max: 30_000 }),
    }),
  },
);

/** A world of replicas wired by a lossless, reordering, duplicating network with repair. */
class World {
  readonly replicas: Replica[];
  readonly rng: Prng;
  now = T0;
  /** Durable events' bytes by "author:seq", for repair. */
  private readonly sent = new Map<string, Uint8Array>();
  /** Increments accepted at their author. */
  acceptedSum = 0n;
  appended = 0;
  maxQuarantine = 0;

  constructor(count: number, seed: number) {
    this.rng = new Prng(seed);
    const ids = Array.from({ length: count }, (_, i) => node(i + 1));
    const owner = ids[0] as NodeId;
    this.replicas = ids.map((id) => {
      // huge horizons: every ephemeral event is merged, late ones with their weight
      const time = new ManualTime(T0, 3_600_000_000, 3_600_000_000);
      const { field } = makeField(id, {
        time,
        membership: staticMembership(ids),
        limits: QUARANTINE,
      });
      defineAtoms(field, owner);
      const replica: Replica = {
        id,
        field,
        time,
        writer: new Writer(id),
        inbox: [],
        framesTooLate: 0,
      };
      field.onEviction((r) => {
        if (r.kind !== EventKind.Durable) return;
        // the runtime's repair: fetch the evicted event (and what it waited for) again
        for (const key of [
          `${r.author}:${r.number}`,
          r.missing && `${r.missing.author}:${r.missing.seq}`,
        ]) {
          const raw = key ? this.sent.get(key) : undefined;
          if (raw !== undefined) replica.inbox.push(raw);
        }
      });
      return replica;
    });
  }

  private send(from: Replica, envelope: EventEnvelope): void {
    const raw = encodeEnvelope(envelope);
    if (envelope.kind === EventKind.Durable)
      this.sent.set(`${envelope.author}:${envelope.seq}`, raw);
    for (const r of this.replicas) if (r !== from) r.inbox.push(raw);
  }

  op(replicaIndex: number, atomIndex: number, value: number): void {
    const r = this.replicas[replicaIndex % this.replicas.length] as Replica;
    const f = r.field;
    const time = this.now;
    const durable = (
      target: StateId,
      mutation: MutationOp,
      eventType: EventType = EventType.StateUpdate,
    ): EventEnvelope => {
      r.writer.seq = f.processedOf(r.id);
      // 0 to K dependencies: fewer leave more events concurrent
      const deps = f.heads(this.rng.int(0, 4));
      return r.writer.durable(target, mutation, { time, deps, eventType });
    };
    const set = (target: StateId, removeWins: boolean): EventEnvelope => {
      const s = f.atom(target)?.state;
      const element = bytes(value % 2);
      const view = s instanceof ObservedSet ? s : new ObservedSet(removeWins, 1);
      return durable(target, setOpMutation(setOpFor(view, value < 3 ? 'add' : 'remove', element)));
    };
    let envelope: EventEnvelope;
    switch (atomIndex % 12) {
      case 0:
        envelope = durable(
          LWW,
          value === 0 ? { type: 'delete' } : { type: 'set', data: bytes(value) },
        );
        break;
      case 1:
        envelope = durable(LOG, { type: 'append', data: bytes(value, replicaIndex) });
        break;
      case 2:
        envelope = durable(SHORT_LOG, {
          type: 'append',
          data: bytes(value, 1, 2, 3, 4, 5, 6, 7, 8, 9),
        });
        break;
      case 3:
      case 4:
        envelope = set(AW_SET, false);
        break;
      case 5:
      case 6:
        envelope = set(RW_SET, true);
        break;
      case 7:
        envelope = durable(COUNTER, { type: 'increment', delta: BigInt(value - 2) });
        break;
      case 8:
        envelope = r.writer.ephemeral(
          PRESENCE,
          value === 0 ? { type: 'delete' } : { type: 'set', data: bytes(value) },
          { time },
        );
        break;
      case 9:
        envelope = r.writer.ephemeral(
          FRAMES,
          { type: 'set', data: bytes(value) },
          {
            time: time - value * 20_000,
            eventType: EventType.VoiceFrame,
          },
        );
        break;
      case 10: {
        const n = this.replicas.length;
        if (replicaIndex % n === 0) {
          const target = node(1 + (value % n));
          const change: AuthorityChange =
            value % 2 === 0
              ? { grant: true, node: target, scope: AuthorityScope.Full }
              : { grant: false, node: target };
          envelope = durable(
            GATED,
            authorityChangeMutation(change),
            authorityChangeEventType(change),
          );
        } else envelope = durable(GATED, { type: 'set', data: bytes(value) });
        break;
      }
      default:
        envelope = durable(LWW, { type: 'set', data: bytes(10 + value) });
    }
    try {
      f.applyLocal(envelope);
    } catch (e) {
      // Writes the author may not make are refused locally and never sent.
      if (!LocalEventRejectedError.isInstance(e)) throw e;
      return;
    }
    if (envelope.kind === EventKind.Durable) {
      const m = envelope.mutation;
      if (envelope.target === COUNTER && m.type === 'increment') this.acceptedSum += m.delta;
      if (envelope.target === LOG) this.appended++;
    }
    this.send(r, envelope);
  }

  deliver(count: number): void {
    for (let i = 0; i < count; i++) {
      const pending = this.replicas.filter((r) => r.inbox.length > 0);
      if (pending.length === 0) return;
      const r = pending[this.rng.int(0, pending.length - 1)] as Replica;
      // half the time the newest first, which delivers chains backwards (quarantine pressure)
      const k = this.rng.chance(0.5) ? r.inbox.length - 1 : this.rng.int(0, r.inbox.length - 1);
      const raw = r.inbox[k] as Uint8Array;
      // duplication: sometimes the datagram stays to be delivered again
      if (!this.rng.chance(0.2)) r.inbox.splice(k, 1);
      const o = r.field.receiveBytes(raw);
      if (o.status === 'rejected' && o.reason === 'TooLate') {
        // only the frames law refuses for age (ephemeral, older than every kept frame)
        expect(decodeEnvelope(raw).target).toBe(FRAMES);
        r.framesTooLate++;
      }
      const q = r.field.quarantineStats();
      this.maxQuarantine = Math.max(this.maxQuarantine, q.events);
      expect(q.events).toBeLessThanOrEqual(QUARANTINE.quarantineEvents);
      expect(q.bytes).toBeLessThanOrEqual(QUARANTINE.quarantineBytes);
    }
  }

  tick(us: number): void {
    this.now += us;
    for (const r of this.replicas) {
      r.time.t = this.now;
      r.field.expire();
    }
  }

  drain(): void {
    for (let guard = 0; guard < 100_000; guard++) {
      if (this.replicas.every((r) => r.inbox.length === 0)) break;
      this.deliver(1);
    }
    this.tick(1);
  }
}

const snapshotOf = (r: Replica): string => JSON.stringify(r.field.snapshot());

describe('replicas converge', () => {
  it('≥ 5 replicas, random operations on every law, random delivery with duplication and repair', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 5, max: 6 }),
        fc.array(command, { minLength: 1, maxLength: 80 }),
        fc.integer(),
        (count, commands, seed) => {
          const world = new World(count, seed);
          for (const c of commands) {
            if (c.kind === 'op') world.op(c.replica, c.atom, c.value);
            else if (c.kind === 'deliver') world.deliver(c.count);
            else world.tick(c.us);
          }
          world.drain();
          const [first, ...rest] = world.replicas as [Replica, ...Replica[]];
          const expected = snapshotOf(first);
          for (const r of rest) expect(snapshotOf(r), `replica ${r.id}`).toBe(expected);
          for (const r of world.replicas) {
            // no accepted event lost: every increment and every append is there
            const counter = r.field.atom(COUNTER)?.state;
            expect(counter?.kind === 'pn-counter' && counter.value).toBe(world.acceptedSum);
            const log = r.field.atom(LOG)?.state;
            expect(log?.kind === 'append-log' && log.length).toBe(world.appended);
            expect(r.field.quarantineStats().events).toBe(0);
            const c = r.field.counters();
            // nothing an author accepted is refused elsewhere (but frames older than every kept
            // frame, and the quarantine's refusals, which repair makes good)
            const refused =
              Object.values(c.rejected).reduce((a, b) => a + b, 0) -
              c.rejected.QuarantineFull -
              r.framesTooLate;
            expect(refused).toBe(0);
          }
        },
      ),
      { numRuns: propertyRuns(200, 2_000) },
    );
  });

  it("8 authors appending concurrently to one log: one order, each author's order kept", () => {
    for (const seed of STATISTICAL_SEEDS) {
      const rng = simWorld(seed).rng;
      const ids = Array.from({ length: 8 }, (_, i) => node(i + 1));
      const fields = ids.map((id) => {
        const { field } = makeField(id, { membership: staticMembership(ids) });
        field.define(LOG, {
          stateType: StateType.Core,
          law: DeltaLaw.appendLog(),
          authority: { owners: [], members: AuthorityScope.Append },
        });
        return field;
      });
      const writers = ids.map((id) => new Writer(id));
      const inboxes: EventEnvelope[][] = fields.map(() => []);
      // Each author writes 25 entries; clocks are skewed per author and sometimes step back.
      for (let round = 0; round < 25; round++) {
        for (const [i, w] of writers.entries()) {
          const f = fields[i] as StateField;
          const skew = (i - 4) * 3_000 + rng.int(-2_000, 2_000);
          const e = w.durable(
            LOG,
            { type: 'append', data: bytes(i, round) },
            {
              time: T0 + round * 1_000 + skew,
              deps: f.heads(),
            },
          );
          f.applyLocal(e);
          for (const [j, inbox] of inboxes.entries()) if (j !== i) inbox.push(e);
        }
        // partial, random delivery between rounds
        for (const [j, inbox] of inboxes.entries()) {
          for (let k = rng.int(0, inbox.length); k > 0 && inbox.length > 0; k--) {
            const at = rng.int(0, inbox.length - 1);
            (fields[j] as StateField).receive(inbox.splice(at, 1)[0] as EventEnvelope);
          }
        }
      }
      for (const [j, inbox] of inboxes.entries()) {
        while (inbox.length > 0) {
          const at = rng.int(0, inbox.length - 1);
          (fields[j] as StateField).receive(inbox.splice(at, 1)[0] as EventEnvelope);
        }
      }
      const orders = fields.map((f) => {
        const s = f.atom(LOG)?.state;
        return s?.kind === 'append-log' ? [...s.entries()].map((e) => [e.data[0], e.data[1]]) : [];
      });
      for (const o of orders) expect(o).toEqual(orders[0]);
      const order = orders[0] as number[][];
      expect(order).toHaveLength(200);
      for (let a = 0; a < 8; a++) {
        const rounds = order.filter(([author]) => author === a).map(([, round]) => round);
        expect(rounds, `author ${a}, seed ${seed}`).toEqual(
          [...rounds].sort((x, y) => (x ?? 0) - (y ?? 0)),
        );
        expect(rounds).toHaveLength(25);
      }
    }
  });
});

describe('ephemeral replicas converge', () => {
  const E_SET = atomId(20);
  const E_TTL = atomId(21);
  const D_SET = atomId(22);
  const TTL = 60_000;
  const HP = 10_000; // events stamped further ahead than this wait in quarantine

  it('held events (ahead of τs), TTL expiry, ephemeral and durable sets; no set op lost', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 5, max: 6 }),
        fc.array(command, { minLength: 1, maxLength: 80 }),
        fc.integer(),
        (count, commands, seed) => {
          const rng = new Prng(seed);
          const ids = Array.from({ length: count }, (_, i) => node(i + 1));
          let now = T0;
          const replicas = ids.map((id) => {
            const time = new ManualTime(T0, 3_600_000_000, HP);
            const { field } = makeField(id, {
              time,
              membership: staticMembership(ids),
              limits: { ephemeralRatePerSecond: 1e9, ephemeralBurst: 1e9 },
            });
            const open = { owners: [ids[0] as NodeId], members: AuthorityScope.Full };
            const perceptual = StateType.Perceptual;
            field.define(E_SET, {
              stateType: perceptual,
              law: DeltaLaw.addWinsSet(),
              authority: open,
            });
            field.define(E_TTL, {
              stateType: perceptual,
              law: DeltaLaw.ephemeral(TTL),
              authority: open,
            });
            field.define(D_SET, {
              stateType: StateType.Core,
              law: DeltaLaw.removeWinsSet(),
              authority: open,
            });
            return { id, field, time, writer: new Writer(id), inbox: [] as Uint8Array[] };
          });
          // every set op accepted at its author, in an order that respects what it observed
          const accepted: [StateId, EventStamp, MutationOp][] = [];
          const op = (ri: number, atom: number, value: number): void => {
            const r = replicas[ri % replicas.length] as (typeof replicas)[number];
            const f = r.field;
            // some events are stamped ahead of τs by more than HP: held on arrival
            const time = now + rng.int(-5_000, 30_000);
            const element = bytes(value % 2);
            let envelope: EventEnvelope;
            if (atom % 3 === 2) {
              envelope = r.writer.ephemeral(E_TTL, { type: 'set', data: bytes(value) }, { time });
            } else {
              const target = atom % 3 === 0 ? E_SET : D_SET;
              const set = f.atom(target)?.state as ObservedSet;
              const m = setOpMutation(setOpFor(set, value < 3 ? 'add' : 'remove', element));
              if (target === E_SET) {
                envelope = r.writer.ephemeral(E_SET, m, { time, eventType: EventType.StateUpdate });
              } else {
                r.writer.seq = f.processedOf(r.id);
                envelope = r.writer.durable(D_SET, m, { time: now, deps: f.heads(rng.int(0, 3)) });
              }
            }
            try {
              f.applyLocal(envelope);
            } catch (e) {
              if (!LocalEventRejectedError.isInstance(e)) throw e;
              return;
            }
            if (envelope.target !== E_TTL) {
              const number = envelope.kind === EventKind.Durable ? envelope.seq : envelope.counter;
              const stamp = { author: r.id, number, time, kind: envelope.kind, weight: 1 };
              accepted.push([envelope.target, stamp, envelope.mutation]);
            }
            const raw = encodeEnvelope(envelope);
            for (const o of replicas) if (o !== r) o.inbox.push(raw);
          };
          const deliver = (n: number): void => {
            for (let i = 0; i < n; i++) {
              const pending = replicas.filter((r) => r.inbox.length > 0);
              if (pending.length === 0) return;
              const r = pending[rng.int(0, pending.length - 1)] as (typeof replicas)[number];
              const k = rng.chance(0.5) ? r.inbox.length - 1 : rng.int(0, r.inbox.length - 1);
              const raw = r.inbox[k] as Uint8Array;
              if (!rng.chance(0.2)) r.inbox.splice(k, 1);
              const o = r.field.receiveBytes(raw);
              // only a TTL that passed may refuse an event (and only on the TTL atom)
              if (o.status === 'rejected') {
                expect([o.reason, decodeEnvelope(raw).target]).toEqual(['Expired', E_TTL]);
              }
            }
          };
          const tick = (us: number): void => {
            now += us;
            for (const r of replicas) {
              r.time.t = now;
              r.field.expire();
            }
          };
          for (const c of commands) {
            if (c.kind === 'op') op(c.replica, c.atom, c.value);
            else if (c.kind === 'deliver') deliver(c.count);
            else tick(c.us);
          }
          for (let g = 0; g < 100_000 && replicas.some((r) => r.inbox.length > 0); g++) deliver(1);
          tick(40_000); // every held event's time has come
          const [first, ...rest] = replicas as [(typeof replicas)[number], ...typeof replicas];
          for (const r of replicas) expect(r.field.quarantineStats().events).toBe(0);
          for (const r of rest) expect(r.field.snapshot()).toEqual(first.field.snapshot());
          // no accepted set op lost: each set equals one that merged them all in causal order
          for (const [target, removeWins] of [
            [E_SET, false],
            [D_SET, true],
          ] as const) {
            const reference = new ObservedSet(removeWins, 1 << 20);
            const done = new Set<string>();
            const context = {
              processed: (a: NodeId, n: number) => done.has(`${a}:${n}`),
              settledBelow: () => false,
            };
            for (const [t, stamp, m] of accepted) {
              if (t !== target) continue;
              reference.apply(stamp, m, context, false);
              done.add(`${stamp.author}:${stamp.number}`);
            }
            expect(first.field.snapshotAtom(target)?.value).toEqual(reference.snapshot());
          }
          tick(TTL + 40_000); // every TTL passes alike
          for (const r of rest) expect(r.field.snapshot()).toEqual(first.field.snapshot());
        },
      ),
      { numRuns: propertyRuns(150, 1_500) },
    );
  });
});
