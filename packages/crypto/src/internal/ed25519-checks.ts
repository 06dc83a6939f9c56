import {
  MalformedSignatureError,
  NonCanonicalKeyError,
  SmallOrderKeyError,
} from '../crypto-errors.ts';
import { KEY_LENGTH } from '../crypto-provider.ts';
import { checkLength } from './check-bytes.ts';
import { hexBytes } from './hex-bytes.ts';

const SIGNATURE_LENGTH = 64;

/**
 * The y coordinates (little-endian, sign bit clear) of the 8 Ed25519 points of small order:
 * 1 (the identity), p − 1 (order 2), 0 (order 4, both signs of x) and the two order-8 values
 * (each with both signs of x). A key with one of these y values, whatever its sign bit, makes
 * `[8][k]A` vanish, so a signature under it proves nothing about its holder.
 */
const SMALL_ORDER_Y: readonly Uint8Array[] = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
].map(hexBytes);

/** L, the order of the Ed25519 base point, little-endian. */
const ORDER_L = hexBytes('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010');

/**
 * Checks an Ed25519 public key as both providers must: 32 bytes, y < p (RFC 8032 §5.1.3 calls
 * other encodings invalid; OpenSSL and tweetnacl would silently reduce or reject them
 * differently) and not of small order. Encodings that are not curve points at all are left to
 * the verification, which fails for them on both providers.
 */
export function checkEd25519PublicKey(publicKey: unknown): asserts publicKey is Uint8Array {
  checkLength(publicKey, KEY_LENGTH, 'Ed25519 public key');
  if (yIsUnreduced(publicKey)) {
    throw new NonCanonicalKeyError('Ed25519 public key: y coordinate is not reduced mod p');
  }
  if (hasSmallOrderY(publicKey)) {
    throw new SmallOrderKeyError('Ed25519 public key: a point of small order');
  }
}

/**
 * Checks a signature's shape as both providers must: 64 bytes and S < L (RFC 8032 §5.1.7).
 * tweetnacl does not check S < L, so without this a signature would have several valid forms.
 */
export function checkEd25519Signature(signature: unknown): asserts signature is Uint8Array {
  checkLength(signature, SIGNATURE_LENGTH, 'Ed25519 signature');
  for (let i = 31; i >= 0; i--) {
    const s = signature[32 + i] as number;
    const l = ORDER_L[i] as number;
    if (s < l) return;
    if (s > l) break;
  }
  throw new MalformedSignatureError('Ed25519 signature: S is not reduced (S ≥ L)');
}

function yIsUnreduced(key: Uint8Array): boolean {
  // p = 2^255 − 19 is 0xed, then 30 bytes 0xff, then 0x7f (little-endian).
  if (((key[31] as number) & 0x7f) !== 0x7f) return false;
  for (let i = 30; i >= 1; i--) if (key[i] !== 0xff) return false;
  return (key[0] as number) >= 0xed;
}

function hasSmallOrderY(key: Uint8Array): boolean {
  for (const y of SMALL_ORDER_Y) {
    let diff = ((key[31] as number) & 0x7f) ^ (y[31] as number);
    for (let i = 0; i < 31; i++) diff |= (key[i] as number) ^ (y[i] as number);
    if (diff === 0) return true;
  }
  return false;
}
