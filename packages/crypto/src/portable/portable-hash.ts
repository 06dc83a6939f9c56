import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';

/** SHA-256 through @noble/hashes. */
export function portableSha256(data: Uint8Array): Uint8Array {
  return sha256(data);
}

/** HMAC-SHA256 through @noble/hashes. */
export function portableHmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
  return hmac(sha256, key, data);
}

/** HMAC-SHA512 through @noble/hashes. */
export function portableHmacSha512(key: Uint8Array, data: Uint8Array): Uint8Array {
  return hmac(sha512, key, data);
}

/** HKDF-SHA256 (RFC 5869) through @noble/hashes; an empty salt equals "no salt". */
export function portableHkdfSha256(
  ikm: Uint8Array,
  salt: Uint8Array,
  info: Uint8Array,
  length: number,
): Uint8Array {
  return hkdf(sha256, ikm, salt, info, length);
}
