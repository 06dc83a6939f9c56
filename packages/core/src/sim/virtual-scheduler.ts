import type { Cancel, Scheduler } from '../scheduler.ts';

interface Timer {
  readonly t: number;
  readonly order: number;
  fn: (() => void) | undefined;
}

const macrotask: (fn: () => void) => void =
  typeof (globalThis as { setImmediate?: unknown }).setImmediate === 'function'
    ? (fn) => (globalThis as unknown as { setImmediate: (f: () => void) => void }).setImmediate(fn)
    : (fn) => setTimeout(fn, 0);

/** Resolves after every pending promise continuation (microtask) has run. */
export function drainMicrotasks(): Promise<void> {
  return new Promise((resolve) => macrotask(resolve));
}

/**
 * A {@link Scheduler} on virtual time (µs). Timers live in a binary heap ordered by time, then
 * by scheduling order, so runs are deterministic. `advanceBy()` runs due timers one by one and
 * drains pending promise continuations after each, so async code built on this scheduler runs
 * in virtual time exactly as it would in real time, only instantly.
 *
 * @example
 * const sched = new VirtualScheduler();
 * sched.at(1_000, () => console.log('1 ms'));
 * await sched.advanceBy(5_000); // prints, now() === 5000
 */
export class VirtualScheduler implements Scheduler {
  private time: number;
  private order = 0;
  private readonly heap: Timer[] = [];
  private live = 0;

  constructor(startUs = 0) {
    this.time = startUs;
  }

  now(): number {
    return this.time;
  }

  at(t: number, fn: () => void): Cancel {
    const timer: Timer = { t: Math.max(t, this.time), order: this.order++, fn };
    this.push(timer);
    this.live++;
    return () => {
      if (timer.fn !== undefined) {
        timer.fn = undefined;
        this.live--;
      }
    };
  }

  /** Number of timers still scheduled. */
  get pending(): number {
    return this.live;
  }

  /** Time of the next live timer, or `undefined`. */
  nextTime(): number | undefined {
    this.dropCancelled();
    return this.heap[0]?.t;
  }

  /**
   * Runs every timer due within `dtUs`, draining microtasks after each, then sets the clock to
   * `now() + dtUs`.
   */
  async advanceBy(dtUs: number): Promise<void> {
    await this.advanceTo(this.time + dtUs);
  }

  /** Like {@link advanceBy} to an absolute time. */
  async advanceTo(targetUs: number): Promise<void> {
    await drainMicrotasks();
    for (;;) {
      const next = this.nextTime();
      if (next === undefined || next > targetUs) break;
      this.runOne();
      await drainMicrotasks();
    }
    if (targetUs > this.time) this.time = targetUs;
  }

  /**
   * Advances until `done()` holds (checked after each timer and microtask drain) or `limitUs`
   * of virtual time passed. Returns whether `done()` held.
   */
  async runUntil(done: () => boolean, limitUs = Number.POSITIVE_INFINITY): Promise<boolean> {
    const deadline = this.time + limitUs;
    await drainMicrotasks();
    while (!done()) {
      const next = this.nextTime();
      if (next === undefined || next > deadline) {
        if (Number.isFinite(deadline)) this.time = Math.max(this.time, deadline);
        return done();
      }
      this.runOne();
      await drainMicrotasks();
    }
    return true;
  }

  /**
   * Synchronous variant for code without promises (fast): runs due timers, no microtask
   * draining between them.
   */
  advanceBySync(dtUs: number): void {
    const target = this.time + dtUs;
    for (;;) {
      const next = this.nextTime();
      if (next === undefined || next > target) break;
      this.runOne();
    }
    if (target > this.time) this.time = target;
  }

  private runOne(): void {
    const timer = this.pop();
    if (timer?.fn === undefined) return;
    const fn = timer.fn;
    timer.fn = undefined;
    this.live--;
    this.time = timer.t;
    fn();
  }

  private dropCancelled(): void {
    while (this.heap.length > 0 && this.heap[0]?.fn === undefined) this.pop();
  }

  private less(x: Timer, y: Timer): boolean {
    return x.t < y.t || (x.t === y.t && x.order < y.order);
  }

  private push(timer: Timer): void {
    const h = this.heap;
    h.push(timer);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p] as Timer;
      if (!this.less(timer, parent)) break;
      h[i] = parent;
      i = p;
    }
    h[i] = timer;
  }

  private pop(): Timer | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (top === undefined || last === undefined || h.length === 0) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= h.length) break;
      const r = l + 1;
      const child = r < h.length && this.less(h[r] as Timer, h[l] as Timer) ? r : l;
      if (!this.less(h[child] as Timer, last)) break;
      h[i] = h[child] as Timer;
      i = child;
    }
    h[i] = last;
    return top;
  }
}
