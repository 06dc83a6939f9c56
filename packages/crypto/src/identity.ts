import { ClosedError, type NodeId } from '@elara/core';
import { InvalidIdentityError } from './crypto-errors.ts';
import type {
  CryptoProvider,
  Ed25519SigningKey,
  X25519PrivateKey,
  X25519PublicKey,
} from './crypto-provider.ts';
import { KEY_LENGTH } from './crypto-provider.ts';
import { decodeIdentity, encodeIdentity, type IdentitySecrets } from './identity-format.ts';
import { checkLength } from './internal/check-bytes.ts';
import { deriveNodeId } from './node-id-derivation.ts';
import { constantTimeEqual } from './internal/constant-time.ts';
import { copyBytes } from './internal/copy-bytes.ts';

/** What others may know of an identity. */
export interface PublicIdentity {
  readonly nodeId: NodeId;
  /** Ed25519 public key, 32 bytes. */
  readonly signingPublicKey: Uint8Array;
  /** X25519 public key, 32 bytes. */
  readonly agreementPublicKey: Uint8Array;
}

/**
 * A node's long-term identity: an Ed25519 signing key and an X25519 agreement key, both
 * prepared by one {@link CryptoProvider}. The NodeId is derived from the Ed25519 public key
 * exactly as the reference does, so it survives export and import (and a Rust seed keeps its
 * id). The reference has no X25519 key in its identity; Elara's handshake needs one.
 *
 * `dispose()` zeroes the secrets this object and the portable provider hold. The native
 * provider's OpenSSL key objects cannot be zeroed from JavaScript (node:crypto has no API for
 * it): they are dropped and freed by the garbage collector.
 *
 * @example
 * const me = Identity.generate(crypto);
 * saveSecretly(me.export());
 * const again = Identity.import(crypto, loadSecretly());
 * again.nodeId === me.nodeId; // true
 */
export class Identity {
  /** The node's id: SHA-256 of the Ed25519 public key, first 8 bytes LE. */
  readonly nodeId: NodeId;
  private readonly signingKey: Ed25519SigningKey;
  private readonly agreementKey: X25519PrivateKey;
  private readonly secrets: IdentitySecrets;
  private closed = false;

  private constructor(provider: CryptoProvider, secrets: IdentitySecrets) {
    this.secrets = secrets;
    this.signingKey = provider.ed25519SigningKey(secrets.signingSeed);
    this.agreementKey = provider.x25519PrivateKey(secrets.agreementSecret);
    this.nodeId = deriveNodeId(provider, this.signingKey.publicKey);
  }

  /** A fresh identity from the provider's random source (seeded in tests, so runs replay). */
  static generate(provider: CryptoProvider): Identity {
    return new Identity(provider, {
      signingSeed: provider.randomBytes(KEY_LENGTH),
      agreementSecret: provider.randomBytes(KEY_LENGTH),
    });
  }

  /** An identity from its two 32-byte secrets (copied; the caller may zero its own). */
  static fromSecrets(provider: CryptoProvider, secrets: IdentitySecrets): Identity {
    checkLength(secrets?.signingSeed, KEY_LENGTH, 'Ed25519 seed');
    checkLength(secrets?.agreementSecret, KEY_LENGTH, 'X25519 secret');
    return new Identity(provider, {
      signingSeed: copyBytes(secrets.signingSeed),
      agreementSecret: copyBytes(secrets.agreementSecret),
    });
  }

  /**
   * Reads what {@link Identity.export} wrote. Throws {@link InvalidIdentityError} when the bytes
   * are not in the format, or when the NodeId they record is not the one the seed gives.
   */
  static import(provider: CryptoProvider, bytes: Uint8Array): Identity {
    const { nodeId, agreementPublicKey, ...secrets } = decodeIdentity(bytes);
    const identity = new Identity(provider, secrets);
    if (identity.nodeId !== nodeId) {
      identity.dispose();
      throw new InvalidIdentityError('exported identity: the NodeId does not match the seed');
    }
    if (!constantTimeEqual(identity.agreementPublicKey, agreementPublicKey)) {
      identity.dispose();
      throw new InvalidIdentityError(
        'exported identity: the X25519 public key does not match the X25519 secret',
      );
    }
    return identity;
  }

  /** True once {@link Identity.dispose} ran. */
  get disposed(): boolean {
    return this.closed;
  }

  /** The Ed25519 public key (a fresh copy). */
  get signingPublicKey(): Uint8Array {
    return this.signingKey.publicKey;
  }

  /** The X25519 public key (a fresh copy). */
  get agreementPublicKey(): Uint8Array {
    return this.agreementKey.publicKey;
  }

  /** The id and public keys, as plain data. */
  publicIdentity(): PublicIdentity {
    return {
      nodeId: this.nodeId,
      signingPublicKey: this.signingPublicKey,
      agreementPublicKey: this.agreementPublicKey,
    };
  }

  /** Ed25519 signature (64 bytes) of `message`. */
  sign(message: Uint8Array): Uint8Array {
    this.checkOpen();
    return this.signingKey.sign(message);
  }

  /** X25519 shared secret with a peer's agreement key (see `X25519PrivateKey.agree`). */
  agree(peer: X25519PublicKey | Uint8Array): Uint8Array {
    this.checkOpen();
    return this.agreementKey.agree(peer);
  }

  /** The secret export format (109 bytes, documented in `encodeIdentity`). */
  export(): Uint8Array {
    this.checkOpen();
    return encodeIdentity(this.secrets, this.nodeId, this.agreementPublicKey);
  }

  /** Zeroes the secrets (see the class comment for what native key objects allow). Idempotent. */
  dispose(): void {
    if (this.closed) return;
    this.closed = true;
    this.secrets.signingSeed.fill(0);
    this.secrets.agreementSecret.fill(0);
    this.signingKey.dispose();
    this.agreementKey.dispose();
  }

  private checkOpen(): void {
    if (this.closed) throw new ClosedError('identity: disposed');
  }
}
