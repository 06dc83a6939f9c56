import { OutOfRangeError, ParseError } from './elara-error.ts';

/** The largest unsigned 64-bit value. */
export const U64_MAX = 0xffff_ffff_ffff_ffffn;

/**
 * True when `value` is a bigint in 0..2^64 − 1. Codecs test this before every u64 write, so a
 * `number` or an out-of-range bigint becomes a named error instead of DataView's TypeError or
 * a silently wrapped value. `asUintN` is the cheapest exact test V8 offers (two comparisons
 * cost more).
 */
export function isU64(value: unknown): value is bigint {
  return typeof value === 'bigint' && BigInt.asUintN(64, value) === value;
}

/** Returns `value` as a bigint after checking it is an unsigned 64-bit integer. */
export function toU64(value: bigint | number, what = 'u64'): bigint {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value))
      throw new OutOfRangeError(`${what}: ${value} is not a safe integer`);
    value = BigInt(value);
  }
  if (value < 0n || value > U64_MAX) throw new OutOfRangeError(`${what}: ${value} is not a u64`);
  return value;
}

/**
 * Fixed-width hex form, `0x` and 16 digits (the vectors' form). A value outside 0..2^64 − 1
 * throws {@link OutOfRangeError} (a negative bigint would print as `0x0000-5`).
 */
export function u64ToHex(value: bigint): string {
  if (!isU64(value)) throw new OutOfRangeError(`u64: ${String(value)} is not a u64`);
  return `0x${value.toString(16).padStart(16, '0')}`;
}

/** Parses a hex form (with or without `0x`, 1 to 16 digits). */
export function u64FromHex(text: string, what = 'u64'): bigint {
  const digits = text.startsWith('0x') || text.startsWith('0X') ? text.slice(2) : text;
  if (!/^[0-9a-fA-F]{1,16}$/.test(digits))
    throw new ParseError(`${what}: not a 64-bit hex value: ${text}`);
  return BigInt(`0x${digits}`);
}
