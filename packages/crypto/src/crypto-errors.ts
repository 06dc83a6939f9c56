import { ElaraError } from '@elara/core';

/**
 * Base of every error `@elara/crypto` raises on bad input. Both providers raise the same
 * classes for the same input, so callers (and the runtime's rejection counters) never depend on
 * which provider is in use.
 */
export class CryptoError extends ElaraError {
  static override readonly code: string = 'CryptoError';
}

/**
 * A key, seed, nonce, tag, signature or output buffer of the wrong length (or not a
 * `Uint8Array` at all).
 *
 * @example
 * provider.aeadSeal(new Uint8Array(16), nonce, data, aad); // throws InvalidLengthError (key)
 */
export class InvalidLengthError extends CryptoError {
  static override readonly code: string = 'InvalidLengthError';
  constructor(
    readonly what: string,
    readonly expected: number | string,
    readonly actual: number | undefined,
  ) {
    super(
      actual === undefined
        ? `${what}: expected ${expected} bytes, got something that is not a Uint8Array`
        : `${what}: expected ${expected} bytes, got ${actual}`,
    );
  }
}

/**
 * A public key that no honest peer sends. The base class also covers Ed25519 encodings that are
 * not points of the curve when a check finds them; the subclasses name the precise defect.
 */
export class InvalidPublicKeyError extends CryptoError {
  static override readonly code: string = 'InvalidPublicKeyError';
}

/** An Ed25519 public key whose y coordinate is not reduced (y ≥ 2^255 − 19). */
export class NonCanonicalKeyError extends InvalidPublicKeyError {
  static override readonly code: string = 'NonCanonicalKeyError';
}

/**
 * A public key of small order (Ed25519: one of the 8 torsion points; X25519: a u coordinate
 * whose shared secret is all zeros, RFC 7748 §6.1). Such keys let an attacker force a known
 * shared secret or a signature that verifies for many messages.
 */
export class SmallOrderKeyError extends InvalidPublicKeyError {
  static override readonly code: string = 'SmallOrderKeyError';
}

/** An Ed25519 signature whose scalar S is not reduced (S ≥ L, RFC 8032 §5.1.7). */
export class MalformedSignatureError extends CryptoError {
  static override readonly code: string = 'MalformedSignatureError';
}

/** A sealed AEAD message shorter than its 16-byte tag. */
export class TruncatedCiphertextError extends CryptoError {
  static override readonly code: string = 'TruncatedCiphertextError';
  constructor(readonly actual: number) {
    super(`sealed message: needs at least 16 bytes (the tag), has ${actual}`);
  }
}

/**
 * An AEAD tag that does not match: wrong key, nonce or associated data, or tampered bytes.
 * The reference calls this `DecryptionFailed`.
 */
export class AuthenticationError extends CryptoError {
  static override readonly code: string = 'AuthenticationError';
  constructor(
    message = 'authentication failed: the tag does not match',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A frame for another session (the reference's `SessionMismatch`). */
export class SessionMismatchError extends CryptoError {
  static override readonly code: string = 'SessionMismatchError';
}

/** A frame already accepted, or too old for the replay window (the reference's `ReplayDetected`). */
export class ReplayError extends CryptoError {
  static override readonly code: string = 'ReplayError';
}

/** A frame whose key can no longer (or not yet) be derived within the configured bounds. */
export class KeyUnavailableError extends CryptoError {
  static override readonly code: string = 'KeyUnavailableError';
}

/** A bounded table is full (for example, more senders than a v0 opener was configured for). */
export class CapacityError extends CryptoError {
  static override readonly code: string = 'CapacityError';
}

/** Exported identity bytes that are not in the documented format, or that do not check out. */
export class InvalidIdentityError extends CryptoError {
  static override readonly code: string = 'InvalidIdentityError';
}
