// The provider interface and its named errors
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
} from './crypto-provider.ts';
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
} from './crypto-errors.ts';

// Providers
export { nativeCryptoProvider } from './native/native-provider.ts';
export { portableCryptoProvider } from './portable/portable-provider.ts';
export { defaultCryptoProvider } from './default-provider.ts';

// Identities
export { Identity, type PublicIdentity } from './identity.ts';
export {
  type IdentitySecrets,
  IDENTITY_FORMAT_VERSION,
  EXPORTED_IDENTITY_LENGTH,
  encodeIdentity,
  decodeIdentity,
} from './identity-format.ts';
export { deriveNodeId } from './node-id-derivation.ts';
