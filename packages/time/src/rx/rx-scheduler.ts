import type { Cancel, Scheduler } from '@elara/core';
import { Subscription, type SchedulerAction, type SchedulerLike } from 'rxjs';

/** RxJS counts milliseconds, core counts microseconds. */
const US_PER_MS = 1_000;

/**
 * One scheduled piece of RxJS work on a core scheduler. Like RxJS's own actions it can
 * reschedule itself (that is how `interval` repeats), and unsubscribing cancels its timer.
 */
class CoreSchedulerAction<T> extends Subscription implements SchedulerAction<T> {
  private cancel: Cancel | undefined;
  private state: T | undefined;

  constructor(
    private readonly core: Scheduler,
    private readonly work: (this: SchedulerAction<T>, state?: T) => void,
  ) {
    super();
    this.add(() => {
      this.cancel?.();
      this.cancel = undefined;
    });
  }

  schedule(state?: T, delay = 0): Subscription {
    if (this.closed) return this;
    this.state = state;
    this.cancel?.();
    const delayUs = delay > 0 ? delay * US_PER_MS : 0;
    this.cancel = this.core.at(this.core.now() + delayUs, () => this.execute());
    return this;
  }

  private execute(): void {
    this.cancel = undefined;
    if (this.closed) return;
    try {
      this.work.call(this, this.state);
    } catch (err) {
      // As RxJS's AsyncAction does: a throwing action is dead, and the error goes up.
      this.unsubscribe();
      throw err;
    }
  }
}

class CoreRxScheduler implements SchedulerLike {
  constructor(private readonly core: Scheduler) {}

  now(): number {
    return this.core.now() / US_PER_MS;
  }

  schedule<T>(
    work: (this: SchedulerAction<T>, state?: T) => void,
    delay = 0,
    state?: T,
  ): Subscription {
    return new CoreSchedulerAction<T>(this.core, work).schedule(state, delay);
  }
}

/**
 * Adapts core's {@link Scheduler} (µs) to an RxJS `SchedulerLike` (ms), so one clock drives
 * both: with core's `VirtualScheduler`, RxJS timers (`timer`, `interval`, `delay`,
 * `debounceTime`...) run in virtual time when the virtual scheduler advances.
 *
 * @example
 * const virtual = new VirtualScheduler();
 * const rx = toRxScheduler(virtual);
 * timer(1_000, rx).subscribe(() => console.log('1 s of virtual time'));
 * virtual.advanceBySync(1_000_000); // logs
 */
export function toRxScheduler(scheduler: Scheduler): SchedulerLike {
  return new CoreRxScheduler(scheduler);
}

/**
 * The other direction: core's {@link Scheduler} on an RxJS scheduler, e.g. RxJS's
 * `TestScheduler`, so code written against core's contract runs inside marble tests.
 *
 * @example
 * testScheduler.run(() => {
 *   const core = fromRxScheduler(testScheduler);
 *   core.at(core.now() + 5_000, () => subject.next('5 ms'));
 * });
 */
export function fromRxScheduler(scheduler: SchedulerLike): Scheduler {
  return {
    now: () => scheduler.now() * US_PER_MS,
    at(t, fn) {
      const delayMs = (t - scheduler.now() * US_PER_MS) / US_PER_MS;
      const sub = scheduler.schedule(fn, delayMs > 0 ? delayMs : 0);
      return () => sub.unsubscribe();
    },
  };
}
