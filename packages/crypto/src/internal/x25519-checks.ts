import { SmallOrderKeyError } from '../crypto-errors.ts';
import { KEY_LENGTH } from '../crypto-provider.ts';
import { checkLength } from './check-bytes.ts';
import { hexBytes } from './hex-bytes.ts';

/**
 * The u coordinates (reduced mod p) of the X25519 points of small order, on the curve and on
 * its twist: 0 and 1, p − 1, and the two order-8 values. Any clamped scalar (a multiple of 8)
 * maps them to the all-zero shared secret that RFC 7748 §6.1 tells implementations to refuse.
 * Their unreduced aliases (p and p + 1, or any of them with bit 255 set) are caught by reducing
 * first, as X25519 itself does.
 */
const SMALL_ORDER_U: readonly Uint8Array[] = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
  '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
].map(hexBytes);

/**
 * Checks an X25519 public key as both providers must: 32 bytes and not of small order.
 * Following RFC 7748 §5, bit 255 is ignored and unreduced u values are accepted (its second
 * test vector depends on that); they are reduced before the small-order comparison.
 */
export function checkX25519PublicKey(publicKey: unknown): asserts publicKey is Uint8Array {
  checkLength(publicKey, KEY_LENGTH, 'X25519 public key');
  if (hasSmallOrderU(publicKey))
    throw new SmallOrderKeyError('X25519 public key: a point of small order');
}

/**
 * The all-zero shared secret only comes from small-order keys, which the check above refuses
 * first; this second line of defence keeps both providers on the same named error.
 */
export function checkSharedSecret(secret: Uint8Array): void {
  let acc = 0;
  for (let i = 0; i < secret.length; i++) acc |= secret[i] as number;
  if (acc === 0)
    throw new SmallOrderKeyError('X25519: all-zero shared secret (small-order peer key)');
}

function hasSmallOrderU(key: Uint8Array): boolean {
  // u ≥ p happens only for 0x7f, 30 × 0xff, 0xed..0xff; then u − p = key[0] − 0xed < 19.
  let unreduced = ((key[31] as number) & 0x7f) === 0x7f && (key[0] as number) >= 0xed;
  for (let i = 1; unreduced && i <= 30; i++) unreduced = key[i] === 0xff;
  for (const u of SMALL_ORDER_U) {
    let diff: number;
    if (unreduced) {
      diff = (u[0] as number) ^ ((key[0] as number) - 0xed);
      for (let i = 1; i < 32; i++) diff |= u[i] as number;
    } else {
      diff = ((key[31] as number) & 0x7f) ^ (u[31] as number);
      for (let i = 0; i < 31; i++) diff |= (key[i] as number) ^ (u[i] as number);
    }
    if (diff === 0) return true;
  }
  return false;
}

/**
 * The bytes to prepare for a peer given as raw bytes or as another provider's prepared key;
 * anything else is passed on unchanged for the length check to refuse by name.
 */
export function peerKeyBytes(peer: unknown): unknown {
  if (peer instanceof Uint8Array || typeof peer !== 'object' || peer === null) return peer;
  return (peer as { publicKey?: unknown }).publicKey;
}
