import { OutOfRangeError } from './elara-error.ts';
import { toU64, u64FromHex } from './u64.ts';

declare const stateIdBrand: unique symbol;

/**
 * The id of a state atom: `type:16 ‖ instance:48` packed into a u64 (PROTOCOL.md §1). Written
 * LE, so the type prefix sits in bytes 6..8 of the 8 wire bytes.
 */
export type StateId = bigint & { readonly [stateIdBrand]: 'StateId' };

const INSTANCE_MASK = 0xffff_ffff_ffffn;

/** Known state-type prefixes (u16) of the reference's helpers. */
export const StateTypePrefix = {
  Text: 0x0001,
  Presence: 0x0002,
  Typing: 0x0003,
  Feed: 0x0004,
  Voice: 0x0010,
  Visual: 0x0020,
  Livestream: 0x0021,
  /** Elara: the session membership log (not in the reference). */
  Membership: 0x0100,
} as const;

/**
 * Packs a state id. Like the reference, the instance is truncated to its low 48 bits
 * (`stateIdFromParts` keeps that behaviour for byte compatibility; use
 * {@link stateIdStrict} to refuse instances that do not fit).
 */
export function stateIdFromParts(type: number, instance: bigint | number): StateId {
  if (!Number.isInteger(type) || type < 0 || type > 0xffff) {
    throw new OutOfRangeError(`StateId type: ${type} is not a u16`);
  }
  const inst = toU64(instance, 'StateId instance') & INSTANCE_MASK;
  return ((BigInt(type) << 48n) | inst) as StateId;
}

/** Packs a state id, refusing an instance wider than 48 bits. */
export function stateIdStrict(type: number, instance: bigint | number): StateId {
  const inst = toU64(instance, 'StateId instance');
  if (inst > INSTANCE_MASK) throw new OutOfRangeError(`StateId instance: ${inst} exceeds 48 bits`);
  return stateIdFromParts(type, inst);
}

/** Brands a raw u64 as a {@link StateId}. */
export function stateId(value: bigint | number): StateId {
  return toU64(value, 'StateId') as StateId;
}

/** The 16-bit type prefix. */
export function stateIdType(id: StateId): number {
  return Number(id >> 48n);
}

/** The 48-bit instance. */
export function stateIdInstance(id: StateId): bigint {
  return id & INSTANCE_MASK;
}

/** The reference's display form `"%04x:%012x"`. */
export function formatStateId(id: StateId): string {
  return `${stateIdType(id).toString(16).padStart(4, '0')}:${stateIdInstance(id).toString(16).padStart(12, '0')}`;
}

/** Parses the display form or a hex u64. */
export function parseStateId(text: string): StateId {
  const m = /^([0-9a-fA-F]{4}):([0-9a-fA-F]{12})$/.exec(text);
  if (m?.[1] !== undefined && m[2] !== undefined) {
    return stateIdFromParts(parseInt(m[1], 16), BigInt(`0x${m[2]}`));
  }
  return u64FromHex(text, 'StateId') as StateId;
}
