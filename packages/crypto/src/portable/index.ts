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
  HMAC_SHA512_LENGTH,
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
  CapacityError,
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

// The authenticated handshake (SIGMA-I with a stateless retry cookie) and invites
export {
  HandshakeError,
  UnknownHandshakeError,
  UnexpectedHandshakeMessageError,
  ReplayedHandshakeError,
  HandshakeMismatchError,
  InvalidCookieError,
  HandshakeSignatureError,
  PeerMismatchError,
  UnauthorizedPeerError,
  HandshakeTimeoutError,
} from '../handshake/handshake-errors.ts';
export {
  HandshakeMessageType,
  HANDSHAKE_MESSAGE_SIZES,
  COOKIE_LENGTH,
  INVITE_ID_LENGTH,
  SEALED_IDENTITY_LENGTH,
  type InviteReference,
  type HandshakeMessage,
  type InitMessage,
  type RetryMessage,
  type ResponseMessage,
  type FinishMessage,
  type AcceptMessage,
  type HandshakeRoute,
  decodeHandshakeMessage,
  routeHandshake,
  isHandshakeDatagram,
} from '../handshake/handshake-message.ts';
export {
  type Authorize,
  type PeerExpectation,
  type HandshakeResult,
} from '../handshake/handshake-result.ts';
export {
  type ResponderLimits,
  type InitiatorTimers,
  DEFAULT_RESPONDER_LIMITS,
  DEFAULT_INITIATOR_TIMERS,
} from '../handshake/handshake-limits.ts';
export {
  HandshakeInitiator,
  type InitiatorConfig,
  type MemberInitiatorConfig,
  type JoinerInitiatorConfig,
  type InitiatorStatus,
  type InitiatorStep,
} from '../handshake/handshake-initiator.ts';
export {
  HandshakeResponder,
  type ResponderConfig,
  type ResponderStep,
  type ResponderCounters,
  type ResponderMemory,
} from '../handshake/handshake-responder.ts';
export {
  InviteError,
  MalformedInviteError,
  InviteSignatureError,
  InviteExpiredError,
  InviteReusedError,
  InviteSecretMismatchError,
} from '../invite/invite-errors.ts';
export {
  type Invite,
  type InviteFields,
  INVITE_FORMAT_VERSION,
  MAX_INVITE_ADDRESSES,
  INVITE_SECRET_LENGTH,
  MAX_INVITE_TEXT_LENGTH,
  inviteBody,
  inviteSigningBytes,
  encodeInvite,
  decodeInvite,
} from '../invite/invite.ts';
export {
  InviteBook,
  type InviteBookOptions,
  type InviteRequest,
  DEFAULT_MAX_REDEEMED_INVITES,
  DEFAULT_MAX_INVITE_LIFETIME_US,
} from '../invite/invite-book.ts';

// Wire version 0: the reference's key schedule and secure frames (compatibility code)
export { v0ClassChainKey, v0MessageKey, v0NextChainKey } from '../v0/v0-key-schedule.ts';
export { v0Nonce } from '../v0/v0-nonce.ts';
export { V0ClassRatchet, V0_MAX_EPOCH_SYNC } from '../v0/v0-class-ratchet.ts';
export { V0ReceiveChain, type V0ResolvedKey } from '../v0/v0-receive-chain.ts';
export {
  V0FrameSealer,
  type V0SealerConfig,
  type V0FrameInput,
  V0_MAX_PLAINTEXT,
} from '../v0/v0-frame-sealer.ts';
export { V0FrameOpener, type V0OpenerConfig, type V0OpenedFrame } from '../v0/v0-frame-opener.ts';
// Wire version 1: pairwise secure channels and event signatures
export {
  DuplicateFrameError,
  BeyondWindowError,
  StaleEpochError,
  FutureEpochError,
  EpochsExhaustedError,
  TooFarAheadError,
  ConsumedKeysError,
  EpochPolicyError,
  UnknownSenderError,
  ChannelMismatchError,
} from '../channel/channel-errors.ts';
export {
  channelEpochZeroKey,
  channelEpochStep,
  channelChainStep,
  writeChannelNonce,
} from '../channel/channel-key-schedule.ts';
export { ReplayWindow, MAX_REPLAY_WINDOW } from '../channel/replay-window.ts';
export {
  type EpochPolicy,
  MAX_EPOCH_MESSAGES,
  DEFAULT_MAX_SKIP,
  DEFAULT_EPOCH_POLICIES,
  epochPolicies,
} from '../channel/epoch-policy.ts';
export {
  SecureChannel,
  type ChannelOptions,
  type ChannelFrameInput,
  type ChannelOpenedFrame,
  CHANNEL_HEADER_SIZE,
  CHANNEL_MAX_PLAINTEXT,
} from '../channel/secure-channel.ts';
export {
  eventSigner,
  type AuthorKeyLookup,
  type EventVerifierCacheOptions,
  DEFAULT_MAX_VERIFYING_KEYS,
  EventVerifierCache,
} from '../signatures/event-signatures.ts';
