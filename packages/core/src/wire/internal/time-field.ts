import { OutOfRangeError } from '../../elara-error.ts';
import { InvalidWireFormatError } from '../../wire-errors.ts';

const TWO_32 = 0x1_0000_0000;

/**
 * Writes a µs timestamp (a safe-integer `number`) as an i64 LE in two 32-bit halves, so hot
 * codecs need no BigInt per field. A number that is not a safe integer is an
 * {@link OutOfRangeError}.
 */
export function setTimeUs(view: DataView, at: number, time: number, what: string): void {
  if (!Number.isSafeInteger(time))
    throw new OutOfRangeError(`${what} ${time} is not a safe integer`);
  const hi = Math.floor(time / TWO_32);
  view.setUint32(at, time - hi * TWO_32, true);
  view.setInt32(at + 4, hi, true);
}

/** Reads an i64 LE µs timestamp; one outside ±(2^53 − 1) is an {@link InvalidWireFormatError}. */
export function getTimeUs(view: DataView, at: number, what: string): number {
  const time = view.getInt32(at + 4, true) * TWO_32 + view.getUint32(at, true);
  if (!Number.isSafeInteger(time)) throw new InvalidWireFormatError(`${what} is beyond ±2^53 µs`);
  return time;
}
