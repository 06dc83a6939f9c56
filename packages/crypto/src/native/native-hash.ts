import { createHash, createHmac } from 'node:crypto';
import { HASH_LENGTH } from '../crypto-provider.ts';
import { ownedBytes } from './owned-bytes.ts';

/**
 * SHA-256 through `createHash`. Not the one-shot `hash()`, which is faster but exists only from
 * Node 20.12, below the `>=20` this package declares.
 */
export function nativeSha256(data: Uint8Array): Uint8Array {
  return ownedBytes(createHash('sha256').update(data).digest());
}

/** HMAC-SHA256 through node:crypto. */
export function nativeHmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
  return ownedBytes(createHmac('sha256', key).update(data).digest());
}

const FIRST_BLOCK = new Uint8Array([1]);

/**
 * HKDF-SHA256 (RFC 5869) written out with `createHmac`: for the usual 32-byte output that is two
 * HMAC calls, about twice as fast as `hkdfSync` (LIMITS.md), which pays for a generic KDF
 * context per call.
 */
export function nativeHkdfSha256(
  ikm: Uint8Array,
  salt: Uint8Array,
  info: Uint8Array,
  length: number,
): Uint8Array {
  const prk = createHmac('sha256', salt).update(ikm).digest();
  let block = createHmac('sha256', prk).update(info).update(FIRST_BLOCK).digest();
  if (length === HASH_LENGTH) {
    prk.fill(0);
    return ownedBytes(block);
  }
  const counter = new Uint8Array(1);
  let round = 1;
  const out = new Uint8Array(length);
  for (let pos = 0; ;) {
    out.set(length - pos >= HASH_LENGTH ? block : block.subarray(0, length - pos), pos);
    pos += HASH_LENGTH;
    if (pos >= length) break;
    counter[0] = ++round;
    const next = createHmac('sha256', prk).update(block).update(info).update(counter).digest();
    block.fill(0);
    block = next;
  }
  block.fill(0);
  prk.fill(0);
  return out;
}
