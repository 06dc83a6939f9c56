import { describe, expect, it } from 'vitest';
import {
  ClosedError,
  EventKind,
  EventType,
  messageIdFromEvent,
  OutOfRangeError,
  StateType,
  encodeEnvelope,
  stateIdFromParts,
  StateTypePrefix,
} from '@elara/core';
import { VirtualScheduler } from '@elara/core/sim';
import {
  AckTable,
  DeltaLaw,
  LocalEvents,
  LocalLog,
  LocalLogFullError,
  StateField,
  staticMembership,
} from '@elara/state';
import { TimeEngine } from '@elara/time';
import { Feed } from '../src/feed.ts';
import {
  StreamKind,
  Streams,
  StreamOptionsError,
  TooManyStreamsError,
  streamAtomId,
  streamAtomResolver,
  streamInstance,
  streamKindOf,
  streamOptions,
} from '../src/index.ts';
import { ALICE, BOB, SESSION, connect, replica, signerFor, verifier } from './helpers.ts';

const T0 = 1_800_000_000_000_000;

describe('the registry', () => {
  it('one stream per kind and key; keys are 48-bit instances or hashed names', () => {
    const r = replica(ALICE, new VirtualScheduler(T0));
    const s = r.streams;
    expect(s.text('general')).toBe(s.text('general'));
    expect(s.text(7)).toBe(s.text(7n));
    expect(s.presence()).toBe(s.presence(0));
    expect(s.typing('general').atom).toBe(
      stateIdFromParts(StateTypePrefix.Typing, streamInstance('general')),
    );
    expect(s.list().map((i) => [i.kind, i.atom])).toEqual([
      [StreamKind.Text, streamAtomId(StreamKind.Text, 'general')],
      [StreamKind.Text, streamAtomId(StreamKind.Text, 7)],
      [StreamKind.Presence, streamAtomId(StreamKind.Presence, 0)],
      [StreamKind.Typing, streamAtomId(StreamKind.Typing, 'general')],
    ]);
    expect(streamInstance('general')).toBe(streamInstance('general'));
    expect(streamInstance('general')).not.toBe(streamInstance('random'));
    expect(streamInstance('general') < 1n << 48n).toBe(true);
    for (const bad of [-1, 2 ** 48, 1.5, Number.NaN, 1n << 48n]) {
      expect(() => streamInstance(bad), String(bad)).toThrow(OutOfRangeError);
    }
    expect(streamKindOf(streamAtomId(StreamKind.Presence, 3))).toBe(StreamKind.Presence);
    expect(streamKindOf(stateIdFromParts(StateTypePrefix.Voice, 3))).toBeUndefined();
  });

  it('at most maxStreams streams', () => {
    const r = replica(ALICE, new VirtualScheduler(T0), { options: { maxStreams: 2 } });
    r.streams.text(1);
    r.streams.typing(1);
    expect(() => r.streams.presence()).toThrow(TooManyStreamsError);
    expect(r.streams.text(1)).toBeDefined(); // already open: fine
  });

  it('closing one stream lets it go: not listed, not counted, opened again afresh', () => {
    const clock = new VirtualScheduler(T0);
    const r = replica(ALICE, clock, { options: { maxStreams: 2 } });
    const t = r.streams.text('room');
    t.send('kept by the field');
    r.streams.presence();
    expect(() => r.streams.typing('room')).toThrow(TooManyStreamsError);
    t.close();
    expect(r.streams.list().map((i) => i.kind)).toEqual([StreamKind.Presence]);
    expect(() => t.send('late')).toThrow(ClosedError);
    const again = r.streams.text('room');
    expect(again).not.toBe(t);
    expect(again.messages().map((m) => m.content)).toEqual(['kept by the field']);
    again.send('and more');
    expect(again.messages().map((m) => m.content)).toEqual(['kept by the field', 'and more']);
    expect(t.messages().length).toBe(1); // the closed one no longer follows
    r.streams.presence().close();
    expect(r.streams.typing('room')).toBeDefined(); // room for it now
    r.streams.close();
    expect(r.streams.list()).toEqual([]);
  });

  it('an atom held with another law is not taken for a stream', () => {
    const r = replica(ALICE, new VirtualScheduler(T0), { resolver: false });
    r.field.define(streamAtomId(StreamKind.Text, 5), {
      stateType: StateType.Core,
      law: DeltaLaw.lww(),
      authority: { owners: [ALICE] },
    });
    expect(() => r.streams.text(5)).toThrow(StreamOptionsError);
  });

  it('outgoing$: every local event after it was applied, durable text and ephemeral presence', () => {
    const r = replica(ALICE, new VirtualScheduler(T0));
    const seen: string[] = [];
    r.streams.outgoing$.subscribe({
      next: ({ envelope: e, bytes }) => {
        expect(bytes).toEqual(encodeEnvelope(e));
        // Applied before it is emitted: the field already holds it.
        if (e.kind === EventKind.Durable) expect(r.field.processedOf(ALICE)).toBe(e.seq);
        seen.push(`${e.kind === EventKind.Durable ? 'durable' : 'ephemeral'}:${e.eventType}`);
      },
      complete: () => seen.push('complete'),
    });
    r.streams.text(1).send('hi');
    r.streams.presence().join();
    r.streams.typing(1).start();
    r.streams.close();
    expect(seen).toEqual(['durable:128', 'ephemeral:160', 'ephemeral:161', 'complete']);
  });

  it('without the resolver: ephemeral events of unopened streams are refused, durable ones wait', () => {
    const clock = new VirtualScheduler(T0);
    const a = replica(ALICE, clock, { members: [ALICE, BOB] });
    const b = replica(BOB, clock, { members: [ALICE, BOB], resolver: false });
    a.streams.text('later').send('early bird');
    a.streams.presence().join();
    for (const e of a.sent) b.field.receiveBytes(encodeEnvelope(e), { from: ALICE });
    expect(b.field.counters().rejected.UnknownAtom).toBe(1);
    expect(b.field.quarantineStats().events).toBe(1);
    expect(
      b.streams
        .text('later')
        .messages()
        .map((m) => m.content),
    ).toEqual(['early bird']);
    expect(b.streams.presence().present()).toEqual([]);
    connect([a, b]);
    a.streams.presence().heartbeat();
    expect(
      b.streams
        .presence()
        .present()
        .map((p) => p.user),
    ).toEqual([ALICE]);
  });

  it('streamAtomResolver declares the three kinds, nothing else; text within its budget', () => {
    const resolve = streamAtomResolver(streamOptions(), { text: ['general', 7] });
    expect(resolve(streamAtomId(StreamKind.Text, 1))?.law.kind).toBe('append-log');
    expect(resolve(streamAtomId(StreamKind.Presence, 0))).toMatchObject({
      stateType: StateType.Perceptual,
      law: { kind: 'ephemeral', ttlUs: 30_000_000 },
    });
    expect(resolve(streamAtomId(StreamKind.Typing, 1))?.law).toEqual({
      kind: 'ephemeral',
      ttlUs: 5_000_000,
    });
    expect(resolve(stateIdFromParts(StateTypePrefix.Feed, 1))).toBeUndefined();
    // 64 MiB by default: four 16 MiB logs not listed (stream 1 above is one), the first come.
    for (const k of [2, 3, 4]) expect(resolve(streamAtomId(StreamKind.Text, k))).toBeDefined();
    expect(resolve(streamAtomId(StreamKind.Text, 5))).toBeUndefined();
    expect(resolve(streamAtomId(StreamKind.Text, 1))).toBeDefined(); // asked again: the same
    for (const k of ['general', 7]) expect(resolve(streamAtomId(StreamKind.Text, k))).toBeDefined();
    expect(resolve(streamAtomId(StreamKind.Presence, 99))).toBeDefined(); // never budgeted
    // Budget 0: only the listed text streams.
    const listed = streamAtomResolver(streamOptions(), { text: ['general'], textBudgetBytes: 0 });
    expect(listed(streamAtomId(StreamKind.Text, 'general'))).toBeDefined();
    expect(listed(streamAtomId(StreamKind.Text, 'random'))).toBeUndefined();
    // The budget counts logs of the configured size.
    const small = streamOptions({ text: { maxLogBytes: 1_024 * 1_024 } });
    const many = streamAtomResolver(small, { textBudgetBytes: 10 * 1_024 * 1_024 });
    const declared = Array.from({ length: 20 }, (_, k) => many(streamAtomId(StreamKind.Text, k)));
    expect(declared.filter((x) => x !== undefined).length).toBe(10);
    expect(() => streamAtomResolver(small, { textBudgetBytes: -1 })).toThrow(StreamOptionsError);
  });

  it('a member writing to many unopened text streams: the replica holds only the budget', () => {
    const clock = new VirtualScheduler(T0);
    const members = [ALICE, BOB];
    const a = replica(ALICE, clock, { members });
    const b = replica(BOB, clock, { members });
    connect([a, b]);
    for (let i = 0; i < 10; i++) a.streams.text(1_000 + i).send(`channel ${i}`);
    const held = (k: number) => b.field.atom(streamAtomId(StreamKind.Text, k)) !== undefined;
    const keys = Array.from({ length: 10 }, (_, i) => 1_000 + i);
    expect(keys.filter(held)).toEqual([1_000, 1_001, 1_002, 1_003]);
    // The fifth waits in quarantine (and Alice's later events behind it) until Bob opens it.
    expect(b.field.quarantineStats().events).toBe(6);
    expect(
      b.streams
        .text(1_004)
        .messages()
        .map((m) => m.content),
    ).toEqual(['channel 4']);
    expect(keys.filter(held)).toEqual(keys.slice(0, 5));
    expect(b.field.quarantineStats().events).toBe(5); // now behind the sixth
  });

  it('a full local log fails send() with state’s LocalLogFullError: nothing applied or emitted', () => {
    const acks = new AckTable();
    acks.setMembers([BOB]); // the other members
    const log = new LocalLog({ self: ALICE, acks, limits: { maxEvents: 2 } });
    const r = replica(ALICE, new VirtualScheduler(T0), { members: [ALICE, BOB], localLog: log });
    const t = r.streams.text(1);
    t.send('one');
    t.send('two');
    expect(() => t.send('three')).toThrow(LocalLogFullError);
    expect(r.field.processedOf(ALICE)).toBe(2);
    expect(r.sent.length).toBe(2);
    expect(t.messages().map((m) => m.content)).toEqual(['one', 'two']);
    expect(log.pendingSeqs()).toEqual([1, 2]);
    acks.record(BOB, ALICE, 1); // Bob has seq 1: room for one more, which takes seq 3
    t.send('three');
    expect(log.pendingSeqs()).toEqual([2, 3]);
    expect(r.sent.map((e) => (e.kind === EventKind.Durable ? e.seq : 0))).toEqual([1, 2, 3]);
  });
});

describe('the session’s LocalEvents', () => {
  it('writes go through the LocalEvents the runtime hands in: one numbering per session', () => {
    const clock = new VirtualScheduler(T0);
    const time = new TimeEngine({ clock });
    const field = new StateField({
      session: SESSION,
      self: ALICE,
      time,
      verifier,
      membership: staticMembership([ALICE]),
      resolve: streamAtomResolver(),
    });
    const local = new LocalEvents({
      field,
      signer: signerFor(ALICE),
      now: () => time.stampEvent(),
    });
    const streams = new Streams({ field, time, local });
    // Something else of the node writes through the same LocalEvents (seq 1)...
    local.durable({
      target: streams.text(1).atom,
      eventType: EventType.TextAppend,
      mutation: { type: 'append', data: Uint8Array.of(1, 2, 3) },
    });
    // ...and the stream's next write takes seq 2.
    expect(streams.text(1).send('after')).toBe(messageIdFromEvent(ALICE, 2n));
    expect(local.nextSeq()).toBe(3);
    expect(streams.text(1).counters()).toMatchObject({ records: 2, messages: 1, invalid: 1 });
  });
});

describe('Feed', () => {
  it('per-subscription: unsubscribing leaves no subscriber, complete ends all', () => {
    const feed = new Feed<number>();
    const got: number[][] = [[], []];
    let value = 1;
    const s1 = feed.observable(() => value).subscribe((v) => got[0]!.push(v));
    const s2 = feed.observable(() => value).subscribe((v) => got[1]!.push(v));
    expect(feed.size).toBe(2);
    value = 2;
    feed.emit(() => value);
    s1.unsubscribe();
    value = 3;
    feed.emit(() => value);
    expect(got).toEqual([
      [1, 2],
      [1, 2, 3],
    ]);
    expect(feed.size).toBe(1);
    let computed = 0;
    s2.unsubscribe();
    feed.emit(() => ++computed);
    expect(computed).toBe(0); // nobody listens: nothing computed
    let done = false;
    feed.observable().subscribe({ complete: () => (done = true) });
    feed.complete();
    expect(done).toBe(true);
    expect(feed.size).toBe(0);
  });
});
