import { SIGNATURE_LENGTH } from '@elara/core';

/**
 * True when two durable envelopes' encodings are equal but for their signatures: the same
 * event (ARCHITECTURE.md "event identity": every field is signed, and the encoding is those
 * fields in a fixed layout, then the signature).
 */
export function sameSignedContent(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = a.length - SIGNATURE_LENGTH - 1; i >= 0; i--) if (a[i] !== b[i]) return false;
  return true;
}
