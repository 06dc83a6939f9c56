import { createHash, timingSafeEqual } from 'node:crypto';
import { STUN_INTEGRITY_BYTES } from './stun-constants.ts';
import { fingerprintOf, integrityOf } from './internal/stun-checksums.ts';
import type { StunMessage } from './stun-message.ts';

// The long-term key is MD5 as RFC 8489 fixes it, from node:crypto (see internal/stun-checksums).

/**
 * The long-term credential key, MD5(username ":" realm ":" password) (RFC 8489 §9.2.2).
 * Credentials are taken as given (no SASLprep/OpaqueString): use ASCII ones.
 *
 * @example
 * const key = longTermKey('alice', 'example.org', 'secret');
 */
export function longTermKey(username: string, realm: string, password: string): Uint8Array {
  return new Uint8Array(createHash('md5').update(`${username}:${realm}:${password}`).digest());
}

/**
 * True when the message's FINGERPRINT matches its bytes; false when it does not or is absent.
 *
 * @example
 * if (m.fingerprintAt >= 0 && !verifyFingerprint(m)) drop();
 */
export function verifyFingerprint(message: StunMessage): boolean {
  const at = message.fingerprintAt;
  if (at < 0) return false;
  const b = message.bytes;
  const stated =
    (((b[at + 4] as number) << 24) |
      ((b[at + 5] as number) << 16) |
      ((b[at + 6] as number) << 8) |
      (b[at + 7] as number)) >>>
    0;
  return stated === fingerprintOf(b, at);
}

/**
 * True when the message's MESSAGE-INTEGRITY matches `key` (compared in constant time); false
 * when it does not or is absent.
 *
 * @example
 * if (!verifyIntegrity(response, longTermKey(user, realm, password))) drop();
 */
export function verifyIntegrity(message: StunMessage, key: Uint8Array): boolean {
  const at = message.integrityAt;
  if (at < 0) return false;
  const stated = message.bytes.subarray(at + 4, at + 4 + STUN_INTEGRITY_BYTES);
  return timingSafeEqual(integrityOf(key, message.bytes, at), stated);
}
