import { WIRE_OFFSET_UNIT_US } from '@elara/core';

/**
 * A frame's time hint: the sender's µs since `zero` (the channel's creation) in the header's
 * 100 µs units, wrapped modulo 2^32 into the i32. Only differences of hints are meaningful
 * (the receiver's jitter), so the hint wraps instead of saturating after 2^31 units (~59.6 h):
 * {@link TimeHintReader} undoes the wrap.
 */
export function wrappedTimeHint(now: number, zero: number): number {
  // `| 0` is ToInt32: modulo 2^32 into the i32 range, exact for integers below 2^53.
  return Math.trunc((now - zero) / WIRE_OFFSET_UNIT_US) | 0;
}

/**
 * The receiving side of one channel's time hints: turns each wrapped hint into the sender's
 * µs on a continuous scale, by the signed (wrap-around) difference to the last one. Hints of
 * frames sent less than ~59.6 h apart (reordered ones too) keep their true differences.
 */
export class TimeHintReader {
  private last: number | undefined;
  private lastUs = 0;

  /** The send time of a frame with hint `hint` (i32), µs on this reader's scale. */
  read(hint: number): number {
    if (this.last === undefined) this.lastUs = hint * WIRE_OFFSET_UNIT_US;
    else this.lastUs += ((hint - this.last) | 0) * WIRE_OFFSET_UNIT_US;
    this.last = hint;
    return this.lastUs;
  }
}
