import type { RandomSource } from '@elara/core';

/** Length of every symmetric key, Ed25519 seed and X25519 secret or public key. */
export const KEY_LENGTH = 32;
/** Length of a ChaCha20-Poly1305 nonce (RFC 8439). */
export const NONCE_LENGTH = 12;
/** Length of a Poly1305 tag, appended to every sealed message. */
export const TAG_LENGTH = 16;
/** Length of a SHA-256 digest, an HMAC-SHA256 output and the HKDF-SHA256 hash length. */
export const HASH_LENGTH = 32;
/** Length of an HMAC-SHA512 output (the channel's key chain splits it into two 32-byte keys). */
export const HMAC_SHA512_LENGTH = 64;
/** Largest HKDF-SHA256 output (RFC 5869: 255 × HashLen). */
export const MAX_HKDF_LENGTH = 255 * HASH_LENGTH;

/**
 * An Ed25519 signing key prepared by a provider (RFC 8032, pure Ed25519). Prepared once and kept:
 * the native provider imports the seed into an OpenSSL key object here, which is the expensive
 * step.
 */
export interface Ed25519SigningKey {
  /** The 32-byte public key (a fresh copy on each read). */
  readonly publicKey: Uint8Array;
  /** True once {@link Ed25519SigningKey.dispose} ran. */
  readonly disposed: boolean;
  /** The 64-byte signature of `message`. Throws `ClosedError` after dispose. */
  sign(message: Uint8Array): Uint8Array;
  /**
   * Forgets the secret: zeroes every copy this library holds. The native provider cannot zero
   * the copy inside OpenSSL's key object (node:crypto offers no way to); it drops the reference.
   */
  dispose(): void;
}

/**
 * A peer's Ed25519 public key, checked and prepared once (canonical encoding, not of small
 * order), then used for many verifications.
 */
export interface Ed25519VerifyingKey {
  /** The 32-byte public key (a fresh copy on each read). */
  readonly publicKey: Uint8Array;
  /**
   * True when `signature` is a valid signature of `message` under this key. A signature of the
   * wrong length throws `InvalidLengthError`, one with S ≥ L throws `MalformedSignatureError`;
   * a well-formed signature that does not verify returns false.
   */
  verify(message: Uint8Array, signature: Uint8Array): boolean;
}

/** An X25519 public key (RFC 7748), checked (not of small order) and prepared once. */
export interface X25519PublicKey {
  /** The 32-byte u coordinate as given (a fresh copy on each read). */
  readonly publicKey: Uint8Array;
}

/** An X25519 private key (RFC 7748) prepared by a provider. */
export interface X25519PrivateKey {
  /** The 32-byte public key (a fresh copy on each read). */
  readonly publicKey: Uint8Array;
  /** True once {@link X25519PrivateKey.dispose} ran. */
  readonly disposed: boolean;
  /**
   * The 32-byte shared secret with `peer` (a prepared key, ideally from the same provider, or
   * raw bytes, prepared on the spot). A small-order peer key throws `SmallOrderKeyError`.
   * The raw secret is not a key: derive keys from it with HKDF.
   */
  agree(peer: X25519PublicKey | Uint8Array): Uint8Array;
  /** Forgets the secret, as {@link Ed25519SigningKey.dispose} does. */
  dispose(): void;
}

/**
 * The primitives Elara's security rests on, behind one synchronous interface (ARCHITECTURE.md:
 * no promises, no threadpool callbacks, so simulated runs replay exactly). Two implementations
 * give identical bytes and reject the same inputs with the same named errors:
 * `nativeCryptoProvider()` (node:crypto, the default on Node) and `portableCryptoProvider()`
 * (tweetnacl and noble, for browsers; `@elara/crypto/portable`).
 *
 * Not to be confused with the wire's cipher-suite nibble (`SuiteNibble` in `@elara/core`).
 *
 * Bad input raises a subclass of `CryptoError` (wrong lengths: `InvalidLengthError`; bad public
 * keys: `NonCanonicalKeyError`, `SmallOrderKeyError`; S ≥ L: `MalformedSignatureError`; short
 * sealed messages: `TruncatedCiphertextError`; a wrong tag: `AuthenticationError`).
 *
 * @example
 * const crypto = nativeCryptoProvider();
 * const key = crypto.hkdfSha256(secret, salt, info, 32);
 * const sealed = crypto.aeadSeal(key, nonce, plaintext, header);
 * const opened = crypto.aeadOpen(key, nonce, sealed, header);
 */
export interface CryptoProvider {
  /** `'native'` or `'portable'`, for logs and benchmarks. */
  readonly name: string;

  /** SHA-256 (FIPS 180-4) of `data`: 32 bytes. */
  sha256(data: Uint8Array): Uint8Array;

  /** HMAC-SHA256 (RFC 2104) of `data` under `key` (any length): 32 bytes. */
  hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array;

  /**
   * HMAC-SHA512 (RFC 2104, FIPS 180-4) of `data` under `key` (any length): 64 bytes, in an array
   * of its own (so the caller may zero it). One call yields two 32-byte keys (the channel's
   * key chain), at about the per-call cost of one HMAC-SHA256.
   */
  hmacSha512(key: Uint8Array, data: Uint8Array): Uint8Array;

  /**
   * HKDF-SHA256 (RFC 5869): extract with `salt` (empty = "no salt", which RFC 5869 defines as
   * 32 zero bytes and which gives the same result), then expand `info` to `length` bytes
   * (1 to 8160; otherwise `OutOfRangeError`).
   */
  hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array;

  /**
   * ChaCha20-Poly1305 (RFC 8439): encrypts `plaintext` under a 32-byte `key` and 12-byte `nonce`,
   * authenticating `aad` too; returns ciphertext ‖ 16-byte tag. With `output` (at least
   * `plaintext.length + 16` bytes; it may be the plaintext's own place) the result is written
   * there and a view of it returned, so hot paths allocate nothing for the result. Without
   * `output` the result may be a view into a larger, shared ArrayBuffer (the native provider
   * takes it from Node's Buffer pool): respect its `byteOffset` and `byteLength`.
   */
  aeadSeal(
    key: Uint8Array,
    nonce: Uint8Array,
    plaintext: Uint8Array,
    aad: Uint8Array,
    output?: Uint8Array,
  ): Uint8Array;

  /**
   * Opens what {@link CryptoProvider.aeadSeal} produced: checks the tag, then returns the
   * plaintext (`sealed.length - 16` bytes; into `output` when given). Nothing is written to
   * `output` unless the tag matches.
   */
  aeadOpen(
    key: Uint8Array,
    nonce: Uint8Array,
    sealed: Uint8Array,
    aad: Uint8Array,
    output?: Uint8Array,
  ): Uint8Array;

  /** Prepares an Ed25519 signing key from its 32-byte seed (the RFC 8032 private key). */
  ed25519SigningKey(seed: Uint8Array): Ed25519SigningKey;

  /** Checks and prepares a peer's 32-byte Ed25519 public key for verification. */
  ed25519VerifyingKey(publicKey: Uint8Array): Ed25519VerifyingKey;

  /** Prepares an X25519 private key from 32 secret bytes (clamped as RFC 7748 says). */
  x25519PrivateKey(secret: Uint8Array): X25519PrivateKey;

  /** Checks and prepares a peer's 32-byte X25519 public key. */
  x25519PublicKey(publicKey: Uint8Array): X25519PublicKey;

  /** `n` bytes from the provider's `RandomSource` (injected in tests, so runs replay). */
  randomBytes(n: number): Uint8Array;
}

/** Options shared by both providers. */
export interface CryptoProviderOptions {
  /** Where random bytes come from; default: the platform's secure generator. */
  readonly random?: RandomSource;
}
