import { describe, expect, it } from 'vitest';
import {
  ClosedError,
  encodeEnvelope,
  type MessageId,
  messageId,
  messageIdFromEvent,
  type NodeId,
  nodeId,
} from '@elara/core';
import { skewedClock, VirtualScheduler } from '@elara/core/sim';
import { LocalEventRejectedError } from '@elara/state';
import {
  ContentTooLargeError,
  EmptyContentError,
  encodeTextMessage,
  MalformedContentError,
  MessageDeletedError,
  type Message,
  NotMessageAuthorError,
  type TextChange,
  TextProjection,
  UnknownMessageError,
} from '../src/index.ts';
import {
  ALICE,
  BOB,
  CAROL,
  appendRaw,
  canonical,
  connect,
  replica,
  type Replica,
  type ReplicaOptions,
} from './helpers.ts';

const T0 = 1_800_000_000_000_000;
const utf8 = (s: string) => new TextEncoder().encode(s);

function world(
  nodes: readonly NodeId[] = [ALICE, BOB],
  o: Omit<ReplicaOptions, 'members'> = {},
): { clock: VirtualScheduler; rs: Replica[] } {
  const clock = new VirtualScheduler(T0);
  const rs = nodes.map((n) => replica(n, clock, { ...o, members: nodes }));
  connect(rs);
  return { clock, rs };
}

const view = (m: Message) => ({
  author: m.author,
  content: m.content,
  edited: m.edited,
  deleted: m.deleted,
  replyTo: m.replyTo,
  reactions: m.reactions.map((r) => [r.reaction, ...r.authors]),
});
const views = (r: Replica, key = 'general') => r.streams.text(key).messages().map(view);

/** A record for `appendRaw`: `author`'s `seq`-th event stamped `time`, a plain message unless `fields` say otherwise. */
const rawRecord =
  (author: NodeId, fields: Partial<Parameters<typeof encodeTextMessage>[0]> = {}) =>
  (seq: number, time: number) =>
    encodeTextMessage({
      id: messageIdFromEvent(author, BigInt(seq)),
      author,
      timestamp: time,
      replyTo: undefined,
      editOf: undefined,
      deleted: false,
      reaction: false,
      content: utf8('ok'),
      ...fields,
    });

describe('text stream: messages, edits, deletes, reactions on two replicas', () => {
  it('send shows the message on both, with its id, author, τs and reply-to', () => {
    const { clock, rs } = world();
    const [a, b] = rs as [Replica, Replica];
    const ta = a.streams.text('general');
    const tb = b.streams.text('general');
    const hello = ta.send('hello');
    expect(hello).toBe(messageIdFromEvent(ALICE, 1n));
    clock.advanceBySync(1_000);
    const reply = tb.send('hi alice', { replyTo: hello });
    const mine = ta.messages();
    expect(mine.map((m) => [m.content, m.author, m.replyTo])).toEqual([
      ['hello', ALICE, undefined],
      ['hi alice', BOB, hello],
    ]);
    expect(mine[0]?.time).toBe(T0);
    expect(mine[1]?.time).toBe(T0 + 1_000);
    expect(mine[1]?.id).toBe(reply);
    expect(mine[0]?.eventId).toEqual({ author: ALICE, seq: 1 });
    expect(views(b)).toEqual(views(a));
    expect(canonical(b)).toBe(canonical(a));
  });

  it('edit, react, unreact and delete propagate; a delete clears content and reactions', () => {
    const { rs } = world([ALICE, BOB, CAROL]);
    const [a, b, c] = rs as [Replica, Replica, Replica];
    const id = a.streams.text('general').send('draft');
    a.streams.text('general').edit(id, 'final');
    expect(b.streams.text('general').react(id, '👍')).toBe(true);
    expect(c.streams.text('general').react(id, '👍')).toBe(true);
    expect(c.streams.text('general').react(id, '🎉')).toBe(true);
    expect(c.streams.text('general').react(id, '🎉')).toBe(false); // already: nothing written
    expect(b.streams.text('general').unreact(id, '🎉')).toBe(false); // not b's: nothing written
    for (const r of rs) {
      expect(views(r)).toEqual([
        {
          author: ALICE,
          content: 'final',
          edited: true,
          deleted: false,
          replyTo: undefined,
          reactions: [
            ['🎉', CAROL],
            ['👍', ...[BOB, CAROL].sort((x, y) => (x < y ? -1 : 1))],
          ],
        },
      ]);
    }
    expect(c.streams.text('general').unreact(id, '🎉')).toBe(true);
    expect(views(a)[0]?.reactions).toEqual([
      ['👍', ...[BOB, CAROL].sort((x, y) => (x < y ? -1 : 1))],
    ]);
    expect(a.streams.text('general').delete(id)).toBe(true);
    expect(a.streams.text('general').delete(id)).toBe(false); // already deleted: a no-op
    for (const r of rs) {
      expect(views(r)).toEqual([
        {
          author: ALICE,
          content: '',
          edited: false, // a deleted message shows nothing of its edits
          deleted: true,
          replyTo: undefined,
          reactions: [],
        },
      ]);
      expect(canonical(r)).toBe(canonical(a));
    }
  });

  it('changes$ reports added, updated and their previous value', () => {
    const { rs } = world();
    const [a, b] = rs as [Replica, Replica];
    const seen: TextChange[] = [];
    b.streams.text('general').changes$.subscribe((c) => seen.push(c));
    const id = a.streams.text('general').send('one');
    a.streams.text('general').edit(id, 'two');
    expect(seen.map((c) => [c.type, c.message.content])).toEqual([
      ['added', 'one'],
      ['updated', 'two'],
    ]);
    const updated = seen[1];
    expect(updated?.type === 'updated' && updated.previous.content).toBe('one');
  });

  it('unchanged messages keep their object; a changed one gets a new one', () => {
    const { rs } = world();
    const [a] = rs as [Replica];
    const t = a.streams.text('general');
    const first = t.send('first');
    t.send('second');
    const before = t.messages();
    t.edit(first, 'first!');
    const after = t.messages();
    expect(after).not.toBe(before);
    expect(after[1]).toBe(before[1]);
    expect(after[0]).not.toBe(before[0]);
    expect(Object.isFrozen(after)).toBe(true);
  });
});

describe('idempotence and causal order', () => {
  it('applying the same events again changes nothing', () => {
    const { rs } = world();
    const [a, b] = rs as [Replica, Replica];
    const t = a.streams.text('general');
    const id = t.send('once');
    t.react(id, '✅');
    t.edit(id, 'once!');
    const before = canonical(b);
    const list = b.streams.text('general').messages();
    let emitted = 0;
    b.streams.text('general').changes$.subscribe(() => emitted++);
    for (const e of a.sent) {
      expect(b.field.receive(e, { from: ALICE }).status).toBe('duplicate');
      expect(b.field.receiveBytes(encodeEnvelope(e), { from: ALICE }).status).toBe('duplicate');
    }
    expect(canonical(b)).toBe(before);
    expect(b.streams.text('general').messages()).toBe(list);
    expect(emitted).toBe(0);
  });

  it('delivered in reverse, the events show the same messages (causal order)', () => {
    const clock = new VirtualScheduler(T0);
    const a = replica(ALICE, clock, { members: [ALICE, BOB] });
    const b = replica(BOB, clock, { members: [ALICE, BOB] });
    const t = a.streams.text('general');
    const x = t.send('x');
    clock.advanceBySync(10);
    t.send('y', { replyTo: x });
    t.edit(x, 'x2');
    t.react(x, '👀');
    t.delete(x);
    const tb = b.streams.text('general');
    for (const e of [...a.sent].reverse()) b.field.receive(e, { from: ALICE });
    expect(tb.messages().map(view)).toEqual(t.messages().map(view));
    expect(canonical(b)).toBe(canonical(a));
  });
});

describe('order under clock skew (τs not converged yet)', () => {
  it('a reply, an edit and a reaction sort after the message they name, on every replica', () => {
    const clock = new VirtualScheduler(T0);
    const members = [ALICE, BOB];
    // Alice's τs runs 100 ms ahead; Bob answers 20 ms later in real time.
    const a = replica(ALICE, skewedClock(clock, { offsetUs: 100_000, skewPpm: 0 }), { members });
    const b = replica(BOB, clock, { members });
    connect([a, b]);
    const q = a.streams.text('room').send('question?');
    clock.advanceBySync(20_000);
    const tb = b.streams.text('room');
    const answer = tb.send('answer!', { replyTo: q });
    tb.react(q, '👍');
    tb.edit(answer, 'answer!!');
    clock.advanceBySync(1_000);
    const later = tb.send('and more'); // Bob's next message follows Alice's (her clock leads)
    const question = tb.message(q)!;
    // One µs after the newest record Bob held: a hybrid logical clock over what he saw.
    expect(tb.message(answer)?.time).toBe(question.time + 1);
    expect(tb.message(answer)?.editedAt).toBe(question.time + 3);
    expect(tb.message(later)?.time).toBe(question.time + 4);
    for (const r of [a, b]) {
      const t = r.streams.text('room');
      expect(t.messages().map((m) => m.content)).toEqual(['question?', 'answer!!', 'and more']);
      expect(t.message(q)?.reactions).toEqual([{ reaction: '👍', authors: [BOB] }]);
      // Every record of the log sorts after the one it names.
      const log = r.field.atom(t.atom)?.state;
      const times = log?.kind === 'append-log' ? [...log.entries()].map((e) => e.time) : [];
      expect(times).toEqual([0, 1, 2, 3, 4].map((d) => question.time + d));
    }
    expect(canonical(a)).toBe(canonical(b));
  });

  it('with a clock behind, a writer keeps its own τs when that is later', () => {
    const clock = new VirtualScheduler(T0);
    const members = [ALICE, BOB];
    const a = replica(ALICE, skewedClock(clock, { offsetUs: -50_000, skewPpm: 0 }), { members });
    const b = replica(BOB, clock, { members });
    connect([a, b]);
    const first = b.streams.text('room').send('first');
    clock.advanceBySync(80_000); // Alice's τs (30 ms after Bob's message) is past it: hers
    const second = a.streams.text('room').send('second');
    const t = a.streams.text('room');
    expect(t.message(first)?.time).toBe(T0);
    expect(t.message(second)?.time).toBe(T0 + 30_000);
  });
});

describe('writes from a listener (while the field delivers changes)', () => {
  it('see what they wrote: send, then edit, reply and react at once; every replica agrees', () => {
    const { rs } = world();
    const [a, b] = rs as [Replica, Replica];
    const ta = a.streams.text('general');
    const tb = b.streams.text('general');
    const inside: unknown[] = [];
    const bot = tb.changes$.subscribe((c) => {
      if (c.type !== 'added' || c.message.author !== ALICE) return;
      const id = tb.send('answer with a typo');
      inside.push(tb.message(id)?.content);
      tb.edit(id, 'answer');
      inside.push(tb.message(id)?.content);
      tb.send('follow-up', { replyTo: id });
      inside.push(tb.react(c.message.id, '👍'), tb.react(c.message.id, '👍'));
      inside.push(tb.messages().map((m) => m.content));
    });
    ta.send('hello?');
    bot.unsubscribe();
    expect(inside).toEqual([
      'answer with a typo',
      'answer',
      true,
      false, // already reacted: a no-op, nothing written
      ['hello?', 'answer', 'follow-up'],
    ]);
    expect(b.field.counters().listenerErrors).toBe(0);
    expect(b.sent.length).toBe(4);
    for (const r of rs) {
      const t = r.streams.text('general');
      expect(views(r)).toEqual([
        expect.objectContaining({ content: 'hello?', reactions: [['👍', BOB]] }),
        expect.objectContaining({ content: 'answer', edited: true }),
        expect.objectContaining({ content: 'follow-up', replyTo: tb.messages()[1]?.id }),
      ]);
      expect(t.counters()).toMatchObject({ records: 5, messages: 3, rebuilds: 1 });
      // The echo of a record applied ahead added nothing: the same as a projection from scratch.
      const log = r.field.atom(t.atom)?.state;
      const fresh = new TextProjection();
      fresh.rebuild(log?.kind === 'append-log' ? log : undefined);
      expect(fresh.messages().map(view)).toEqual(views(r));
    }
    expect(canonical(a)).toBe(canonical(b));
  });

  it('a write ahead of changes still on their way keeps the mirror exact (bounded log)', () => {
    const clock = new VirtualScheduler(T0);
    const members = [ALICE, BOB];
    const o = { members, options: { text: { maxEntries: 3 } } };
    const a = replica(ALICE, clock, o);
    const b = replica(BOB, clock, o);
    for (const text of ['one', 'two', 'three', 'four']) a.streams.text('room').send(text);
    const tb = b.streams.text('room');
    const [e1, e2, e3, e4] = a.sent;
    b.field.receive(e4!, { from: ALICE });
    b.field.receive(e3!, { from: ALICE });
    b.field.receive(e2!, { from: ALICE });
    // e1 releases e2..e4: four changes in one delivery; Bob answers at the first.
    let inside: string[] = [];
    let answered = false;
    tb.changes$.subscribe((c) => {
      if (answered || c.type !== 'added') return;
      answered = true; // the reply's own change comes through here too
      tb.send('reply', { replyTo: c.message.id });
      inside = tb.messages().map((m) => m.content);
    });
    b.field.receive(e1!, { from: ALICE });
    expect(inside).toEqual(['one', 'reply']); // 'two' to 'four' are still on their way
    expect(tb.messages().map((m) => m.content)).toEqual(['three', 'four', 'reply']);
    expect(tb.counters()).toMatchObject({ records: 3, rebuilds: 1 });
  });
});

describe('a stream opened while the field delivers changes', () => {
  it('is exact: changes it already saw are not applied twice', () => {
    const clock = new VirtualScheduler(T0);
    const a = replica(ALICE, clock, { members: [ALICE, BOB] });
    const b = replica(BOB, clock, { members: [ALICE, BOB] });
    for (const text of ['one', 'two', 'three']) a.streams.text('late').send(text);
    const [e1, e2, e3] = a.sent;
    // 3 and 2 wait for 1; 1 releases them: three changes queued in one call.
    b.field.receive(e3!, { from: ALICE });
    b.field.receive(e2!, { from: ALICE });
    const seen: string[][] = [];
    b.field.onChange(() => {
      const t = b.streams.text('late'); // opened by a listener, mid-delivery
      seen.push(t.messages().map((m) => m.content));
    });
    b.field.receive(e1!, { from: ALICE });
    const t = b.streams.text('late');
    expect(t.messages().map((m) => m.content)).toEqual(['one', 'two', 'three']);
    expect(seen).toEqual([
      ['one', 'two', 'three'],
      ['one', 'two', 'three'],
      ['one', 'two', 'three'],
    ]);
    expect(t.counters()).toMatchObject({ records: 3, messages: 3, rebuilds: 1 });
    a.streams.text('late').send('four');
    b.field.receive(a.sent[3]!, { from: ALICE });
    expect(t.messages().map((m) => m.content)).toEqual(['one', 'two', 'three', 'four']);
  });
});

describe('writes refused with named errors (nothing written)', () => {
  function refused(
    r: Replica,
    act: () => unknown,
    error: abstract new (...a: never[]) => Error,
  ): void {
    const sent = r.sent.length;
    const seq = r.field.processedOf(r.self);
    expect(act).toThrow(error);
    expect(r.sent.length).toBe(sent);
    expect(r.field.processedOf(r.self)).toBe(seq);
  }

  it('content limits: exactly the limit passes, one byte more does not', () => {
    const { rs } = world([ALICE, BOB], { options: { text: { maxContentBytes: 8 } } });
    const [a] = rs as [Replica];
    const t = a.streams.text('general');
    expect(() => t.send('12345678')).not.toThrow();
    expect(() => t.send('éééé')).not.toThrow(); // 8 UTF-8 bytes
    refused(a, () => t.send('123456789'), ContentTooLargeError);
    refused(a, () => t.send('éééé1'), ContentTooLargeError);
    refused(a, () => t.send('x'.repeat(1_000_000)), ContentTooLargeError);
    refused(a, () => t.send(''), EmptyContentError);
    refused(a, () => t.send('\ud800'), MalformedContentError);
    refused(a, () => t.send('a\udc00'), MalformedContentError);
    refused(a, () => t.send(42 as unknown as string), MalformedContentError);
    try {
      t.send('123456789');
    } catch (e) {
      expect(e).toMatchObject({ what: 'message', size: 9, limit: 8 });
    }
    const id = t.send('ok');
    refused(a, () => t.edit(id, '123456789'), ContentTooLargeError);
    refused(a, () => t.react(id, 'x'.repeat(65)), ContentTooLargeError);
    refused(a, () => t.react(id, ''), EmptyContentError);
  });

  it('unknown messages, someone else’s, deleted ones', () => {
    const { rs } = world();
    const [a, b] = rs as [Replica, Replica];
    const ta = a.streams.text('general');
    const tb = b.streams.text('general');
    const nobody = messageId(12345n);
    refused(a, () => ta.edit(nobody, 'x'), UnknownMessageError);
    refused(a, () => ta.delete(nobody), UnknownMessageError);
    refused(a, () => ta.react(nobody, '👍'), UnknownMessageError);
    refused(a, () => ta.unreact(nobody, '👍'), UnknownMessageError);
    refused(a, () => ta.send('re', { replyTo: nobody }), UnknownMessageError);
    const bobs = tb.send('bob');
    refused(a, () => ta.edit(bobs, 'mine now'), NotMessageAuthorError);
    refused(a, () => ta.delete(bobs), NotMessageAuthorError);
    tb.react(bobs, '👍');
    tb.delete(bobs);
    refused(b, () => tb.edit(bobs, 'again'), MessageDeletedError);
    refused(a, () => ta.react(bobs, '👍'), MessageDeletedError);
    expect(ta.unreact(bobs, '👍')).toBe(false); // deleted: no reactions left, a no-op
    try {
      ta.edit(bobs, 'x');
    } catch (e) {
      expect(NotMessageAuthorError.isInstance(e)).toBe(true);
      expect((e as NotMessageAuthorError).id).toBe(bobs);
    }
  });

  it('ids that are not message ids are unknown messages (named, never a crash)', () => {
    const { rs } = world();
    const [a] = rs as [Replica];
    const t = a.streams.text('general');
    for (const bad of [42, 'x', -1n, 1n << 70n, undefined]) {
      refused(a, () => t.edit(bad as never, 'x'), UnknownMessageError);
      refused(a, () => t.react(bad as never, '👍'), UnknownMessageError);
      if (bad !== undefined) {
        refused(a, () => t.send('x', { replyTo: bad as never }), UnknownMessageError);
      }
    }
  });

  it('a write the field refuses (not a member) is state’s LocalEventRejectedError', () => {
    const clock = new VirtualScheduler(T0);
    const stranger = replica(CAROL, clock, { members: [ALICE, BOB] });
    refused(
      stranger,
      () => stranger.streams.text('general').send('let me in'),
      LocalEventRejectedError,
    );
    expect(stranger.streams.text('general').messages()).toEqual([]);
  });

  it('closed streams throw ClosedError and complete their observables', () => {
    const { rs } = world();
    const [a] = rs as [Replica];
    const t = a.streams.text('general');
    let completed = 0;
    t.messages$.subscribe({ complete: () => completed++ });
    t.changes$.subscribe({ complete: () => completed++ });
    a.streams.close();
    expect(completed).toBe(2);
    expect(() => t.send('late')).toThrow(ClosedError);
    expect(() => a.streams.text('other')).toThrow(ClosedError);
    t.messages$.subscribe({ complete: () => completed++ });
    expect(completed).toBe(3);
  });
});

describe('records from others that break the rules: the same no-op on every replica', () => {
  it('edits and deletes of someone else’s message, forged authors and ids, garbage, edits before their target', () => {
    const { rs } = world([ALICE, BOB, CAROL]);
    const [a, b, c] = rs as [Replica, Replica, Replica];
    const atom = a.streams.text('general').atom;
    const others = (r: Replica) => rs.filter((x) => x !== r);
    const id = a.streams.text('general').send('alice says');
    const record =
      (
        author: NodeId,
        seqId: (seq: number) => MessageId,
        fields: Partial<Parameters<typeof encodeTextMessage>[0]>,
      ) =>
      (seq: number, time: number) =>
        encodeTextMessage({
          id: seqId(seq),
          author,
          timestamp: time,
          replyTo: undefined,
          editOf: undefined,
          deleted: false,
          reaction: false,
          content: utf8('evil'),
          ...fields,
        });
    const bobId = (seq: number) => messageIdFromEvent(BOB, BigInt(seq));
    // Bob edits and deletes Alice's message: ignored.
    appendRaw(b, atom, record(BOB, bobId, { editOf: id }), others(b));
    appendRaw(
      b,
      atom,
      record(BOB, () => id, { deleted: true, content: new Uint8Array(0) }),
      others(b),
    );
    // Bob signs a record claiming Alice wrote it, or with an id that is not his event's.
    appendRaw(b, atom, record(ALICE, bobId, {}), others(b));
    appendRaw(
      b,
      atom,
      record(BOB, () => messageId(77n), {}),
      others(b),
    );
    // A reaction naming no target, a reaction with an edit id, an empty reaction, garbage.
    appendRaw(b, atom, record(BOB, bobId, { reaction: true }), others(b));
    appendRaw(b, atom, record(BOB, bobId, { reaction: true, replyTo: id, editOf: id }), others(b));
    appendRaw(
      b,
      atom,
      record(BOB, bobId, { reaction: true, replyTo: id, content: new Uint8Array(0) }),
      others(b),
    );
    appendRaw(b, atom, () => Uint8Array.of(1, 2, 3), others(b));
    appendRaw(
      b,
      atom,
      (seq, time) => Uint8Array.of(...record(BOB, bobId, {})(seq, time), 0),
      others(b),
    );
    // Carol edits her own message, but with an edit stamped before it.
    const carolsFirst = messageIdFromEvent(CAROL, 2n);
    appendRaw(
      c,
      atom,
      record(CAROL, (s) => messageIdFromEvent(CAROL, BigInt(s)), {
        editOf: carolsFirst,
        content: utf8('early edit'),
      }),
      others(c),
    );
    c.streams.text('general').send('carol');
    for (const r of rs) {
      expect(views(r)).toEqual([
        {
          author: ALICE,
          content: 'alice says',
          edited: false,
          deleted: false,
          replyTo: undefined,
          reactions: [],
        },
        {
          author: CAROL,
          content: 'carol',
          edited: false,
          deleted: false,
          replyTo: undefined,
          reactions: [],
        },
      ]);
      expect(r.streams.text('general').counters()).toEqual({
        records: 12,
        messages: 2,
        invalid: 7,
        rebuilds: 1,
        targets: 2, // Alice's message (Bob's edit and delete) and Carol's (her early edit)
      });
      expect(canonical(r)).toBe(canonical(a));
    }
  });

  it('a reaction to a deleted message, and reactions before the delete, are gone', () => {
    const { rs } = world();
    const [a, b] = rs as [Replica, Replica];
    const atom = a.streams.text('general').atom;
    const id = a.streams.text('general').send('soon gone');
    b.streams.text('general').react(id, '👋');
    a.streams.text('general').delete(id);
    appendRaw(b, atom, rawRecord(BOB, { replyTo: id, reaction: true, content: utf8('🎉') }), [a]);
    for (const r of rs) expect(views(r)[0]).toMatchObject({ deleted: true, reactions: [] });
  });

  it('records larger than the stream allows are refused by the field (Oversized)', () => {
    const clock = new VirtualScheduler(T0);
    const members = [ALICE, BOB];
    const a = replica(ALICE, clock, { members, options: { text: { maxContentBytes: 16 } } });
    // Bob is configured otherwise (every replica must use the same options): he can write
    // 100-byte messages, Alice's field refuses them.
    const b = replica(BOB, clock, { members, options: { text: { maxContentBytes: 100 } } });
    connect([a, b]);
    expect(() => a.streams.text('general').send('x'.repeat(17))).toThrow(ContentTooLargeError);
    b.streams.text('general').send('y'.repeat(100));
    expect(a.field.counters().rejected.Oversized).toBe(1);
    expect(a.streams.text('general').messages()).toEqual([]);
    expect(b.streams.text('general').messages().length).toBe(1);
    const atom = a.streams.text('general').atom;
    const big = rawRecord(ALICE, { content: new Uint8Array(100) });
    expect(() => appendRaw(a, atom, big, [b])).toThrow(
      expect.objectContaining({ reason: 'Oversized' }),
    );
  });
});

describe('records read against the stream’s content limits (the same options everywhere)', () => {
  it('a signed reaction or message longer than the writer allows is invalid on every replica', () => {
    const { clock, rs } = world();
    const [a, b] = rs as [Replica, Replica];
    const ta = a.streams.text('general');
    const id = b.streams.text('general').send('hi');
    clock.advanceBySync(10);
    expect(() => ta.react(id, 'x'.repeat(65))).toThrow(ContentTooLargeError);
    const raw = (fields: Partial<Parameters<typeof encodeTextMessage>[0]>) =>
      appendRaw(a, ta.atom, rawRecord(ALICE, fields), [b]);
    // The atom takes records up to the largest limit (4 096 content bytes), so the field
    // applies these; the projection refuses what the limits do not allow.
    raw({ replyTo: id, reaction: true, content: utf8('🤡'.repeat(1_026)) }); // 4 104 bytes
    raw({ replyTo: id, reaction: true, content: utf8('x'.repeat(65)) });
    raw({ content: utf8('y'.repeat(4_097)) });
    raw({ editOf: id, content: utf8('z'.repeat(4_097)) });
    raw({ replyTo: id, reaction: true, content: utf8('x'.repeat(64)) }); // exactly the limit
    raw({ content: utf8('y'.repeat(4_096)) });
    for (const r of rs) {
      const t = r.streams.text('general');
      expect(t.counters()).toMatchObject({ records: 7, invalid: 4, messages: 2 });
      expect(t.message(id)?.reactions).toEqual([{ reaction: 'x'.repeat(64), authors: [ALICE] }]);
      expect(t.messages().map((m) => m.content.length)).toEqual([2, 4_096]);
    }
  });
});

describe('messages are immutable', () => {
  it('messages, their event ids, reactions and authors are frozen; so are change events', () => {
    const { rs } = world();
    const [a, b] = rs as [Replica, Replica];
    const t = a.streams.text('general');
    const changes: TextChange[] = [];
    t.changes$.subscribe((c) => changes.push(c));
    const id = t.send('hello');
    b.streams.text('general').react(id, '👍');
    const m = t.messages()[0]!;
    for (const x of [
      t.messages(),
      m,
      m.eventId,
      m.reactions,
      m.reactions[0],
      m.reactions[0]?.authors,
    ]) {
      expect(Object.isFrozen(x)).toBe(true);
    }
    expect(changes.length).toBe(2);
    for (const c of changes) expect(Object.isFrozen(c)).toBe(true);
    // A careless consumer cannot change what others (and the no-op checks) see.
    expect(() => {
      (m.reactions[0]!.authors as NodeId[]).length = 0;
    }).toThrow(TypeError);
    expect(t.message(id)?.reactions).toEqual([{ reaction: '👍', authors: [BOB] }]);
    expect(b.streams.text('general').react(id, '👍')).toBe(false);
  });

  it('a reaction changes only its own entry: the others keep their objects', () => {
    const { rs } = world([ALICE, BOB, CAROL]);
    const [a, b, c] = rs as [Replica, Replica, Replica];
    const id = a.streams.text('general').send('hello');
    b.streams.text('general').react(id, '👍');
    c.streams.text('general').react(id, '🎉');
    const t = a.streams.text('general');
    const before = t.message(id)!;
    c.streams.text('general').react(id, '👍');
    const after = t.message(id)!;
    expect(after).not.toBe(before);
    expect(after.reactions[0]).toBe(before.reactions[0]); // 🎉 untouched
    expect(after.reactions[1]?.authors).toEqual([BOB, CAROL].sort((x, y) => (x < y ? -1 : 1)));
    // A record that changes nothing shown (withdrawing what one does not have) keeps the message.
    b.streams.text('general').unreact(id, '🎉');
    expect(t.message(id)).toBe(after);
  });
});

describe('tampered and flooding input', () => {
  it('a tampered record fails the signature: refused, nothing shown', () => {
    const clock = new VirtualScheduler(T0);
    const a = replica(ALICE, clock, { members: [ALICE, BOB] });
    const b = replica(BOB, clock, { members: [ALICE, BOB] });
    a.streams.text('general').send('original');
    const bytes = encodeEnvelope(a.sent[0]!);
    const tampered = bytes.slice();
    tampered[tampered.length - 70] = (tampered[tampered.length - 70] ?? 0) ^ 0x20; // a content byte, under the signature
    expect(b.field.receiveBytes(tampered, { from: ALICE })).toEqual({
      status: 'rejected',
      reason: 'BadSignature',
    });
    expect(b.streams.text('general').messages()).toEqual([]);
    expect(b.field.receiveBytes(bytes, { from: ALICE }).status).toBe('applied');
    expect(
      b.streams
        .text('general')
        .messages()
        .map((m) => m.content),
    ).toEqual(['original']);
  });

  it('a member flooding a stream: memory stays within the log’s bounds', () => {
    const { rs } = world([ALICE, BOB], { options: { text: { maxEntries: 100 } } });
    const [a, b] = rs as [Replica, Replica];
    for (let i = 0; i < 5_000; i++) a.streams.text('general').send(`spam ${i}`);
    for (const r of [a, b]) {
      const c = r.streams.text('general').counters();
      expect(c).toMatchObject({ records: 100, messages: 100, rebuilds: 1, targets: 0 });
      expect(r.streams.text('general').messages()[0]?.content).toBe('spam 4900');
    }
  });

  it('a flood of reactions, edits and garbage naming many ids: every table within the log', () => {
    const { clock, rs } = world([ALICE, BOB], { options: { text: { maxEntries: 100 } } });
    const [a, b] = rs as [Replica, Replica];
    const ta = a.streams.text('general');
    const tb = b.streams.text('general');
    let maxTargets = 0;
    for (let i = 0; i < 5_000; i++) {
      clock.advanceBySync(10);
      const k = i % 5;
      if (k === 0) ta.send(`m${i}`);
      else if (k === 1) {
        // A reaction to an id no message holds: kept (as a target) while its record is.
        appendRaw(
          a,
          ta.atom,
          rawRecord(ALICE, {
            replyTo: messageId(BigInt(i) * 7_919n),
            reaction: true,
            content: utf8(`r${i}`),
          }),
          [b],
        );
      } else if (k === 2) {
        const m = ta.messages().at(-1);
        if (m && !m.deleted) ta.edit(m.id, `e${i}`);
      } else if (k === 3) {
        const m = tb.messages().at(-1);
        if (m && !m.deleted) tb.react(m.id, `${i % 7}`);
      } else appendRaw(a, ta.atom, () => Uint8Array.of(i & 255, 1, 2, 3), [b]);
      maxTargets = Math.max(maxTargets, tb.counters().targets);
    }
    for (const t of [ta, tb]) {
      const c = t.counters();
      expect(c).toMatchObject({ records: 100, messages: 20, invalid: 20, rebuilds: 1 });
      expect(c.targets).toBe(40); // the 20 reactions to nothing, the 20 messages edited and liked
    }
    expect(maxTargets).toBeLessThanOrEqual(100);
    const log = b.field.atom(tb.atom)?.state;
    const fresh = new TextProjection();
    fresh.rebuild(log?.kind === 'append-log' ? log : undefined);
    expect(fresh.messages().map(view)).toEqual(views(b));
  });
});

describe('incomplete: the field knows events are missing', () => {
  it('flagged after an eviction from quarantine, clear once repair delivers', () => {
    const clock = new VirtualScheduler(T0);
    const members = [ALICE, BOB];
    const a = replica(ALICE, clock, { members });
    const b = replica(BOB, clock, { members, limits: { quarantineAgeUs: 1_000_000 } });
    const t = b.streams.text('general');
    a.streams.text('general').send('one');
    a.streams.text('general').send('two');
    const [one, two] = a.sent;
    b.field.receive(two!); // waits for one, which is lost
    clock.advanceBySync(2_000_000);
    b.field.expire(); // evicted for age: b knows it misses events
    expect(t.incomplete).toBe(true);
    expect(t.messages()).toEqual([]);
    b.field.receive(one!); // repair
    b.field.receive(two!);
    expect(t.incomplete).toBe(false);
    expect(t.messages().map((m) => m.content)).toEqual(['one', 'two']);
  });
});

describe('message id collisions (from_event collides when author ⊕ seq does)', () => {
  it('both messages stay; edits go to their author’s, reactions to the first', () => {
    const x = nodeId(0x5eed_0000_0000_1000n);
    const y = nodeId(x ^ 3n); // x ⊕ 1 = y ⊕ 2
    expect(messageIdFromEvent(x, 1n)).toBe(messageIdFromEvent(y, 2n));
    const { clock, rs } = world([x, y, CAROL]);
    const [rx, ry, rc] = rs as [Replica, Replica, Replica];
    const ty = ry.streams.text('general');
    ty.send('y first');
    clock.advanceBySync(5);
    const shared = rx.streams.text('general').send('x first');
    expect(ty.send('y second')).toBe(shared);
    ty.edit(shared, 'y second, edited');
    rx.streams.text('general').edit(shared, 'x first, edited');
    rc.streams.text('general').react(shared, '❤️');
    for (const r of rs) {
      expect(views(r).map((m) => [m.author, m.content, m.reactions])).toEqual([
        [y, 'y first', []],
        [x, 'x first, edited', [['❤️', CAROL]]],
        [y, 'y second, edited', []],
      ]);
    }
  });
});

describe('bounded log: the oldest records go, the same everywhere', () => {
  it('removed changes, and the projection equals one made from scratch', () => {
    const { clock, rs } = world([ALICE, BOB], { options: { text: { maxEntries: 5 } } });
    const [a, b] = rs as [Replica, Replica];
    const removed: string[] = [];
    b.streams.text('general').changes$.subscribe((c) => {
      if (c.type === 'removed') removed.push(c.message.content);
    });
    const ids: MessageId[] = [];
    for (let i = 0; i < 8; i++) {
      clock.advanceBySync(100);
      const r = i % 2 === 0 ? a : b;
      ids.push(r.streams.text('general').send(`m${i}`));
      if (i === 6) b.streams.text('general').react(ids[5]!, '⭐');
    }
    expect(removed).toEqual(['m0', 'm1', 'm2', 'm3']);
    for (const r of rs) {
      const log = r.field.atom(r.streams.text('general').atom)?.state;
      expect(log?.kind === 'append-log' && log.length).toBe(5);
      const fresh = new TextProjection();
      fresh.rebuild(log?.kind === 'append-log' ? log : undefined);
      expect(fresh.messages().map(view)).toEqual(views(r));
      expect(views(r).map((m) => m.content)).toEqual(['m4', 'm5', 'm6', 'm7']);
      expect(views(r)[1]?.reactions).toEqual([['⭐', BOB]]);
    }
  });
});
