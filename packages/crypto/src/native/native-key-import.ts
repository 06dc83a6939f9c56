import { type KeyObject, createPrivateKey, createPublicKey } from 'node:crypto';

/** The curves node:crypto names in PKCS #8 and JWK. */
export type OkpCurve = 'Ed25519' | 'X25519';

// PKCS #8 prefixes (RFC 8410) for a 32-byte raw private key: SEQUENCE, version 0, the
// algorithm OID (1.3.101.112 Ed25519 / 1.3.101.110 X25519), then OCTET STRING { OCTET STRING }.
const PKCS8_PREFIX: Record<OkpCurve, readonly number[]> = {
  Ed25519: [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
  ],
  X25519: [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20,
  ],
};
const PREFIX_LENGTH = 16;

/**
 * Imports a raw 32-byte private key. DER is about 10× slower than JWK here (LIMITS.md), but JWK
 * would put the secret into an immutable base64 string that stays in the heap until the garbage
 * collector takes it; the DER scratch buffer is zeroed right after the import. Private keys are
 * imported once per identity or handshake, so the cost is paid rarely.
 */
export function importPrivateKey(curve: OkpCurve, secret: Uint8Array): KeyObject {
  const der = Buffer.alloc(PREFIX_LENGTH + secret.length);
  der.set(PKCS8_PREFIX[curve], 0);
  der.set(secret, PREFIX_LENGTH);
  try {
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } finally {
    der.fill(0);
  }
}

/**
 * Imports a raw 32-byte public key through JWK, the cheap path (~7–18 µs against ~100–200 µs
 * for DER); public keys are not secret, so the base64 string does no harm.
 */
export function importPublicKey(curve: OkpCurve, publicKey: Uint8Array): KeyObject {
  const x = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength).toString(
    'base64url',
  );
  return createPublicKey({ key: { kty: 'OKP', crv: curve, x }, format: 'jwk' });
}

/** The raw 32-byte public key of a private key object (the tail of its SPKI encoding). */
export function rawPublicKey(privateKey: KeyObject): Uint8Array {
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return Uint8Array.prototype.slice.call(spki, spki.length - 32);
}
