import { type RandomSource, randomBytes } from '@elara/core';
import type {
  CryptoProvider,
  Ed25519SigningKey,
  Ed25519VerifyingKey,
  X25519PrivateKey,
  X25519PublicKey,
} from '../crypto-provider.ts';
import { KEY_LENGTH, NONCE_LENGTH } from '../crypto-provider.ts';
import { checkByteCount, checkBytes, checkHkdfLength, checkLength } from './check-bytes.ts';
import { checkEd25519PublicKey } from './ed25519-checks.ts';

/**
 * What a provider implements itself: the primitives, called only with arguments that passed the
 * shared checks (lengths, key and signature shapes). Keeping every check in one place is how
 * both providers reject exactly the same inputs with exactly the same errors.
 */
export interface ProviderPrimitives {
  readonly name: string;
  sha256(data: Uint8Array): Uint8Array;
  hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array;
  hmacSha512(key: Uint8Array, data: Uint8Array): Uint8Array;
  hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array;
  aeadSeal(
    key: Uint8Array,
    nonce: Uint8Array,
    plaintext: Uint8Array,
    aad: Uint8Array,
    output: Uint8Array | undefined,
  ): Uint8Array;
  aeadOpen(
    key: Uint8Array,
    nonce: Uint8Array,
    sealed: Uint8Array,
    aad: Uint8Array,
    output: Uint8Array | undefined,
  ): Uint8Array;
  /** `seed`: 32 bytes. */
  ed25519SigningKey(seed: Uint8Array): Ed25519SigningKey;
  /** `publicKey`: checked (32 bytes, canonical, not of small order). */
  ed25519VerifyingKey(publicKey: Uint8Array): Ed25519VerifyingKey;
  /** `secret`: 32 bytes. */
  x25519PrivateKey(secret: Uint8Array): X25519PrivateKey;
  /** Checks `publicKey` itself (private keys call the same path for raw peer bytes). */
  x25519PublicKey(publicKey: Uint8Array): X25519PublicKey;
}

class CheckedProvider implements CryptoProvider {
  readonly name: string;

  constructor(
    private readonly p: ProviderPrimitives,
    private readonly random: RandomSource,
  ) {
    this.name = p.name;
  }

  sha256(data: Uint8Array): Uint8Array {
    checkBytes(data, 'data');
    return this.p.sha256(data);
  }

  hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
    checkBytes(key, 'HMAC key');
    checkBytes(data, 'data');
    return this.p.hmacSha256(key, data);
  }

  hmacSha512(key: Uint8Array, data: Uint8Array): Uint8Array {
    checkBytes(key, 'HMAC key');
    checkBytes(data, 'data');
    return this.p.hmacSha512(key, data);
  }

  hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
    checkBytes(ikm, 'HKDF input key material');
    checkBytes(salt, 'HKDF salt');
    checkBytes(info, 'HKDF info');
    checkHkdfLength(length);
    return this.p.hkdfSha256(ikm, salt, info, length);
  }

  aeadSeal(
    key: Uint8Array,
    nonce: Uint8Array,
    plaintext: Uint8Array,
    aad: Uint8Array,
    output?: Uint8Array,
  ): Uint8Array {
    checkLength(key, KEY_LENGTH, 'ChaCha20-Poly1305 key');
    checkLength(nonce, NONCE_LENGTH, 'ChaCha20-Poly1305 nonce');
    checkBytes(plaintext, 'plaintext');
    checkBytes(aad, 'associated data');
    return this.p.aeadSeal(key, nonce, plaintext, aad, output);
  }

  aeadOpen(
    key: Uint8Array,
    nonce: Uint8Array,
    sealed: Uint8Array,
    aad: Uint8Array,
    output?: Uint8Array,
  ): Uint8Array {
    checkLength(key, KEY_LENGTH, 'ChaCha20-Poly1305 key');
    checkLength(nonce, NONCE_LENGTH, 'ChaCha20-Poly1305 nonce');
    checkBytes(sealed, 'sealed message');
    checkBytes(aad, 'associated data');
    return this.p.aeadOpen(key, nonce, sealed, aad, output);
  }

  ed25519SigningKey(seed: Uint8Array): Ed25519SigningKey {
    checkLength(seed, KEY_LENGTH, 'Ed25519 seed');
    return this.p.ed25519SigningKey(seed);
  }

  ed25519VerifyingKey(publicKey: Uint8Array): Ed25519VerifyingKey {
    checkEd25519PublicKey(publicKey);
    return this.p.ed25519VerifyingKey(publicKey);
  }

  x25519PrivateKey(secret: Uint8Array): X25519PrivateKey {
    checkLength(secret, KEY_LENGTH, 'X25519 secret');
    return this.p.x25519PrivateKey(secret);
  }

  x25519PublicKey(publicKey: Uint8Array): X25519PublicKey {
    return this.p.x25519PublicKey(publicKey);
  }

  randomBytes(n: number): Uint8Array {
    checkByteCount(n);
    return randomBytes(this.random, n);
  }
}

/** A {@link CryptoProvider} that runs the shared checks, then `primitives`. */
export function checkedProvider(
  primitives: ProviderPrimitives,
  random: RandomSource,
): CryptoProvider {
  return new CheckedProvider(primitives, random);
}
