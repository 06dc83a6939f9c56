/**
 * STUN and TURN methods (RFC 8489 §18.2, RFC 8656 §17), the 12-bit method of a message type.
 */
export const StunMethod = {
  Binding: 0x001,
  Allocate: 0x003,
  Refresh: 0x004,
  Send: 0x006,
  Data: 0x007,
  CreatePermission: 0x008,
  ChannelBind: 0x009,
} as const;
export type StunMethod = (typeof StunMethod)[keyof typeof StunMethod];

/** The class of a STUN message (the C1 C0 bits of its type). */
export const StunClass = {
  Request: 'request',
  Indication: 'indication',
  Success: 'success',
  Error: 'error',
} as const;
export type StunClass = (typeof StunClass)[keyof typeof StunClass];

/**
 * The attribute types this package reads or writes (RFC 8489 §18.3, RFC 8656 §18, RFC 5780 §7).
 * Types below 0x8000 are comprehension-required: an unknown one in a request is an error.
 */
export const StunAttr = {
  MappedAddress: 0x0001,
  ChangeRequest: 0x0003,
  Username: 0x0006,
  MessageIntegrity: 0x0008,
  ErrorCode: 0x0009,
  UnknownAttributes: 0x000a,
  ChannelNumber: 0x000c,
  Lifetime: 0x000d,
  XorPeerAddress: 0x0012,
  Data: 0x0013,
  Realm: 0x0014,
  Nonce: 0x0015,
  XorRelayedAddress: 0x0016,
  RequestedAddressFamily: 0x0017,
  EvenPort: 0x0018,
  RequestedTransport: 0x0019,
  DontFragment: 0x001a,
  MessageIntegritySha256: 0x001c,
  Userhash: 0x001e,
  XorMappedAddress: 0x0020,
  Padding: 0x0026,
  ResponsePort: 0x0027,
  Software: 0x8022,
  AlternateServer: 0x8023,
  Fingerprint: 0x8028,
  ResponseOrigin: 0x802b,
  OtherAddress: 0x802c,
} as const;
export type StunAttr = (typeof StunAttr)[keyof typeof StunAttr];

/** Error codes a client acts on (RFC 8489 §14.8, RFC 8656 §18.11). */
export const StunErrorCode = {
  TryAlternate: 300,
  BadRequest: 400,
  Unauthorized: 401,
  Forbidden: 403,
  UnknownAttribute: 420,
  AllocationMismatch: 437,
  StaleNonce: 438,
  AddressFamilyNotSupported: 440,
  WrongCredentials: 441,
  UnsupportedTransportProtocol: 442,
  PeerAddressFamilyMismatch: 443,
  AllocationQuotaReached: 486,
  ServerError: 500,
  InsufficientCapacity: 508,
} as const;

/** The FINGERPRINT attribute's XOR constant, "STUN" in ASCII (RFC 8489 §14.7). */
export const STUN_FINGERPRINT_XOR = 0x5354554e;
/** Length of the 96-bit transaction id. */
export const STUN_TRANSACTION_ID_BYTES = 12;
/** Length of a MESSAGE-INTEGRITY value (HMAC-SHA1). */
export const STUN_INTEGRITY_BYTES = 20;
