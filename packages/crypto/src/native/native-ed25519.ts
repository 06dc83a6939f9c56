import { type KeyObject, sign, verify } from 'node:crypto';
import { ClosedError } from '@elara/core';
import type { Ed25519SigningKey, Ed25519VerifyingKey } from '../crypto-provider.ts';
import { checkBytes } from '../internal/check-bytes.ts';
import { checkEd25519Signature } from '../internal/ed25519-checks.ts';
import { importPrivateKey, rawPublicKey } from './native-key-import.ts';
import { ownedBytes } from './owned-bytes.ts';
import { copyBytes } from '../internal/copy-bytes.ts';

/** An Ed25519 signing key held as a node:crypto key object (imported once). */
export class NativeEd25519SigningKey implements Ed25519SigningKey {
  private key: KeyObject | undefined;
  private readonly pub: Uint8Array;

  /** `seed` must already be checked (32 bytes); it is not kept. */
  constructor(seed: Uint8Array) {
    this.key = importPrivateKey('Ed25519', seed);
    this.pub = rawPublicKey(this.key);
  }

  get publicKey(): Uint8Array {
    return copyBytes(this.pub);
  }

  get disposed(): boolean {
    return this.key === undefined;
  }

  sign(message: Uint8Array): Uint8Array {
    if (this.key === undefined) throw new ClosedError('Ed25519 signing key: disposed');
    checkBytes(message, 'message');
    return ownedBytes(sign(null, message, this.key));
  }

  dispose(): void {
    // node:crypto key objects cannot be wiped; dropping the reference is all it allows.
    this.key = undefined;
  }
}

/** A peer's Ed25519 public key held as a node:crypto key object (imported once). */
export class NativeEd25519VerifyingKey implements Ed25519VerifyingKey {
  /** `publicKey` must already be checked; `key` is its imported form. */
  constructor(
    private readonly pub: Uint8Array,
    private readonly key: KeyObject,
  ) {}

  get publicKey(): Uint8Array {
    return copyBytes(this.pub);
  }

  verify(message: Uint8Array, signature: Uint8Array): boolean {
    checkBytes(message, 'message');
    checkEd25519Signature(signature);
    return verify(null, message, this.key, signature);
  }
}
