import { ElaraError, OutOfRangeError } from '../elara-error.ts';
import type { Cancel, Scheduler } from '../scheduler.ts';

/** `advanceBySync` was called from inside a timer of the same scheduler (re-entrancy). */
export class ReentrantAdvanceError extends ElaraError {
  static override readonly code: string = 'ReentrantAdvanceError';
}

interface Timer {
  readonly t: number;
  readonly order: number;
  fn: (() => void) | undefined;
}

// Captured at module load, before a test can install fake timers (`vi.useFakeTimers()` replaces
// the globals): a faked setImmediate never fires on its own, so advanceBy would hang forever.
const realSetImmediate = (globalThis as { setImmediate?: unknown }).setImmediate;
const realSetTimeout = globalThis.setTimeout;
const macrotask: (fn: () => void) => void =
  typeof realSetImmediate === 'function'
    ? (fn) => (realSetImmediate as (f: () => void) => void).call(globalThis, fn)
    : (fn) => realSetTimeout.call(globalThis, fn, 0);

function checkTime(value: number, what: string): void {
  // NaN compares false with everything, so it would break the heap order and loop forever.
  if (typeof value !== 'number' || Number.isNaN(value))
    throw new OutOfRangeError(`${what}: ${value} is not a time`);
}

function checkFiniteNonNegative(value: number, what: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
    throw new OutOfRangeError(`${what}: ${value} is not a finite, non-negative duration`);
}

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
  private syncRunning = false;

  /** Starts virtual time at `startUs` (finite; {@link OutOfRangeError} otherwise). */
  constructor(startUs = 0) {
    if (typeof startUs !== 'number' || !Number.isFinite(startUs))
      throw new OutOfRangeError(`VirtualScheduler start ${startUs} is not finite`);
    this.time = startUs;
  }

  now(): number {
    return this.time;
  }

  /**
   * Schedules `fn` at `t`; throws {@link OutOfRangeError} when `t` is NaN or not a number.
   * `t = Infinity` is allowed and means never (it stays pending until cancelled).
   */
  at(t: number, fn: () => void): Cancel {
    checkTime(t, 'VirtualScheduler.at');
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
   * `now() + dtUs`. Throws {@link OutOfRangeError} unless `dtUs` is finite and ≥ 0 (a NaN or
   * infinite step never ends with a repeating timer; a negative one would silently do nothing).
   */
  async advanceBy(dtUs: number): Promise<void> {
    checkFiniteNonNegative(dtUs, 'advanceBy');
    await this.advanceTo(this.time + dtUs);
  }

  /**
   * Like {@link advanceBy} to an absolute time. Throws {@link OutOfRangeError} unless `targetUs`
   * is finite and not before `now()`.
   */
  async advanceTo(targetUs: number): Promise<void> {
    checkFiniteNonNegative(targetUs - this.time, 'advanceTo');
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
   * of virtual time passed. Returns whether `done()` held. `limitUs` must be ≥ 0 (infinity
   * allowed: then it runs until `done()` or no timer is left); NaN or negative throws
   * {@link OutOfRangeError}.
   */
  async runUntil(done: () => boolean, limitUs = Number.POSITIVE_INFINITY): Promise<boolean> {
    if (limitUs !== Number.POSITIVE_INFINITY) checkFiniteNonNegative(limitUs, 'runUntil limit');
    const deadline = this.time + limitUs;
    await drainMicrotasks();
    while (!done()) {
      const next = this.nextTime();
      // A timer at +Infinity never comes due; running it would set now() to Infinity.
      if (next === undefined || next > deadline || next === Number.POSITIVE_INFINITY) {
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
   * draining between them. Same argument checks as {@link advanceBy}; calling it from inside one
   * of this scheduler's timers throws {@link ReentrantAdvanceError} (the nested run would pop
   * timers out of order relative to the outer one).
   */
  advanceBySync(dtUs: number): void {
    checkFiniteNonNegative(dtUs, 'advanceBySync');
    if (this.syncRunning) throw new ReentrantAdvanceError('advanceBySync called from a timer');
    const target = this.time + dtUs;
    this.syncRunning = true;
    try {
      for (;;) {
        const next = this.nextTime();
        if (next === undefined || next > target) break;
        this.runOne();
      }
    } finally {
      this.syncRunning = false;
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
