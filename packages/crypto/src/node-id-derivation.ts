import { ByteReader, type NodeId, nodeId } from '@elara/core';
import type { CryptoProvider } from './crypto-provider.ts';
import { KEY_LENGTH } from './crypto-provider.ts';
import { checkLength } from './internal/check-bytes.ts';

/**
 * A node's id exactly as the reference derives it (PROTOCOL.md §9): the first 8 bytes of
 * SHA-256 of the Ed25519 public key, read as a little-endian u64, with no prefix or domain
 * label. So a key moved from the Rust reference keeps its NodeId.
 *
 * @example
 * deriveNodeId(crypto, rfc8032Key1Public); // 0x61a254a1df31fe21n
 */
export function deriveNodeId(provider: CryptoProvider, ed25519PublicKey: Uint8Array): NodeId {
  checkLength(ed25519PublicKey, KEY_LENGTH, 'Ed25519 public key');
  return nodeId(new ByteReader(provider.sha256(ed25519PublicKey)).u64());
}
