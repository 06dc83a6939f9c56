import type { VirtualScheduler } from '@elara/core/sim';
import type { Observable, Subscription } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';

/** One recorded notification, in the shape `TestScheduler.parseMarbles` produces. */
export interface Recorded {
  frame: number;
  notification: { kind: 'N' | 'E' | 'C'; value: unknown; error: unknown };
}

/**
 * Subscribes to `source` at virtual time `subscribeAtMs` (ms after now), drives core's virtual
 * scheduler for `forMs` and returns what arrived, framed in ms since the start: the same form as
 * a marble diagram parsed in run mode, so `toEqual(marbles('…'))` compares them.
 */
export function record<T>(
  scheduler: VirtualScheduler,
  source: Observable<T>,
  forMs: number,
  subscribeAtMs = 0,
  unsubscribeAtMs = Number.POSITIVE_INFINITY,
): Recorded[] {
  const start = scheduler.now();
  const frame = () => (scheduler.now() - start) / 1000;
  const out: Recorded[] = [];
  let sub: Subscription | undefined;
  scheduler.at(start + subscribeAtMs * 1000, () => {
    sub = source.subscribe({
      next: (value) =>
        out.push({ frame: frame(), notification: { kind: 'N', value, error: undefined } }),
      error: (error: unknown) =>
        out.push({ frame: frame(), notification: { kind: 'E', value: undefined, error } }),
      complete: () =>
        out.push({
          frame: frame(),
          notification: { kind: 'C', value: undefined, error: undefined },
        }),
    });
  });
  if (Number.isFinite(unsubscribeAtMs)) {
    scheduler.at(start + unsubscribeAtMs * 1000, () => sub?.unsubscribe());
  }
  scheduler.advanceBySync(forMs * 1000);
  return out;
}

/**
 * A marble diagram in run mode (1 frame = 1 ms, time progression like `10ms`). Outside
 * `TestScheduler.run` the static parser counts 10 frames per character, so run mode's factor
 * is set for the parse, as `run()` itself does.
 */
export function marbles(
  diagram: string,
  values?: Record<string, unknown>,
  error?: unknown,
): Recorded[] {
  const factor = TestScheduler.frameTimeFactor;
  TestScheduler.frameTimeFactor = 1;
  try {
    return TestScheduler.parseMarbles(diagram, values, error, false, true) as Recorded[];
  } finally {
    TestScheduler.frameTimeFactor = factor;
  }
}

/** Subscription frames of a diagram such as `20ms ^ 29ms !`, in run mode. */
export function subscriptionMarbles(diagram: string): {
  subscribedFrame: number;
  unsubscribedFrame: number;
} {
  const factor = TestScheduler.frameTimeFactor;
  TestScheduler.frameTimeFactor = 1;
  try {
    return TestScheduler.parseMarblesAsSubscriptions(diagram, true);
  } finally {
    TestScheduler.frameTimeFactor = factor;
  }
}
