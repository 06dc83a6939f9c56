import { OutOfRangeError } from '@elara/core';

/**
 * Names a stream: a 48-bit instance (`number` or `bigint`, the reference's `text_stream_id(n)`
 * instance), or a name that {@link streamInstance} hashes to one (e.g. `'general'`).
 */
export type StreamKey = string | number | bigint;

const INSTANCE_BITS = 48n;
const INSTANCE_MASK = (1n << INSTANCE_BITS) - 1n;
const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const U64 = (1n << 64n) - 1n;
const encoder = new TextEncoder();

/**
 * The 48-bit instance of a stream's atoms. A number or bigint must lie in 0..2^48 − 1
 * ({@link OutOfRangeError} otherwise: the reference would silently truncate it); a name is
 * hashed, FNV-1a 64 over its UTF-8 bytes, low 48 bits. Two names can collide (about one pair in
 * 2^24 among 2^24 names); applications that must rule that out number their streams.
 *
 * @example
 * streamInstance(1);          // 1n: text stream 0x0001000000000001
 * streamInstance('general');  // the same instance on every replica
 */
export function streamInstance(key: StreamKey): bigint {
  if (typeof key === 'string') {
    let h = FNV_OFFSET;
    for (const b of encoder.encode(key)) h = ((h ^ BigInt(b)) * FNV_PRIME) & U64;
    return h & INSTANCE_MASK;
  }
  if (typeof key === 'number' && !Number.isSafeInteger(key)) {
    throw new OutOfRangeError(`stream key ${key} is not an integer`);
  }
  const v = BigInt(key);
  if (v < 0n || v > INSTANCE_MASK) {
    throw new OutOfRangeError(`stream key ${v} is not a 48-bit instance`);
  }
  return v;
}
