import { ClosedError } from '@elara/core';
import nacl from 'tweetnacl';
import type { Ed25519SigningKey, Ed25519VerifyingKey } from '../crypto-provider.ts';
import { checkBytes } from '../internal/check-bytes.ts';
import { checkEd25519Signature } from '../internal/ed25519-checks.ts';
import { copyBytes } from '../internal/copy-bytes.ts';

/** An Ed25519 signing key on tweetnacl; its 64-byte secret (seed ‖ public key) is zeroed on dispose. */
export class PortableEd25519SigningKey implements Ed25519SigningKey {
  private readonly secretKey: Uint8Array;
  private readonly pub: Uint8Array;
  private closed = false;

  /** `seed` must already be checked (32 bytes); it is copied, not kept. */
  constructor(seed: Uint8Array) {
    const pair = nacl.sign.keyPair.fromSeed(seed);
    this.secretKey = pair.secretKey;
    this.pub = pair.publicKey;
  }

  get publicKey(): Uint8Array {
    return copyBytes(this.pub);
  }

  get disposed(): boolean {
    return this.closed;
  }

  sign(message: Uint8Array): Uint8Array {
    if (this.closed) throw new ClosedError('Ed25519 signing key: disposed');
    checkBytes(message, 'message');
    return nacl.sign.detached(message, this.secretKey);
  }

  dispose(): void {
    this.closed = true;
    this.secretKey.fill(0);
  }
}

/**
 * A peer's Ed25519 public key on tweetnacl. tweetnacl itself accepts S ≥ L; the shared check
 * refuses such signatures first, so both providers agree.
 */
export class PortableEd25519VerifyingKey implements Ed25519VerifyingKey {
  /** `pub` must already be checked and be this key's own copy. */
  constructor(private readonly pub: Uint8Array) {}

  get publicKey(): Uint8Array {
    return copyBytes(this.pub);
  }

  verify(message: Uint8Array, signature: Uint8Array): boolean {
    checkBytes(message, 'message');
    checkEd25519Signature(signature);
    return nacl.sign.detached.verify(message, signature, this.pub);
  }
}
