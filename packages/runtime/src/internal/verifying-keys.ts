import type { CryptoProvider, Ed25519VerifyingKey } from '@elara/crypto';

function hex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/**
 * Ed25519 verification with each public key prepared once (the native provider imports it into
 * OpenSSL, ~25 µs, more than the verification itself), in a bounded table (least recently used
 * goes first). It is the `verify` the membership log's `verifier` takes, which may try several
 * keys of one author; a bad key or a malformed signature is `false`, never a throw.
 */
export class VerifyingKeys {
  private readonly keys = new Map<string, Ed25519VerifyingKey>();

  constructor(
    private readonly provider: CryptoProvider,
    private readonly max = 1024,
  ) {}

  readonly verify = (
    publicKey: Uint8Array,
    message: Uint8Array,
    signature: Uint8Array,
  ): boolean => {
    try {
      const id = hex(publicKey);
      let key = this.keys.get(id);
      if (key === undefined) {
        key = this.provider.ed25519VerifyingKey(publicKey);
        if (this.keys.size >= this.max) this.keys.delete(this.keys.keys().next().value as string);
      } else {
        this.keys.delete(id);
      }
      this.keys.set(id, key);
      return key.verify(message, signature);
    } catch {
      return false;
    }
  };
}
