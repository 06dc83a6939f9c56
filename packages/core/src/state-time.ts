import { OutOfRangeError } from './elara-error.ts';

/**
 * τs: state time, Unix-epoch microseconds as a `number` (ARCHITECTURE.md "Time"). The reference
 * uses an i64 of µs from an arbitrary origin; on the wire v1 carries absolute τs.
 */
export type StateTime = number;

/** τp: perceptual time in µs, monotonic and local to one node. */
export type PerceptualTime = number;

/** The unit of the header's `time_hint`: 100 µs. */
export const WIRE_OFFSET_UNIT_US = 100;

const I32_MIN = -0x8000_0000;
const I32_MAX = 0x7fff_ffff;

/**
 * The reference's `to_wire_offset(t, ref)`: `(t − ref) / 100` truncated toward zero, clamped to
 * the i32 range (−149 µs → −1, −150 µs → −1). Vectors: `time.json › wire_offsets`.
 */
export function toWireOffset(t: StateTime, reference: StateTime): number {
  // NaN has no clamp direction; the reference's integer times cannot be NaN at all.
  if (Number.isNaN(t) || Number.isNaN(reference))
    throw new OutOfRangeError(`wire offset of ${t} from ${reference} is not a number`);
  const units = Math.trunc((t - reference) / WIRE_OFFSET_UNIT_US);
  return units < I32_MIN ? I32_MIN : units > I32_MAX ? I32_MAX : units + 0;
}

/** The reference's `from_wire_offset(ref, off)`: `ref + off × 100`. */
export function fromWireOffset(reference: StateTime, offset: number): StateTime {
  if (!Number.isInteger(offset) || offset < I32_MIN || offset > I32_MAX) {
    throw new OutOfRangeError(`wire offset ${offset} is not an i32`);
  }
  return reference + offset * WIRE_OFFSET_UNIT_US;
}

/**
 * The reference's `StateTime − StateTime` duration, which saturates at 0 when negative.
 */
export function saturatingElapsed(later: StateTime, earlier: StateTime): number {
  return later > earlier ? later - earlier : 0;
}
