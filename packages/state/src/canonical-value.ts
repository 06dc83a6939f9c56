/**
 * Plain data in a fixed shape and order, so two replicas hold the same state exactly when
 * `JSON.stringify` of their snapshots is equal. Bytes are lowercase hex, 64-bit ids `0x` + 16
 * hex digits, big integers decimal strings.
 */
export type CanonicalValue =
  | string
  | number
  | boolean
  | null
  | readonly CanonicalValue[]
  | { readonly [key: string]: CanonicalValue };

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Lowercase hex of bytes (the canonical form of values in snapshots). */
export function bytesToHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i] as number] as string;
  return s;
}
