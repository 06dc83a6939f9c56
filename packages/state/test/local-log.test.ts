import { describe, expect, it } from 'vitest';
import {
  type DurableEnvelope,
  encodeEnvelope,
  EventType,
  StateType,
  verifyEnvelope,
  verifyEnvelopeBytes,
} from '@elara/core';
import {
  AckTable,
  DeltaLaw,
  EventStore,
  LocalEventRejectedError,
  LocalEvents,
  LocalLog,
  LocalLogFullError,
  LocalNumberingError,
  LocalSequenceError,
  membershipEventType,
  membershipMutation,
} from '../src/index.ts';
import {
  atomId,
  bytes,
  makeField,
  node,
  SESSION,
  T0,
  toySigner,
  toyVerifier,
  Writer,
} from './helpers.ts';
import { addEntry, entryEvent, idOf, membershipReplica } from './replication-helpers.ts';

const SELF = node(1);
const P = node(2);
const Q = node(3);
const LOG = atomId(1);
const PRESENCE = atomId(2);
const LOCKED = atomId(3);

function events(n: number, size = 1): DurableEnvelope[] {
  const w = new Writer(SELF);
  return Array.from({ length: n }, () =>
    w.durable(LOG, { type: 'append', data: new Uint8Array(size) }),
  );
}

function twoMembers(limits: { maxEvents?: number; maxBytes?: number }) {
  const acks = new AckTable();
  acks.setMembers([P, Q]);
  return { acks, log: new LocalLog({ self: SELF, acks, limits }) };
}

describe('local log', () => {
  it('fills, refuses with LocalLogFullError, and drains as every member acknowledges', () => {
    const { acks, log } = twoMembers({ maxEvents: 3 });
    const e = events(5);
    for (const x of e.slice(0, 3)) log.append(x);
    expect(log.size).toBe(3);
    const full = (() => {
      try {
        log.append(e[3] as DurableEnvelope);
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(LocalLogFullError.isInstance(full)).toBe(true);
    expect((full as LocalLogFullError).bound).toBe('count');
    expect(() => log.reserve(10)).toThrow(LocalLogFullError);
    expect(log.size).toBe(3);
    // P holds everything, Q nothing yet: nothing drains
    acks.record(P, SELF, 3);
    expect(log.size).toBe(3);
    expect(log.pendingFor(P)).toEqual([]);
    expect(log.pendingFor(Q)).toHaveLength(3);
    // Q's digest holds 1..2 (a hole at 3): events 1 and 2 drain
    acks.recordDigest(Q, { heads: new Map([[SELF, 3]]), gaps: [{ author: SELF, from: 3, to: 3 }] });
    expect(log.pendingSeqs()).toEqual([3]);
    log.append(e[3] as DurableEnvelope);
    log.append(e[4] as DurableEnvelope);
    expect(log.pendingSeqs()).toEqual([3, 4, 5]);
    // Q leaves: only P counts, and P acknowledged 3
    acks.setMembers([P]);
    expect(log.pendingSeqs()).toEqual([4, 5]);
    acks.record(P, SELF, 5);
    expect(log.size).toBe(0);
    expect(log.bytes).toBe(0);
  });

  it('is bounded by bytes too', () => {
    const e = events(3, 100);
    const size = log1(e[0] as DurableEnvelope);
    const { log } = twoMembers({ maxBytes: 2 * size + 10 });
    log.append(e[0] as DurableEnvelope);
    log.append(e[1] as DurableEnvelope);
    try {
      log.append(e[2] as DurableEnvelope);
      expect.unreachable();
    } catch (err) {
      expect(LocalLogFullError.isInstance(err)).toBe(true);
      expect((err as LocalLogFullError).bound).toBe('bytes');
    }
    expect(log.bytes).toBe(2 * size);
  });

  it('keeps nothing when no other member is waiting, once drained', () => {
    const log = new LocalLog({ self: SELF, acks: new AckTable(), limits: { maxEvents: 1 } });
    for (const x of events(5)) log.append(x); // each append drains the one before
    expect(log.pendingSeqs()).toEqual([5]);
    expect(log.drain()).toBe(1);
    expect(log.size).toBe(0);
  });

  it("takes only this node's events, in seq order", () => {
    const { log } = twoMembers({});
    const e = events(3);
    expect(() =>
      log.append(new Writer(P).durable(LOG, { type: 'append', data: bytes(1) })),
    ).toThrow(LocalSequenceError);
    log.append(e[0] as DurableEnvelope);
    expect(() => log.append(e[2] as DurableEnvelope)).toThrow(LocalSequenceError);
  });
});

function log1(e: DurableEnvelope): number {
  const probe = new LocalLog({ self: SELF, acks: twoMembers({}).acks });
  return probe.append(e).length;
}

function writerSetup(limits: { maxEvents?: number } = {}, maxCounters?: number) {
  const { field, time } = makeField(SELF, { verifier: toyVerifier() });
  field.define(LOG, {
    stateType: StateType.Core,
    law: DeltaLaw.appendLog(),
    authority: { owners: [SELF] },
  });
  field.define(LOCKED, {
    stateType: StateType.Core,
    law: DeltaLaw.appendLog(),
    authority: { owners: [P] },
  });
  field.define(PRESENCE, {
    stateType: StateType.Perceptual,
    law: DeltaLaw.ephemeral(1_000_000),
    authority: { owners: [SELF] },
  });
  const { acks, log } = twoMembers(limits);
  const local = new LocalEvents({
    field,
    signer: toySigner(SELF),
    now: () => time.now(),
    log,
    ...(maxCounters === undefined ? {} : { maxCounters }),
  });
  return { field, acks, log, local, time };
}

const text = (x: number) => ({
  target: LOG,
  eventType: EventType.TextAppend,
  mutation: { type: 'append' as const, data: bytes(x) },
});

describe('local events', () => {
  it('number durable events contiguously from 1, signed, applied first and logged', () => {
    const { field, log, local } = writerSetup();
    const written = [1, 2, 3].map((x) => local.durable(text(x)));
    expect(written.map((w) => w.envelope.seq)).toEqual([1, 2, 3]);
    for (const w of written) {
      expect(verifyEnvelope(SESSION, w.envelope, toyVerifier([SELF]))).toBe(true);
      expect(w.envelope.time).toBe(T0);
    }
    expect(field.processedOf(SELF)).toBe(3);
    expect(log.pendingSeqs()).toEqual([1, 2, 3]);
    expect(local.nextSeq()).toBe(4);
  });

  it('leave no gap when the log is full or the field refuses: nothing applied, nothing consumed', () => {
    const { field, acks, log, local } = writerSetup({ maxEvents: 2 });
    local.durable(text(1));
    local.durable(text(2));
    const before = JSON.stringify(field.snapshot());
    expect(() => local.durable(text(3))).toThrow(LocalLogFullError);
    expect(JSON.stringify(field.snapshot())).toBe(before);
    expect(field.processedOf(SELF)).toBe(2);
    acks.record(P, SELF, 2);
    acks.record(Q, SELF, 1);
    expect(() => local.durable({ ...text(9), target: LOCKED })).toThrow(LocalEventRejectedError);
    expect(field.processedOf(SELF)).toBe(2);
    expect(local.durable(text(3)).envelope.seq).toBe(3);
    expect(log.pendingSeqs()).toEqual([2, 3]);
  });

  it('count ephemeral events per atom from 0, consuming a counter even when refused', () => {
    const { time, local } = writerSetup({}, 1);
    const presence = (x: number) => ({
      target: PRESENCE,
      eventType: EventType.PresenceUpdate,
      mutation: { type: 'set' as const, data: bytes(x) },
    });
    expect(local.ephemeral(presence(1)).envelope.counter).toBe(0);
    expect(local.ephemeral(presence(2)).envelope.counter).toBe(1);
    // an entry whose TTL already passed is refused; its counter is gone anyway
    expect(() => local.ephemeral({ ...presence(3), time: time.now() - 2_000_000 })).toThrow(
      LocalEventRejectedError,
    );
    expect(local.nextCounter(PRESENCE)).toBe(3);
    // counters for one atom at most (maxCounters 1)
    expect(() => local.ephemeral({ ...presence(4), target: atomId(99) })).toThrow(
      LocalNumberingError,
    );
  });

  it('depend on the entry that admitted this node, so every replica sees it as a member', () => {
    const F = node(10);
    const X = node(11);
    const founder = membershipReplica(X, F);
    const add = entryEvent(new Writer(F), founder.log, addEntry(X));
    expect(founder.field.receive(add).status).toBe('applied');
    const local = new LocalEvents({
      field: founder.field,
      signer: toySigner(X),
      now: () => T0,
      membership: founder.log,
    });
    const first = local.durable({
      target: atomId(20),
      eventType: EventType.TextAppend,
      mutation: { type: 'append', data: bytes(1) },
      dependencies: [],
    });
    expect(first.envelope.dependencies).toEqual([idOf(add)]);
    const second = local.durable({
      target: atomId(20),
      eventType: EventType.TextAppend,
      mutation: { type: 'append', data: bytes(2) },
      dependencies: [],
    });
    expect(second.envelope.dependencies).toEqual([]);
    // another replica accepts both as a member's
    const other = membershipReplica(node(12), F);
    for (const e of [second.envelope, first.envelope, add]) other.field.receive(e);
    expect(other.field.counters().rejected.Unauthorized).toBe(0);
    expect(other.field.processedOf(X)).toBe(2);
  });
});

describe('local events: review findings', () => {
  it('number a write made from a change listener after the one being applied', () => {
    const { field, log, local } = writerSetup();
    local.durable(text(1));
    let inner: number | undefined;
    field.onChange(() => {
      if (inner === undefined && field.processedOf(SELF) < 3)
        inner = local.durable({ ...text(9), target: LOG }).envelope.seq;
    });
    expect(local.durable(text(2)).envelope.seq).toBe(2);
    expect(inner).toBe(3);
    expect(field.counters().listenerErrors).toBe(0);
    expect(field.processedOf(SELF)).toBe(3);
    expect(log.pendingSeqs()).toEqual([1, 2, 3]);
    expect(local.durable(text(4)).envelope.seq).toBe(4);
    expect(log.pendingSeqs()).toEqual([1, 2, 3, 4]);
  });

  it('encode a durable event once: the log and the store keep the bytes it returns', () => {
    const store = new EventStore();
    const { field, time } = makeField(SELF, { observers: [store] });
    field.define(LOG, {
      stateType: StateType.Core,
      law: DeltaLaw.appendLog(),
      authority: { owners: [SELF] },
    });
    const { log } = twoMembers({});
    const local = new LocalEvents({ field, signer: toySigner(SELF), now: () => time.now(), log });
    const written = local.durable(text(1));
    expect(written.bytes).toEqual(encodeEnvelope(written.envelope));
    expect(store.get(SELF, 1)).toBe(written.bytes);
    expect(log.pendingFor(P)[0]).toBe(written.bytes);
    expect(verifyEnvelopeBytes(SESSION, written.bytes, toyVerifier([SELF]))).toBe(true);
  });

  it('keep an entry that adds the first other member until it acknowledges it', () => {
    const r = membershipReplica(node(10), node(10));
    const acks = new AckTable();
    const log = new LocalLog({ self: node(10), acks });
    r.field.onChange((c) => {
      if (c.atom === r.log.atom) {
        acks.setMembers(
          r.log
            .members()
            .map((m) => m.id)
            .filter((id) => id !== node(10)),
        );
      }
    });
    const local = new LocalEvents({
      field: r.field,
      signer: toySigner(node(10)),
      now: () => T0,
      log,
    });
    const entry = addEntry(P);
    local.durable({
      target: r.log.atom,
      eventType: membershipEventType(entry),
      mutation: membershipMutation(entry),
    });
    expect(log.pendingSeqs()).toEqual([1]);
    acks.record(P, node(10), 1);
    expect(log.size).toBe(0);
  });
});

describe('ack table', () => {
  it('ignores and counts acknowledgements of non-members, out of range, beyond its bounds', () => {
    const t = new AckTable({ maxMembers: 2, maxAuthors: 2 });
    t.setMembers([P, Q]);
    expect(t.record(node(9), SELF, 3)).toBe(false);
    for (const bad of [-1, 0.5, Number.NaN, 2 ** 32]) expect(t.record(P, SELF, bad)).toBe(false);
    expect(t.ignored).toBe(5);
    expect(t.record(P, node(5), 1)).toBe(false); // Q has not acknowledged node 5 yet
    t.record(P, node(6), 1);
    expect(t.record(P, node(7), 1)).toBe(false); // a third author for P
    expect(t.ignored).toBe(6);
    expect(t.acked(P, node(7))).toBe(0);
    expect(t.record(Q, node(5), 4)).toBe(true);
    expect(t.ackedByAll(node(5))).toBe(1);
    // lower acknowledgements are ignored (not counted): they only grow
    expect(t.record(Q, node(5), 2)).toBe(false);
    expect(t.acked(Q, node(5))).toBe(4);
  });

  it('holds everything back while more members than it tracks are in the session', () => {
    const t = new AckTable({ maxMembers: 2 });
    const log = new LocalLog({ self: SELF, acks: t });
    t.setMembers([P, Q]);
    for (const e of events(3)) log.append(e);
    t.record(P, SELF, 3);
    t.record(Q, SELF, 1);
    expect(log.pendingSeqs()).toEqual([2, 3]);
    t.setMembers([P, Q, node(9)]); // node 9 is not tracked: it may lack anything
    expect(t.ignored).toBe(1);
    expect(t.ackedByAll(SELF)).toBe(0);
    t.record(Q, SELF, 3);
    expect(log.pendingSeqs()).toEqual([2, 3]);
    t.setMembers([P, Q]); // fits again: what both hold drains
    expect(t.ackedByAll(SELF)).toBe(3);
    expect(log.size).toBe(0);
  });
});
