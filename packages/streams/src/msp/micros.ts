import {
  type ByteReader,
  type ByteWriter,
  InvalidWireFormatError,
  OutOfRangeError,
} from '@elara/core';

/**
 * Reads an MSP timestamp (i64 µs) as a `number`. Microseconds are numbers across Elara (Unix
 * epoch µs fit in 2^53); a value beyond ±2^53 − 1 cannot be one and is refused with
 * {@link InvalidWireFormatError} instead of being rounded.
 */
export function readMicros(reader: ByteReader, what: string): number {
  const v = reader.i64();
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new InvalidWireFormatError(`${what}: ${v} µs is beyond ±2^53`);
  }
  return Number(v);
}

/** Writes a µs value as i64; a value that is not a safe integer is an {@link OutOfRangeError}. */
export function writeMicros(writer: ByteWriter, us: number, what: string): void {
  if (!Number.isSafeInteger(us)) throw new OutOfRangeError(`${what}: ${us} is not a safe integer`);
  writer.i64(BigInt(us));
}
