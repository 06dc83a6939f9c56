import { fromWireOffset, type StateTime } from './state-time.ts';

/**
 * When an event is meant to take effect, relative to the sender's τs. Only `offset` travels
 * (as the v0 header's `time_hint`, in 100 µs units); v1 envelopes carry absolute τs instead.
 */
export interface TimeIntent {
  /** Offset from the reference τs in 100 µs units (i32). */
  readonly offset: number;
  /** Optional deadline, same units (never on the wire). */
  readonly deadline?: number;
}

/** The reference's default: offset 0, no deadline. */
export const NOW_INTENT: TimeIntent = { offset: 0 };

/** The absolute τs of an intent, given the reference time it was expressed against. */
export function timeIntentToAbsolute(intent: TimeIntent, reference: StateTime): StateTime {
  return fromWireOffset(reference, intent.offset);
}
