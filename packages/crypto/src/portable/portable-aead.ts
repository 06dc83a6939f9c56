import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { AuthenticationError, TruncatedCiphertextError } from '../crypto-errors.ts';
import { TAG_LENGTH } from '../crypto-provider.ts';
import { outputView } from '../internal/check-bytes.ts';

/** ChaCha20-Poly1305 seal through @noble/ciphers; arguments are checked by the caller. */
export function portableAeadSeal(
  key: Uint8Array,
  nonce: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array,
  output: Uint8Array | undefined,
): Uint8Array {
  const out = outputView(output, plaintext.length + TAG_LENGTH);
  return chacha20poly1305(key, nonce, aad).encrypt(plaintext, out);
}

/** ChaCha20-Poly1305 open through @noble/ciphers, which checks the tag before decrypting. */
export function portableAeadOpen(
  key: Uint8Array,
  nonce: Uint8Array,
  sealed: Uint8Array,
  aad: Uint8Array,
  output: Uint8Array | undefined,
): Uint8Array {
  const n = sealed.length - TAG_LENGTH;
  if (n < 0) throw new TruncatedCiphertextError(sealed.length);
  const out = outputView(output, n);
  try {
    return chacha20poly1305(key, nonce, aad).decrypt(sealed, out);
  } catch (cause) {
    // Lengths and types are checked above, so the tag is the only thing left that can fail.
    throw new AuthenticationError(undefined, { cause });
  }
}
