// `@elara/crypto/portable`: everything of `@elara/crypto` except the native provider, with
// nothing from `node:*` in its import graph, for browsers and other non-Node runtimes.
export {
  type CryptoProvider,
  type CryptoProviderOptions,
  type Ed25519SigningKey,
  type Ed25519VerifyingKey,
  type X25519PrivateKey,
  type X25519PublicKey,
  KEY_LENGTH,
  NONCE_LENGTH,
  TAG_LENGTH,
  HASH_LENGTH,
  MAX_HKDF_LENGTH,
} from '../crypto-provider.ts';
export {
  CryptoError,
  InvalidLengthError,
  InvalidPublicKeyError,
  NonCanonicalKeyError,
  SmallOrderKeyError,
  MalformedSignatureError,
  TruncatedCiphertextError,
  AuthenticationError,
  SessionMismatchError,
  ReplayError,
  KeyUnavailableError,
  InvalidIdentityError,
} from '../crypto-errors.ts';

export { portableCryptoProvider } from './portable-provider.ts';
export { portableCryptoProvider as defaultCryptoProvider } from './portable-provider.ts';

export { Identity, type PublicIdentity } from '../identity.ts';
export {
  type IdentitySecrets,
  IDENTITY_FORMAT_VERSION,
  EXPORTED_IDENTITY_LENGTH,
  encodeIdentity,
  decodeIdentity,
} from '../identity-format.ts';
export { deriveNodeId } from '../node-id-derivation.ts';
