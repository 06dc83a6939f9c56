import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type DurableEnvelope,
  ElaraError,
  EventKind,
  type MessageId,
  messageIdFromEvent,
  type StateId,
} from '@elara/core';
import { skewedClock, VirtualScheduler } from '@elara/core/sim';
import { propertyRuns } from '@elara/test-env';
import { encodeTextMessage, type Message, type TextMessage, TextProjection } from '../src/index.ts';
import { appendRaw, author, canonical, connect, replica, type Replica } from './helpers.ts';

const T0 = 1_800_000_000_000_000;
const REACTIONS = ['👍', '🎉', '❤️'];

interface Command {
  readonly actor: number;
  readonly op: string;
  readonly pick: number;
  readonly reaction: number;
  readonly dtUs: number;
}

/** Commands drawn with the given weight per operation, `maxDtUs` apart at most. */
const commands = (weights: Record<string, number>, maxDtUs: number): fc.Arbitrary<Command> =>
  fc.record({
    actor: fc.nat(3),
    op: fc.oneof(
      ...Object.entries(weights).map(([op, weight]) => ({ arbitrary: fc.constant(op), weight })),
    ),
    pick: fc.nat(),
    reaction: fc.nat(2),
    dtUs: fc.nat(maxDtUs),
  });

/** Mostly reactions, withdrawals and edits, on few messages: long groups per message. */
const busy = commands(
  { send: 1, edit: 2, delete: 1, react: 4, unreact: 3, rawReact: 3, rawEdit: 1 },
  20_000,
);

const command = commands(
  { send: 4, reply: 2, edit: 2, delete: 1, react: 3, unreact: 1, garbage: 1 },
  200_000,
);

const show = (m: Message) => [
  m.author,
  m.eventId.seq,
  m.content,
  m.edited,
  m.deleted,
  m.replyTo,
  m.reactions,
];

const utf8 = (s: string) => new TextEncoder().encode(s);

/** Appends a record `w` signs with its own τs (no writer: nothing checked, nothing reordered). */
function raw(
  w: Replica,
  writers: readonly Replica[],
  atom: StateId,
  fields: (seq: number, time: number) => Partial<TextMessage>,
): DurableEnvelope {
  return appendRaw(
    w,
    atom,
    (seq, time) =>
      encodeTextMessage({
        id: messageIdFromEvent(w.self, BigInt(seq)),
        author: w.self,
        timestamp: time,
        replyTo: undefined,
        editOf: undefined,
        deleted: false,
        reaction: false,
        content: utf8('x'),
        ...fields(seq, time),
      }),
    writers.filter((x) => x !== w),
  );
}

/** Runs the commands on four connected writers whose clocks differ by up to ±80 ms. */
function write(
  commands: Command[],
  offsets: number[],
): { events: DurableEnvelope[]; writers: Replica[] } {
  const clock = new VirtualScheduler(T0);
  const nodes = [0, 1, 2, 3].map(author);
  const members = [...nodes, author(9)];
  const writers = nodes.map((n, i) =>
    replica(n, skewedClock(clock, { offsetUs: offsets[i] ?? 0, skewPpm: 0 }), { members }),
  );
  connect(writers);
  const events: DurableEnvelope[] = [];
  for (const w of writers) {
    w.streams.outgoing$.subscribe(({ envelope }) => {
      if (envelope.kind === EventKind.Durable) events.push(envelope);
    });
  }
  for (const c of commands) {
    clock.advanceBySync(c.dtUs);
    const w = writers[c.actor] as Replica;
    const t = w.streams.text('room');
    const all = t.messages();
    const mine = all.filter((m) => m.author === w.self);
    const any = all[c.pick % Math.max(1, all.length)];
    const own = mine[c.pick % Math.max(1, mine.length)];
    const reaction = REACTIONS[c.reaction] as string;
    try {
      switch (c.op) {
        case 'send':
          t.send(`m${c.pick % 1000}`);
          break;
        case 'reply':
          if (any) t.send(`re${c.pick % 1000}`, { replyTo: any.id });
          break;
        case 'edit':
          if (own) t.edit(own.id, `e${c.pick % 1000}`);
          break;
        case 'delete':
          if (own) t.delete(own.id);
          break;
        case 'react':
          if (any) t.react(any.id, reaction);
          break;
        case 'unreact':
          if (any) t.unreact(any.id, reaction);
          break;
        case 'rawReact': // stamped by the writer's own τs, not after the target: maybe before it
          if (any) {
            const e = raw(w, writers, t.atom, (seq, time) => ({
              id: messageIdFromEvent(w.self, BigInt(seq)),
              timestamp: time,
              replyTo: any.id,
              deleted: c.pick % 2 === 1,
              reaction: true,
              content: utf8(reaction),
            }));
            events.push(e);
          }
          break;
        case 'rawEdit':
          if (own) {
            const e = raw(w, writers, t.atom, (seq, time) => ({
              id: messageIdFromEvent(w.self, BigInt(seq)),
              timestamp: time,
              editOf: own.id,
              content: utf8(`raw${c.pick % 1000}`),
            }));
            events.push(e);
          }
          break;
        case 'garbage':
          events.push(
            appendRaw(
              w,
              t.atom,
              () => Uint8Array.of(c.pick & 0xff, 1, 2),
              writers.filter((x) => x !== w),
            ),
          );
          break;
      }
    } catch (e) {
      // A deleted message refuses edits and reactions: a named error, nothing written.
      if (!ElaraError.isInstance(e)) throw e;
    }
  }
  return { events, writers };
}

function observer(maxEntries: number | undefined): Replica {
  const clock = new VirtualScheduler(T0 + 10_000_000);
  const members = [0, 1, 2, 3, 9].map(author);
  return replica(author(9), clock, {
    members,
    ...(maxEntries === undefined ? {} : { options: { text: { maxEntries } } }),
  });
}

function fromScratch(r: Replica): Message[] {
  const log = r.field.atom(r.streams.text('room').atom)?.state;
  const p = new TextProjection();
  p.rebuild(log?.kind === 'append-log' ? log : undefined);
  return [...p.messages()];
}

describe('text projection: a function of the records, whatever the delivery', () => {
  it('any delivery order, with duplicates and a bounded log, gives the in-order view', () => {
    fc.assert(
      fc.property(
        fc.array(command, { minLength: 10, maxLength: 80 }),
        fc.array(fc.integer({ min: -80_000, max: 80_000 }), { minLength: 4, maxLength: 4 }),
        fc.option(fc.integer({ min: 2, max: 30 }), { nil: undefined }),
        fc.array(fc.nat(), { minLength: 200, maxLength: 200 }),
        (commands, offsets, maxEntries, shuffle) => {
          const { events, writers } = write(commands, offsets);
          const inOrder = observer(maxEntries);
          for (const e of events) inOrder.field.receive(e);
          // Shuffled with duplicates: sort by random keys, then repeat a few.
          const order = events
            .map((e, i) => ({ e, k: shuffle[i % shuffle.length]! ^ (i * 2654435761) }))
            .sort((a, b) => a.k - b.k)
            .map((x) => x.e);
          const shuffled = observer(maxEntries);
          for (const e of [...order, ...order.slice(0, 5)]) shuffled.field.receive(e);
          expect(canonical(shuffled)).toBe(canonical(inOrder));
          const got = shuffled.streams.text('room').messages().map(show);
          expect(got).toEqual(inOrder.streams.text('room').messages().map(show));
          expect(got).toEqual(fromScratch(shuffled).map(show));
          // The mirror followed every change (built once, at opening).
          expect(shuffled.streams.text('room').counters().rebuilds).toBe(1);
          if (maxEntries === undefined) {
            for (const w of writers) {
              expect(w.streams.text('room').messages().map(show)).toEqual(got);
            }
          }
          // Each author's messages in its own order.
          for (const a of [0, 1, 2, 3].map(author)) {
            const seqs = shuffled.streams
              .text('room')
              .messages()
              .filter((m) => m.author === a)
              .map((m) => m.eventId.seq);
            expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
          }
        },
      ),
      { numRuns: propertyRuns(60, 1_000) },
    );
  });

  it('reaction- and edit-heavy chats through a small log: incremental equals from scratch', () => {
    fc.assert(
      fc.property(
        fc.array(busy, { minLength: 20, maxLength: 120 }),
        fc.array(fc.integer({ min: -80_000, max: 80_000 }), { minLength: 4, maxLength: 4 }),
        fc.integer({ min: 2, max: 25 }),
        (commands, offsets, maxEntries) => {
          const { events } = write(commands, offsets);
          const o = observer(maxEntries);
          const t = o.streams.text('room');
          for (const e of events) {
            o.field.receive(e);
            // After every record, not only at the end: each drop is checked.
            expect(t.messages().map(show)).toEqual(fromScratch(o).map(show));
          }
          expect(t.counters().rebuilds).toBe(1);
          expect(t.counters().targets).toBeLessThanOrEqual(t.counters().records);
        },
      ),
      { numRuns: propertyRuns(40, 500) },
    );
  });

  it('ids of replies and targets point at messages of the stream', () => {
    const { writers } = write(
      [
        { actor: 0, op: 'send', pick: 1, reaction: 0, dtUs: 10 },
        { actor: 1, op: 'reply', pick: 0, reaction: 0, dtUs: 10 },
      ],
      [0, 0, 0, 0],
    );
    const list = writers[0]!.streams.text('room').messages();
    expect(list[1]?.replyTo).toBe(list[0]?.id as MessageId);
  });
});
