import {
  ByteReader,
  ByteWriter,
  InvalidWireFormatError,
  type NodeId,
  TooLargeError,
} from '@elara/core';
import { readMicros, writeMicros } from './micros.ts';

/** A member's presence status (the reference's byte values; 3 and above read as Offline). */
export const PresenceStatus = {
  Online: 0,
  Away: 1,
  Busy: 2,
  Offline: 3,
} as const;
export type PresenceStatus = (typeof PresenceStatus)[keyof typeof PresenceStatus];

/** The status a status byte means: the reference reads every byte ≥ 3 as Offline. */
export function presenceStatusFromByte(byte: number): PresenceStatus {
  return byte <= 2 ? (byte as PresenceStatus) : PresenceStatus.Offline;
}

/** Bytes of a presence without a custom status. */
export const PRESENCE_MIN_SIZE = 18;

/** The longest custom status text the u16 length allows. */
export const MAX_PRESENCE_CUSTOM = 0xffff;

/**
 * The MSP presence record (PROTOCOL.md §14.2), byte for byte: `user:u64 ‖ status:u8 ‖
 * last_active:i64 µs ‖ has_custom:u8 ‖ [len:u16 ‖ utf8]`. The reference has no decoder;
 * {@link decodePresence} is ours.
 */
export interface Presence {
  readonly user: NodeId;
  /** The status byte as sent (see {@link presenceStatusFromByte}). */
  readonly status: number;
  /** When the user was last active, τs µs. */
  readonly lastActive: number;
  /** A custom status text (UTF-8 bytes), if any. */
  readonly custom: Uint8Array | undefined;
}

/**
 * Encodes a presence record. A status that is not a byte is an `OutOfRangeError`; a custom
 * text longer than a u16 length a {@link TooLargeError}.
 *
 * @example
 * encodePresence({ user: me, status: PresenceStatus.Busy, lastActive: 5_000,
 *   custom: utf8('in a call') });
 */
export function encodePresence(p: Presence): Uint8Array {
  const custom = p.custom;
  if (custom !== undefined && custom.length > MAX_PRESENCE_CUSTOM) {
    throw new TooLargeError(custom.length, MAX_PRESENCE_CUSTOM, 'presence custom status');
  }
  const w = new ByteWriter(
    PRESENCE_MIN_SIZE + (custom === undefined ? 0 : 2 + custom.length),
    'presence',
  );
  w.u64(p.user).u8(p.status);
  writeMicros(w, p.lastActive, 'presence last_active');
  w.u8(custom === undefined ? 0 : 1);
  if (custom !== undefined) w.u16(custom.length).bytes(custom);
  return w.finish();
}

/**
 * Decodes exactly one presence record. Truncation is a `BufferTooShortError`; a `has_custom`
 * byte other than 0 or 1, trailing bytes or a time beyond ±2^53 µs an
 * {@link InvalidWireFormatError}. `custom` is a view into `bytes`.
 */
export function decodePresence(bytes: Uint8Array): Presence {
  const r = new ByteReader(bytes);
  r.need(PRESENCE_MIN_SIZE, 'presence');
  const user = r.u64() as NodeId;
  const status = r.u8();
  const lastActive = readMicros(r, 'presence last_active');
  const hasCustom = r.u8();
  if (hasCustom > 1) throw new InvalidWireFormatError(`presence: has_custom ${hasCustom}`);
  const custom = hasCustom === 1 ? r.bytes(r.u16()) : undefined;
  if (r.remaining !== 0) {
    throw new InvalidWireFormatError(`presence: ${r.remaining} bytes after the record`);
  }
  return { user, status, lastActive, custom };
}
