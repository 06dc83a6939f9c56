import { ByteReader, ByteWriter, type NodeId } from '@elara/core';
import { InvalidIdentityError } from './crypto-errors.ts';
import { KEY_LENGTH } from './crypto-provider.ts';
import { isBytes } from './internal/check-bytes.ts';
import { copyBytes } from './internal/copy-bytes.ts';

/** "ELID": the first four bytes of an exported identity. */
const MAGIC = 0x44494c45; // "ELID" read as u32 LE
/**
 * The format version written and read. Version 1 (77 bytes, no X25519 public key) is refused:
 * nothing in it could catch an altered X25519 secret.
 */
export const IDENTITY_FORMAT_VERSION = 2;
/**
 * Length of an exported identity: magic 4, version 1, Ed25519 seed 32, X25519 secret 32,
 * NodeId 8, X25519 public key 32.
 */
export const EXPORTED_IDENTITY_LENGTH = 4 + 1 + KEY_LENGTH + KEY_LENGTH + 8 + KEY_LENGTH;

/** The secrets an exported identity holds. */
export interface IdentitySecrets {
  /** The Ed25519 seed (RFC 8032 private key), 32 bytes. */
  readonly signingSeed: Uint8Array;
  /** The X25519 private key, 32 bytes. */
  readonly agreementSecret: Uint8Array;
}

/**
 * Writes the exported form of an identity (version 2, 109 bytes):
 *
 * | Offset | Size | Field |
 * |---|---|---|
 * | 0 | 4 | magic `ELID` (45 4c 49 44) |
 * | 4 | 1 | format version, 2 |
 * | 5 | 32 | Ed25519 seed |
 * | 37 | 32 | X25519 secret |
 * | 69 | 8 | NodeId, u64 LE (a check: import derives it again and compares) |
 * | 77 | 32 | X25519 public key (a check of the X25519 secret, compared the same way) |
 *
 * Both checks cover every secret byte: an altered seed changes the NodeId, an altered X25519
 * secret changes its public key, so a damaged or tampered record is refused by name instead
 * of becoming a different identity.
 *
 * The bytes are secret: store them as you would a private key.
 */
export function encodeIdentity(
  secrets: IdentitySecrets,
  id: NodeId,
  agreementPublicKey: Uint8Array,
): Uint8Array {
  return new ByteWriter(EXPORTED_IDENTITY_LENGTH, 'exported identity')
    .u32(MAGIC)
    .u8(IDENTITY_FORMAT_VERSION)
    .bytes(secrets.signingSeed)
    .bytes(secrets.agreementSecret)
    .u64(id)
    .bytes(agreementPublicKey)
    .finish();
}

/**
 * Reads the exported form (see {@link encodeIdentity}); the secrets returned are copies. Any
 * other length, magic or version is an {@link InvalidIdentityError}.
 */
export function decodeIdentity(bytes: Uint8Array): IdentitySecrets & {
  readonly nodeId: bigint;
  readonly agreementPublicKey: Uint8Array;
} {
  if (!isBytes(bytes) || bytes.length !== EXPORTED_IDENTITY_LENGTH) {
    throw new InvalidIdentityError(
      `exported identity: expected ${EXPORTED_IDENTITY_LENGTH} bytes, got ${isBytes(bytes) ? bytes.length : 'something else'}`,
    );
  }
  const r = new ByteReader(bytes);
  if (r.u32() !== MAGIC)
    throw new InvalidIdentityError('exported identity: wrong magic (not ELID)');
  const version = r.u8();
  if (version !== IDENTITY_FORMAT_VERSION) {
    throw new InvalidIdentityError(`exported identity: unknown format version ${version}`);
  }
  const signingSeed = copyBytes(r.bytes(KEY_LENGTH));
  const agreementSecret = copyBytes(r.bytes(KEY_LENGTH));
  const nodeId = r.u64();
  return {
    signingSeed,
    agreementSecret,
    nodeId,
    agreementPublicKey: copyBytes(r.bytes(KEY_LENGTH)),
  };
}
