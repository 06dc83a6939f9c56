import { OutOfRangeError } from '@elara/core';
import { InvalidLengthError } from '../crypto-errors.ts';
import { MAX_HKDF_LENGTH } from '../crypto-provider.ts';

/**
 * True for a real Uint8Array. `instanceof` alone also admits a Proxy of one, whose every read
 * runs caller code: a getter could call back into a primitive in the middle of a computation
 * (the native HMAC-SHA512's shared scratch then holds another key). `ArrayBuffer.isView`
 * looks at the object's internal slots, which a Proxy does not have.
 */
export function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array && ArrayBuffer.isView(value);
}

/** Throws {@link InvalidLengthError} unless `value` is a Uint8Array of exactly `length` bytes. */
export function checkLength(
  value: unknown,
  length: number,
  what: string,
): asserts value is Uint8Array {
  if (!isBytes(value)) throw new InvalidLengthError(what, length, undefined);
  if (value.length !== length) throw new InvalidLengthError(what, length, value.length);
}

/** Throws {@link InvalidLengthError} unless `value` is a Uint8Array (of any length, not a Proxy). */
export function checkBytes(value: unknown, what: string): asserts value is Uint8Array {
  if (!isBytes(value)) throw new InvalidLengthError(what, 'any number of', undefined);
}

/** The first `needed` bytes of a caller's output buffer, or a new array when none is given. */
export function outputView(output: Uint8Array | undefined, needed: number): Uint8Array {
  if (output === undefined) return new Uint8Array(needed);
  if (!isBytes(output)) throw new InvalidLengthError('output', `≥ ${needed}`, undefined);
  if (output.length < needed) throw new InvalidLengthError('output', `≥ ${needed}`, output.length);
  return output.length === needed ? output : output.subarray(0, needed);
}

/** Throws {@link OutOfRangeError} unless `length` is a valid HKDF-SHA256 output length. */
export function checkHkdfLength(length: number): void {
  if (!Number.isInteger(length) || length < 1 || length > MAX_HKDF_LENGTH) {
    throw new OutOfRangeError(`HKDF-SHA256 output length must be 1..${MAX_HKDF_LENGTH}: ${length}`);
  }
}

/**
 * The most random bytes one `randomBytes` call returns (1 MiB). A bound far above any key or
 * nonce, so an absurd count is a named error instead of an engine `RangeError` from allocation.
 */
export const MAX_RANDOM_BYTES = 1 << 20;

/** Throws {@link OutOfRangeError} unless `n` is a valid count of random bytes (0..1 MiB). */
export function checkByteCount(n: number): void {
  if (!Number.isSafeInteger(n) || n < 0 || n > MAX_RANDOM_BYTES) {
    throw new OutOfRangeError(`byte count must be an integer in 0..${MAX_RANDOM_BYTES}: ${n}`);
  }
}
