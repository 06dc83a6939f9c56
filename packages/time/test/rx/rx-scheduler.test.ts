import { describe, expect, it } from 'vitest';
import { after, realTimeScheduler, systemClock } from '@elara/core';
import { VirtualScheduler } from '@elara/core/sim';
import {
  Subject,
  concatMap,
  debounceTime,
  defer,
  delay,
  finalize,
  firstValueFrom,
  interval,
  toArray,
  map,
  of,
  take,
  throttleTime,
  timer,
} from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { fromRxScheduler, toRxScheduler } from '../../src/rx/index.ts';
import { marbles, record, subscriptionMarbles } from './marbles.ts';

describe('toRxScheduler: RxJS timers driven by core’s VirtualScheduler', () => {
  it('counts milliseconds where core counts microseconds', () => {
    const vs = new VirtualScheduler(1_800_000_000_000_000);
    const rx = toRxScheduler(vs);
    expect(rx.now()).toBe(1_800_000_000_000);
    vs.advanceBySync(1_500);
    expect(rx.now()).toBe(1_800_000_000_001.5);
  });

  it('timer and interval fire at their virtual times', () => {
    const vs = new VirtualScheduler();
    const rx = toRxScheduler(vs);
    expect(record(vs, timer(5, rx), 20)).toEqual(marbles('5ms (a|)', { a: 0 }));
    expect(record(vs, interval(10, rx).pipe(take(3)), 100)).toEqual(
      marbles('10ms a 9ms b 9ms (c|)', { a: 0, b: 1, c: 2 }),
    );
    expect(vs.pending).toBe(0);
  });

  it('delay on a source driven by core timers', () => {
    const vs = new VirtualScheduler();
    const rx = toRxScheduler(vs);
    const source = new Subject<string>();
    const start = vs.now();
    for (const [ms, v] of [
      [2, 'a'],
      [4, 'b'],
      [30, 'c'],
      [45, 'd'],
    ] as const) {
      vs.at(start + ms * 1000, () => source.next(v));
    }
    vs.at(start + 60_000, () => source.complete());
    const delayed = record(vs, source.pipe(delay(10, rx)), 100);
    expect(delayed).toEqual(marbles('12ms a 1ms b 25ms c 14ms d 4ms |'));
  });

  it('debounce and throttle', () => {
    const vs = new VirtualScheduler();
    const rx = toRxScheduler(vs);
    const make = () => {
      const s = new Subject<string>();
      const start = vs.now();
      vs.at(start + 1_000, () => s.next('a'));
      vs.at(start + 3_000, () => s.next('b'));
      vs.at(start + 20_000, () => s.next('c'));
      vs.at(start + 40_000, () => s.complete());
      return s;
    };
    expect(record(vs, make().pipe(debounceTime(5, rx)), 60)).toEqual(
      marbles('8ms b 16ms c 14ms |'),
    );
    expect(record(vs, make().pipe(throttleTime(5, rx)), 60)).toEqual(
      marbles('1ms a 18ms c 19ms |'),
    );
  });

  it('subscription windows: a subscription from 20 ms to 50 ms sees only its share, and leaves no timer', () => {
    const vs = new VirtualScheduler();
    const rx = toRxScheduler(vs);
    const subs: { subscribedFrame: number; unsubscribedFrame: number }[] = [];
    const start = vs.now();
    const frame = () => (vs.now() - start) / 1000;
    const source = defer(() => {
      const entry = { subscribedFrame: frame(), unsubscribedFrame: Number.POSITIVE_INFINITY };
      subs.push(entry);
      return interval(10, rx).pipe(finalize(() => (entry.unsubscribedFrame = frame())));
    });
    const got = record(vs, source, 100, 20, 50);
    // The unsubscription at 50 ms was scheduled before the tick due then, so it wins the tie.
    expect(got).toEqual(marbles('30ms a 9ms b', { a: 0, b: 1 }));
    expect(subs).toEqual([subscriptionMarbles('20ms ^ 29ms !')]);
    expect(vs.pending).toBe(0);
  });

  it('nested scheduling (concatMap of timers) keeps order in virtual time', () => {
    const vs = new VirtualScheduler();
    const rx = toRxScheduler(vs);
    const source = of(3, 1, 2).pipe(concatMap((n) => timer(n, rx).pipe(map(() => n))));
    expect(record(vs, source, 20)).toEqual(marbles('3ms a b - (c|)', { a: 3, b: 1, c: 2 }));
  });

  it('a throwing action is unsubscribed and its error reaches whoever drives the scheduler', () => {
    const vs = new VirtualScheduler();
    const rx = toRxScheduler(vs);
    let runs = 0;
    const sub = rx.schedule(function () {
      runs++;
      this.schedule(undefined, 1);
      throw new Error('boom');
    }, 1);
    expect(() => vs.advanceBySync(10_000)).toThrow('boom');
    expect(sub.closed).toBe(true);
    vs.advanceBySync(10_000);
    expect(runs).toBe(1);
  });
});

describe('toRxScheduler on core’s real-time scheduler', () => {
  // Core's realTimeScheduler re-arms until its clock reaches the due time and does not unref its
  // timers; the adapter hands RxJS's delays to it unchanged, so both properties carry over.
  // Only "never early" is asserted, never a duration.
  it('timers and intervals never fire early, and a pending one keeps Node alive', async () => {
    const rx = toRxScheduler(realTimeScheduler(systemClock()));
    const keepAlive = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const pending = keepAlive();
    const t0 = rx.now();
    const fired = firstValueFrom(timer(3, rx).pipe(map(() => rx.now())));
    expect(keepAlive()).toBe(pending + 1);
    expect(await fired).toBeGreaterThanOrEqual(t0 + 3);
    const t1 = rx.now();
    const ticks = await firstValueFrom(
      interval(2, rx).pipe(
        map(() => rx.now()),
        take(4),
        toArray(),
      ),
    );
    ticks.forEach((t, n) => expect(t).toBeGreaterThanOrEqual(t1 + 2 * (n + 1)));
    expect(keepAlive()).toBe(pending);
  });
});

describe('fromRxScheduler: core timers inside TestScheduler marbles', () => {
  it('after() on the test scheduler fires at its frame', () => {
    const ts = new TestScheduler((a, e) => expect(a).toEqual(e));
    ts.run(({ expectObservable }) => {
      const core = fromRxScheduler(ts);
      const out = new Subject<string>();
      after(core, 5_000, () => out.next('a'));
      const cancel = after(core, 7_000, () => out.next('x'));
      after(core, 6_000, cancel);
      after(core, 9_000, () => out.complete());
      expectObservable(out).toBe('5ms a 3ms |');
    });
  });
});
