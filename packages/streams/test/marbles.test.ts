import { describe, expect, it } from 'vitest';
import { fromRxScheduler } from '@elara/time/rx';
import { interval, map, take } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { Message, PresenceEntry, TextChange, TypingEntry } from '../src/index.ts';
import { ALICE, BOB, connect, replica, type Replica } from './helpers.ts';

/** Marble tests: the stack runs on the TestScheduler's clock (1 frame = 1 ms = 1 000 µs of τs). */
function marbles(
  body: (h: {
    ts: TestScheduler;
    a: Replica;
    b: Replica;
    at: (frame: number, work: () => unknown) => void;
    helpers: Parameters<Parameters<TestScheduler['run']>[0]>[0];
  }) => void,
): void {
  const ts = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  ts.run((helpers) => {
    const clock = fromRxScheduler(ts);
    const options = {
      presence: { timeoutUs: 5_000 },
      typing: { ttlUs: 3_000, refreshUs: 1_500 },
    };
    const a = replica(ALICE, clock, { members: [ALICE, BOB], options });
    const b = replica(BOB, clock, { members: [ALICE, BOB], options });
    connect([a, b]);
    const at = (frame: number, work: () => unknown) => ts.schedule(() => void work(), frame);
    body({ ts, a, b, at, helpers });
  });
}

const contents = (list: readonly Message[]) => list.map((m) => m.content).join(',');

describe('text: messages$ and changes$', () => {
  it('each subscription gets the list at once, then each change, until it unsubscribes', () => {
    marbles(({ a, b, at, helpers: { expectObservable } }) => {
      const ta = a.streams.text('room');
      let x: ReturnType<typeof ta.send> | undefined;
      at(1, () => (x = ta.send('x')));
      at(4, () => ta.send('y'));
      at(6, () => ta.edit(x!, 'x2'));
      at(9, () => b.streams.text('room').send('z'));
      const list$ = b.streams.text('room').messages$.pipe(map(contents));
      expectObservable(list$, '^ 7ms !').toBe('a b 2ms c 1ms d', {
        a: '',
        b: 'x',
        c: 'x,y',
        d: 'x2,y',
      });
      expectObservable(list$, '5ms ^ 10ms !').toBe('5ms a b 2ms c', {
        a: 'x,y',
        b: 'x2,y',
        c: 'x2,y,z',
      });
      // The author's own view changes at the same frames (local-first).
      expectObservable(ta.messages$.pipe(map(contents)), '^ 10ms !').toBe('a b 2ms c 1ms d 2ms e', {
        a: '',
        b: 'x',
        c: 'x,y',
        d: 'x2,y',
        e: 'x2,y,z',
      });
    });
  });

  it('changes$ replays nothing: a late subscriber sees only later changes', () => {
    marbles(({ a, at, helpers: { expectObservable } }) => {
      const ta = a.streams.text('room');
      let x: ReturnType<typeof ta.send> | undefined;
      at(1, () => (x = ta.send('x')));
      at(3, () => ta.react(x!, '👍'));
      at(5, () => ta.delete(x!));
      const change = (c: TextChange) =>
        `${c.type}:${c.message.content}:${c.message.reactions.length}`;
      expectObservable(ta.changes$.pipe(map(change)), '2ms ^ 5ms !').toBe('3ms a 1ms b', {
        a: 'updated:x:1',
        b: 'updated::0',
      });
    });
  });

  it('completes when the registry closes', () => {
    marbles(({ a, at, helpers: { expectObservable } }) => {
      at(1, () => a.streams.text('room').send('x'));
      at(3, () => a.streams.close());
      expectObservable(a.streams.text('room').messages$.pipe(map(contents))).toBe('a b 1ms |', {
        a: '',
        b: 'x',
      });
    });
  });
});

describe('presence$ and heartbeats on the scheduler', () => {
  it('heartbeats while subscribed; the member times out 5 ms after the last one', () => {
    marbles(({ ts, a, b, at, helpers: { expectObservable } }) => {
      interval(1, ts)
        .pipe(take(30))
        .subscribe(() => {
          a.field.expire();
          b.field.expire();
        });
      const here = a.streams.presence();
      here.join();
      expectObservable(here.heartbeats(2, ts), '^ 9ms !').toBe('2ms a 1ms b 1ms c 1ms d', {
        a: 1,
        b: 2,
        c: 3,
        d: 4,
      });
      const expiry = (list: readonly PresenceEntry[]) => list.map((p) => p.expiresAt / 1_000);
      expectObservable(b.streams.presence().presence$.pipe(map(expiry)), '^ 20ms !').toBe(
        'a 1ms b 1ms c 1ms d 1ms e 4ms f',
        { a: [5], b: [7], c: [9], d: [11], e: [13], f: [] },
      );
      at(15, () => expect(here.joined).toBe(true));
    });
  });
});

describe('typing$ and its TTL', () => {
  it('start, refresh, stop and expiry, driven by the field’s expire on the scheduler', () => {
    marbles(({ ts, a, b, at, helpers: { expectObservable } }) => {
      interval(1, ts)
        .pipe(take(20))
        .subscribe(() => b.field.expire());
      const t = a.streams.typing('room');
      at(1, () => t.start());
      at(2, () => t.start()); // within refreshUs: nothing sent
      at(3, () => t.start());
      at(5, () => t.stop());
      at(7, () => t.start());
      const expiry = (list: readonly TypingEntry[]) => list.map((e) => e.expiresAt / 1_000);
      expectObservable(b.streams.typing('room').typing$.pipe(map(expiry)), '^ 15ms !').toBe(
        'a b 1ms c 1ms d 1ms e 2ms f',
        { a: [], b: [4], c: [6], d: [], e: [10], f: [] },
      );
    });
  });
});
