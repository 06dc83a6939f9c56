import type { NodeId } from './node-id.ts';

/**
 * Signs the bytes of a durable event (`eventSigningBytes()`); returns a 64-byte Ed25519
 * signature. The runtime builds one from the node's identity and hands it to state, which
 * never imports crypto.
 */
export type EventSigner = (signingBytes: Uint8Array) => Uint8Array;

/**
 * Verifies a durable event's signature over its `eventSigningBytes()` for a claimed author.
 * Returns false for an unknown author or a bad signature; never throws on bad input.
 */
export type EventVerifier = (
  author: NodeId,
  signingBytes: Uint8Array,
  signature: Uint8Array,
) => boolean;

/** Length of an Ed25519 signature. */
export const SIGNATURE_LENGTH = 64;
