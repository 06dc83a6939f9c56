import { secureRandomSource } from '@elara/core';
import type { CryptoProvider, CryptoProviderOptions } from '../crypto-provider.ts';
import { type ProviderPrimitives, checkedProvider } from '../internal/checked-provider.ts';
import { portableAeadOpen, portableAeadSeal } from './portable-aead.ts';
import { PortableEd25519SigningKey, PortableEd25519VerifyingKey } from './portable-ed25519.ts';
import {
  portableHkdfSha256,
  portableHmacSha256,
  portableHmacSha512,
  portableSha256,
} from './portable-hash.ts';
import { PortableX25519PrivateKey, PortableX25519PublicKey } from './portable-x25519.ts';
import { copyBytes } from '../internal/copy-bytes.ts';

const PORTABLE: ProviderPrimitives = {
  name: 'portable',
  sha256: portableSha256,
  hmacSha256: portableHmacSha256,
  hmacSha512: portableHmacSha512,
  hkdfSha256: portableHkdfSha256,
  aeadSeal: portableAeadSeal,
  aeadOpen: portableAeadOpen,
  ed25519SigningKey: (seed) => new PortableEd25519SigningKey(seed),
  ed25519VerifyingKey: (publicKey) => new PortableEd25519VerifyingKey(copyBytes(publicKey)),
  x25519PrivateKey: (secret) => new PortableX25519PrivateKey(secret),
  x25519PublicKey: (publicKey) => PortableX25519PublicKey.from(publicKey),
};

/**
 * The portable provider: tweetnacl for Ed25519 and X25519 (as the design card asks),
 * @noble/ciphers for ChaCha20-Poly1305 and @noble/hashes for SHA-256, HMAC and HKDF. Nothing
 * from `node:*`, so it runs in browsers (import it from `@elara/crypto/portable`). Same bytes
 * and same named errors as `nativeCryptoProvider()`; tweetnacl's Ed25519 is about 100× slower
 * than OpenSSL's (LIMITS.md), so prefer the native provider on Node.
 *
 * @example
 * import { portableCryptoProvider } from '@elara/crypto/portable';
 * const crypto = portableCryptoProvider();
 * const sealed = crypto.aeadSeal(key, nonce, plaintext, header);
 */
export function portableCryptoProvider(options: CryptoProviderOptions = {}): CryptoProvider {
  return checkedProvider(PORTABLE, options.random ?? secureRandomSource());
}
