import { ClosedError } from '@elara/core';
import nacl from 'tweetnacl';
import type { X25519PrivateKey, X25519PublicKey } from '../crypto-provider.ts';
import {
  checkSharedSecret,
  checkX25519PublicKey,
  peerKeyBytes,
} from '../internal/x25519-checks.ts';
import { copyBytes } from '../internal/copy-bytes.ts';

/** A peer's X25519 public key, checked once. */
export class PortableX25519PublicKey implements X25519PublicKey {
  /** Checks `publicKey` (32 bytes, not of small order) and keeps a copy. */
  static from(publicKey: Uint8Array): PortableX25519PublicKey {
    checkX25519PublicKey(publicKey);
    return new PortableX25519PublicKey(copyBytes(publicKey));
  }

  private constructor(
    /** The checked bytes, owned by this object. */
    readonly bytes: Uint8Array,
  ) {}

  get publicKey(): Uint8Array {
    return copyBytes(this.bytes);
  }
}

/**
 * An X25519 private key on tweetnacl; its secret is zeroed on dispose. tweetnacl returns the
 * all-zero secret for small-order peers instead of failing; the shared checks turn that into
 * the same `SmallOrderKeyError` the native provider raises.
 */
export class PortableX25519PrivateKey implements X25519PrivateKey {
  private readonly secret: Uint8Array;
  // Derived on first read: ephemeral keys whose public half travels once should not pay twice.
  private pub: Uint8Array | undefined;
  private closed = false;

  /** `secret` must already be checked (32 bytes); it is copied. */
  constructor(secret: Uint8Array) {
    this.secret = copyBytes(secret);
  }

  get publicKey(): Uint8Array {
    if (this.pub === undefined) {
      if (this.closed) throw new ClosedError('X25519 private key: disposed');
      this.pub = nacl.scalarMult.base(this.secret);
    }
    return copyBytes(this.pub);
  }

  get disposed(): boolean {
    return this.closed;
  }

  agree(peer: X25519PublicKey | Uint8Array): Uint8Array {
    if (this.closed) throw new ClosedError('X25519 private key: disposed');
    const prepared =
      peer instanceof PortableX25519PublicKey
        ? peer
        : PortableX25519PublicKey.from(peerKeyBytes(peer) as Uint8Array);
    const shared = nacl.scalarMult(this.secret, prepared.bytes);
    checkSharedSecret(shared);
    return shared;
  }

  dispose(): void {
    this.closed = true;
    this.secret.fill(0);
  }
}
