import { OutOfRangeError } from '@elara/core';

/**
 * Throws core's `OutOfRangeError` unless `value` is a bigint in 0..2^64 − 1: ids (session,
 * node, channel) arrive from callers' code, and a number or undefined there would otherwise
 * surface as an engine `TypeError` from `BigInt` or `DataView`.
 */
export function checkU64(value: unknown, what: string): asserts value is bigint {
  if (typeof value !== 'bigint' || value < 0n || value > 0xffff_ffff_ffff_ffffn) {
    throw new OutOfRangeError(`${what} must be a u64 bigint, got ${String(value)}`);
  }
}
