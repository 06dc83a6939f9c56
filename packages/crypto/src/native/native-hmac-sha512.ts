// A namespace import: `hash` is missing below Node 20.12 (this package declares >= 20), and a
// named import of a missing export fails to link, taking the whole entry with it.
import * as nodeCrypto from 'node:crypto';
import { HMAC_SHA512_LENGTH } from '../crypto-provider.ts';
import { ownedBytes } from './owned-bytes.ts';

/** SHA-512's block: RFC 2104 pads the key to it. */
const BLOCK = 128;
/** Data up to this length takes the one-shot path (a channel's chain step MACs one byte). */
const MAX_ONE_SHOT_DATA = 64;
const IPAD = 0x36;
const OPAD = 0x5c;

// K ⊕ ipad (one block), then the data; and K ⊕ opad, then the inner digest. Between calls
// they hold only the pads and zeros.
const inner = new Uint8Array(BLOCK + MAX_ONE_SHOT_DATA).fill(IPAD, 0, BLOCK);
const outer = new Uint8Array(BLOCK + HMAC_SHA512_LENGTH).fill(OPAD, 0, BLOCK);
/** The part of `inner` to hash, per data length, made once. */
const innerViews = Array.from({ length: MAX_ONE_SHOT_DATA + 1 }, (_, m) =>
  inner.subarray(0, BLOCK + m),
);

/** node:crypto's one-shot `hash(algorithm, data, 'buffer')` (Node 20.12+), as this file calls it. */
export type OneShotHash = (algorithm: string, data: Uint8Array, outputEncoding: 'buffer') => Buffer;

const nodeHash = (nodeCrypto as { hash?: unknown }).hash;

/**
 * HMAC-SHA512 through node:crypto: RFC 2104's `SHA512((K ⊕ opad) ‖ SHA512((K ⊕ ipad) ‖ m))`
 * from two one-shot `hash()` calls. A `createHmac` object costs more than the hashing on Node 20
 * with OpenSSL 3.0 (three digest contexts set up, and a C++-backed object for the garbage
 * collector to finalize); a channel pays one HMAC-SHA512 per frame on each side, and the
 * one-shot form makes a whole channel seal + open about 5 % cheaper. Keys longer than a block
 * (which RFC 2104 hashes first) and data over 64 bytes take `createHmac`, and so does every call
 * on a Node without `hash()` (below 20.12). The scratch holds key bytes only during a call: the
 * pads are restored and the data and inner digest zeroed before it returns. Returns an array of
 * its own.
 */
export const nativeHmacSha512 = nativeHmacSha512Over(
  typeof nodeHash === 'function' ? (nodeHash as OneShotHash) : undefined,
);

/** HMAC-SHA512 through `createHmac`: keys over a block, long data, and Node below 20.12. */
function createHmacSha512(key: Uint8Array, data: Uint8Array): Uint8Array {
  return ownedBytes(nodeCrypto.createHmac('sha512', key).update(data).digest());
}

/**
 * {@link nativeHmacSha512} over the given one-shot hash, or over `createHmac` alone when it is
 * `undefined` (as on Node below 20.12); the tests build both.
 */
export function nativeHmacSha512Over(
  hash: OneShotHash | undefined,
): (key: Uint8Array, data: Uint8Array) => Uint8Array {
  if (hash === undefined) return createHmacSha512;
  return (key, data) => {
    const n = key.length;
    const m = data.length;
    if (n > BLOCK || m > MAX_ONE_SHOT_DATA) return createHmacSha512(key, data);
    // Loops rather than set/fill where the spans are a key or a byte of data: the builtins' call
    // costs would exceed the copies.
    try {
      for (let i = 0; i < n; i++) {
        const k = key[i] as number;
        inner[i] = k ^ IPAD;
        outer[i] = k ^ OPAD;
      }
      for (let i = 0; i < m; i++) inner[BLOCK + i] = data[i] as number;
      const innerDigest = hash('sha512', innerViews[m] as Uint8Array, 'buffer');
      outer.set(innerDigest, BLOCK);
      innerDigest.fill(0);
      return ownedBytes(hash('sha512', outer, 'buffer'));
    } finally {
      for (let i = 0; i < n; i++) {
        inner[i] = IPAD;
        outer[i] = OPAD;
      }
      for (let i = 0; i < m; i++) inner[BLOCK + i] = 0;
      outer.fill(0, BLOCK);
    }
  };
}

/** Copies of the two scratch buffers, for the test that no key bytes stay in them. */
export function hmacSha512ScratchCopies(): [Uint8Array, Uint8Array] {
  return [inner.slice(), outer.slice()];
}
