import { secureRandomSource } from '@elara/core';
import type { CryptoProvider, CryptoProviderOptions } from '../crypto-provider.ts';
import { type ProviderPrimitives, checkedProvider } from '../internal/checked-provider.ts';
import { nativeAeadOpen, nativeAeadSeal } from './native-aead.ts';
import { NativeEd25519SigningKey, NativeEd25519VerifyingKey } from './native-ed25519.ts';
import { nativeHkdfSha256, nativeHmacSha256, nativeSha256 } from './native-hash.ts';
import { nativeHmacSha512 } from './native-hmac-sha512.ts';
import { importPublicKey } from './native-key-import.ts';
import { NativeX25519PrivateKey, NativeX25519PublicKey } from './native-x25519.ts';
import { copyBytes } from '../internal/copy-bytes.ts';

const NATIVE: ProviderPrimitives = {
  name: 'native',
  sha256: nativeSha256,
  hmacSha256: nativeHmacSha256,
  hmacSha512: nativeHmacSha512,
  hkdfSha256: nativeHkdfSha256,
  aeadSeal: nativeAeadSeal,
  aeadOpen: nativeAeadOpen,
  ed25519SigningKey: (seed) => new NativeEd25519SigningKey(seed),
  ed25519VerifyingKey: (publicKey) =>
    new NativeEd25519VerifyingKey(copyBytes(publicKey), importPublicKey('Ed25519', publicKey)),
  x25519PrivateKey: (secret) => new NativeX25519PrivateKey(secret),
  x25519PublicKey: (publicKey) => NativeX25519PublicKey.from(publicKey),
};

/**
 * The node:crypto provider, the default on Node: OpenSSL's Ed25519, X25519 and
 * ChaCha20-Poly1305, with key objects prepared once per key. Same bytes and same named errors
 * as `portableCryptoProvider()`.
 *
 * @example
 * const crypto = nativeCryptoProvider();
 * const alice = crypto.ed25519SigningKey(seed);
 * const signature = alice.sign(message);
 * crypto.ed25519VerifyingKey(alice.publicKey).verify(message, signature); // true
 */
export function nativeCryptoProvider(options: CryptoProviderOptions = {}): CryptoProvider {
  return checkedProvider(NATIVE, options.random ?? secureRandomSource());
}
