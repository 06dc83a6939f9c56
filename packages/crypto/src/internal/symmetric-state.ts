// The handshake's key schedule: Noise's SymmetricState (Noise Protocol Framework rev. 34, §5.2)
// over SHA-256, HKDF-SHA256 and ChaCha20-Poly1305, with two departures documented in the README:
// the PSK binder is an HMAC (as TLS 1.3's), and the final split also mixes the handshake hash.
import type { CryptoProvider } from '../crypto-provider.ts';
import { KEY_LENGTH, NONCE_LENGTH } from '../crypto-provider.ts';
import { concatBytes } from './concat-bytes.ts';
import { copyBytes } from './copy-bytes.ts';

const EMPTY = new Uint8Array(0);

/** The two directional keys a completed handshake hands to its channel. */
export interface SplitKeys {
  readonly initiatorToResponder: Uint8Array;
  readonly responderToInitiator: Uint8Array;
}

/**
 * Chaining key `ck`, handshake hash `h`, and the current AEAD key `k` with its nonce counter.
 * Each side holds one; both stay in step because they mix the same bytes in the same order.
 * Steps that may fail (opening a peer's message) run on a {@link SymmetricState.clone} that is
 * committed only on success, so a forged message leaves the handshake where it was.
 */
export class SymmetricState {
  private constructor(
    private readonly provider: CryptoProvider,
    private ck: Uint8Array,
    private hash: Uint8Array,
    private k: Uint8Array | undefined,
    private n: number,
  ) {}

  /** `h = SHA-256(protocolName)`, `ck = h` (the name is longer than 32 bytes). */
  static initial(provider: CryptoProvider, protocolName: Uint8Array): SymmetricState {
    const h = provider.sha256(protocolName);
    return new SymmetricState(provider, copyBytes(h), h, undefined, 0);
  }

  /** The handshake hash so far (a copy). */
  get h(): Uint8Array {
    return copyBytes(this.hash);
  }

  /** An independent copy, for steps that must not change this state if they fail. */
  clone(): SymmetricState {
    return new SymmetricState(
      this.provider,
      copyBytes(this.ck),
      copyBytes(this.hash),
      this.k === undefined ? undefined : copyBytes(this.k),
      this.n,
    );
  }

  /** `h = SHA-256(h ‖ data)`. */
  mixHash(data: Uint8Array): void {
    this.hash = this.provider.sha256(concatBytes(this.hash, data));
  }

  /** `ck, k = HKDF(salt = ck, ikm, info = "", 64)`; the nonce counter restarts. */
  mixKey(ikm: Uint8Array): void {
    const out = this.provider.hkdfSha256(ikm, this.ck, EMPTY, 2 * KEY_LENGTH);
    this.replace(out.slice(0, KEY_LENGTH), out.slice(KEY_LENGTH));
    out.fill(0);
  }

  /** `ck, t, k = HKDF(salt = ck, ikm, info = "", 96)`, then `mixHash(t)` (Noise's psk step). */
  mixKeyAndHash(ikm: Uint8Array): void {
    const out = this.provider.hkdfSha256(ikm, this.ck, EMPTY, 3 * KEY_LENGTH);
    this.mixHash(out.subarray(KEY_LENGTH, 2 * KEY_LENGTH));
    this.replace(out.slice(0, KEY_LENGTH), out.slice(2 * KEY_LENGTH));
    out.fill(0);
  }

  /** `HMAC-SHA256(k, h)`, first `length` bytes: a MAC of the transcript under the current key. */
  mac(length: number): Uint8Array {
    return this.provider.hmacSha256(this.key(), this.hash).slice(0, length);
  }

  /** Seals `plaintext` under `k` with `ad = h`, then mixes the sealed bytes (ciphertext ‖ tag). */
  encryptAndHash(plaintext: Uint8Array): Uint8Array {
    const sealed = this.provider.aeadSeal(this.key(), this.nonce(), plaintext, this.hash).slice();
    this.n++;
    this.mixHash(sealed);
    return sealed;
  }

  /** Opens `sealed` (ciphertext ‖ tag) under `k` with `ad = h`; `AuthenticationError` if forged. */
  decryptAndHash(sealed: Uint8Array): Uint8Array {
    const plaintext = this.provider.aeadOpen(this.key(), this.nonce(), sealed, this.hash).slice();
    this.n++;
    this.mixHash(sealed);
    return plaintext;
  }

  /**
   * The channel's two keys: `HKDF(salt = ck, ikm = h, info, 64)`. Noise's Split uses `ck`
   * alone; mixing `h` in as well makes the keys depend on every byte of the transcript.
   */
  split(info: Uint8Array): SplitKeys {
    const out = this.provider.hkdfSha256(this.hash, this.ck, info, 2 * KEY_LENGTH);
    const keys = {
      initiatorToResponder: out.slice(0, KEY_LENGTH),
      responderToInitiator: out.slice(KEY_LENGTH),
    };
    out.fill(0);
    return keys;
  }

  /** Zeroes the chaining key and the AEAD key (the hash is public). */
  wipe(): void {
    this.ck.fill(0);
    this.k?.fill(0);
    this.k = undefined;
  }

  private replace(ck: Uint8Array, k: Uint8Array): void {
    this.ck.fill(0);
    this.k?.fill(0);
    this.ck = ck;
    this.k = k;
    this.n = 0;
  }

  private key(): Uint8Array {
    // Callers only encrypt after a mixKey; a missing key is a bug in this package, not bad input.
    if (this.k === undefined) throw new Error('symmetric state: no key yet');
    return this.k;
  }

  /** Noise's ChaChaPoly nonce: 4 zero bytes, then the counter as u64 little-endian. */
  private nonce(): Uint8Array {
    const nonce = new Uint8Array(NONCE_LENGTH);
    new DataView(nonce.buffer).setBigUint64(4, BigInt(this.n), true);
    return nonce;
  }
}
