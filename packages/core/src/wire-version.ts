import { UnknownEnumValueError } from './wire-errors.ts';

/**
 * Header byte 0, high nibble. 0 = the reference's format (compatibility codecs); 1 = Elara v1,
 * the default (ARCHITECTURE.md "Wire versions").
 */
export const WireVersion = { V0: 0, V1: 1 } as const;
export type WireVersion = (typeof WireVersion)[keyof typeof WireVersion];

/**
 * Header byte 0, low nibble: the cipher suite. Named "nibble" so it is not confused with
 * `@elara/crypto`'s CryptoProvider. 0 = X25519 + ChaCha20-Poly1305 + Ed25519 (+ HKDF-SHA256).
 */
export const SuiteNibble = { Suite0: 0, Suite1: 1, Suite2: 2 } as const;
export type SuiteNibble = (typeof SuiteNibble)[keyof typeof SuiteNibble];

/** Parses the suite nibble; 3..15 are errors, as in the reference. */
export function suiteNibbleFromValue(value: number): SuiteNibble {
  if (value === 0 || value === 1 || value === 2) return value;
  throw new UnknownEnumValueError('CryptoSuite', value);
}

/** The first byte of an Elara v1 frame: version 1, suite 0. Collides with neither STUN nor TURN. */
export const V1_FIRST_BYTE = 0x10;
