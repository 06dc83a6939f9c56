import { toU64, u64FromHex, u64ToHex } from './u64.ts';

declare const nodeIdBrand: unique symbol;

/**
 * A node's 64-bit identifier: the first 8 bytes (read little-endian) of SHA-256 of its Ed25519
 * public key (PROTOCOL.md §9; derived in `@elara/crypto`). 8 bytes LE on the wire.
 */
export type NodeId = bigint & { readonly [nodeIdBrand]: 'NodeId' };

/** Checks and brands a value as a {@link NodeId}. */
export function nodeId(value: bigint | number): NodeId {
  return toU64(value, 'NodeId') as NodeId;
}

/** `0x` + 16 hex digits. */
export function nodeIdToHex(id: NodeId): string {
  return u64ToHex(id);
}

/** Parses the hex form. */
export function nodeIdFromHex(text: string): NodeId {
  return u64FromHex(text, 'NodeId') as NodeId;
}

/** A short display form: the first 8 hex digits, enough to tell members apart in logs. */
export function formatNodeId(id: NodeId): string {
  return u64ToHex(id).slice(2, 10);
}
