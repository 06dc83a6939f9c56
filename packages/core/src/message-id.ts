import { toU64, u64FromHex, u64ToHex } from './u64.ts';
import type { NodeId } from './node-id.ts';

declare const messageIdBrand: unique symbol;

/** A message's 64-bit id inside MSP payloads (8 bytes LE). */
export type MessageId = bigint & { readonly [messageIdBrand]: 'MessageId' };

/** Checks and brands a value as a {@link MessageId}. */
export function messageId(value: bigint | number): MessageId {
  return toU64(value, 'MessageId') as MessageId;
}

/**
 * The reference's `MessageId::from_event`: `(node XOR seq) × 0x517cc1b727220a95 mod 2^64`.
 * Kept for compatibility; it collides whenever `node == seq` (PROTOCOL.md §19.12), so Elara's
 * text streams identify messages by their {@link EventId} instead.
 */
export function messageIdFromEvent(node: NodeId, seq: bigint): MessageId {
  return (((node ^ toU64(seq, 'seq')) * 0x517cc1b727220a95n) & 0xffff_ffff_ffff_ffffn) as MessageId;
}

/** `0x` + 16 hex digits. */
export function messageIdToHex(id: MessageId): string {
  return u64ToHex(id);
}

/** Parses the hex form. */
export function messageIdFromHex(text: string): MessageId {
  return u64FromHex(text, 'MessageId') as MessageId;
}

/** A short display form: the first 8 hex digits, as for node and session ids. */
export function formatMessageId(id: MessageId): string {
  return u64ToHex(id).slice(2, 10);
}
