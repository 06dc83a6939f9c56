import { type KeyObject, diffieHellman } from 'node:crypto';
import { ClosedError } from '@elara/core';
import { SmallOrderKeyError } from '../crypto-errors.ts';
import type { X25519PrivateKey, X25519PublicKey } from '../crypto-provider.ts';
import {
  checkSharedSecret,
  checkX25519PublicKey,
  peerKeyBytes,
} from '../internal/x25519-checks.ts';
import { importPrivateKey, importPublicKey, rawPublicKey } from './native-key-import.ts';
import { ownedBytes } from './owned-bytes.ts';
import { copyBytes } from '../internal/copy-bytes.ts';

/** A peer's X25519 public key held as a node:crypto key object (imported once). */
export class NativeX25519PublicKey implements X25519PublicKey {
  /** Checks `publicKey` (32 bytes, not of small order) and imports it. */
  static from(publicKey: Uint8Array): NativeX25519PublicKey {
    checkX25519PublicKey(publicKey);
    return new NativeX25519PublicKey(copyBytes(publicKey), importPublicKey('X25519', publicKey));
  }

  private constructor(
    private readonly pub: Uint8Array,
    /** The imported key object. */
    readonly key: KeyObject,
  ) {}

  get publicKey(): Uint8Array {
    return copyBytes(this.pub);
  }
}

/** An X25519 private key held as a node:crypto key object (imported once). */
export class NativeX25519PrivateKey implements X25519PrivateKey {
  private key: KeyObject | undefined;
  // Derived on first read: ephemeral keys whose public half travels once should not pay twice.
  private pub: Uint8Array | undefined;

  /** `secret` must already be checked (32 bytes); it is not kept. */
  constructor(secret: Uint8Array) {
    this.key = importPrivateKey('X25519', secret);
  }

  get publicKey(): Uint8Array {
    if (this.pub === undefined) {
      if (this.key === undefined) throw new ClosedError('X25519 private key: disposed');
      this.pub = rawPublicKey(this.key);
    }
    return copyBytes(this.pub);
  }

  get disposed(): boolean {
    return this.key === undefined;
  }

  agree(peer: X25519PublicKey | Uint8Array): Uint8Array {
    if (this.key === undefined) throw new ClosedError('X25519 private key: disposed');
    const prepared =
      peer instanceof NativeX25519PublicKey
        ? peer
        : NativeX25519PublicKey.from(peerKeyBytes(peer) as Uint8Array);
    let secret: Uint8Array;
    try {
      secret = ownedBytes(diffieHellman({ privateKey: this.key, publicKey: prepared.key }));
    } catch (cause) {
      // OpenSSL refuses an all-zero result (RFC 7748 §6.1), the only failure left after the checks.
      throw new SmallOrderKeyError('X25519: all-zero shared secret (small-order peer key)', {
        cause,
      });
    }
    checkSharedSecret(secret);
    return secret;
  }

  dispose(): void {
    // node:crypto key objects cannot be wiped; dropping the reference is all it allows.
    this.key = undefined;
  }
}
