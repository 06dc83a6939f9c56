import { ByteReader, ByteWriter, InvalidWireFormatError, type NodeId } from '@elara/core';
import { readMicros, writeMicros } from './micros.ts';

/** Encoded size of a typing indicator. */
export const TYPING_INDICATOR_SIZE = 21;

/** The reference's default typing TTL, ms. */
export const DEFAULT_TYPING_TTL_MS = 5_000;

/**
 * The MSP typing indicator (PROTOCOL.md §14.2), byte for byte: `user:u64 ‖ is_typing:u8 ‖
 * started_at:i64 µs ‖ ttl_ms:u32`.
 */
export interface TypingIndicator {
  readonly user: NodeId;
  readonly typing: boolean;
  /** When typing started, τs µs. */
  readonly startedAt: number;
  readonly ttlMs: number;
}

/**
 * Encodes an indicator. A TTL that is not a u32 is an `OutOfRangeError`.
 *
 * @example
 * encodeTypingIndicator({ user: me, typing: true, startedAt: 1_000_000, ttlMs: 5_000 });
 */
export function encodeTypingIndicator(t: TypingIndicator): Uint8Array {
  const w = new ByteWriter(TYPING_INDICATOR_SIZE, 'typing indicator');
  w.u64(t.user).u8(t.typing ? 1 : 0);
  writeMicros(w, t.startedAt, 'typing started_at');
  w.u32(t.ttlMs);
  return w.finish();
}

/**
 * Decodes exactly one indicator. Truncation is a `BufferTooShortError`; an `is_typing` byte
 * other than 0 or 1, trailing bytes or a time beyond ±2^53 µs an {@link InvalidWireFormatError}.
 */
export function decodeTypingIndicator(bytes: Uint8Array): TypingIndicator {
  const r = new ByteReader(bytes);
  r.need(TYPING_INDICATOR_SIZE, 'typing indicator');
  const user = r.u64() as NodeId;
  const typing = r.u8();
  if (typing > 1) throw new InvalidWireFormatError(`typing indicator: is_typing ${typing}`);
  const startedAt = readMicros(r, 'typing started_at');
  const ttlMs = r.u32();
  if (r.remaining !== 0) {
    throw new InvalidWireFormatError(`typing indicator: ${r.remaining} bytes after the record`);
  }
  return { user, typing: typing === 1, startedAt, ttlMs };
}

/**
 * The reference's `TypingIndicator::is_expired(now)`: an indicator that is not typing is
 * expired; otherwise it is once more than `ttlMs` whole milliseconds have passed since it
 * started (truncating division, so exactly `ttlMs` is not yet expired). Typing streams do not
 * use it: their entries expire by the state field's ephemeral law (`expire(now)`), at
 * `startedAt + ttl` exactly.
 *
 * @example
 * isTypingExpired(indicator, 6_001_000); // true for one started at 1 s with a 5 s TTL
 */
export function isTypingExpired(t: TypingIndicator, nowUs: number): boolean {
  if (!t.typing) return true;
  return Math.trunc(nowUs / 1_000) - Math.trunc(t.startedAt / 1_000) > t.ttlMs;
}
