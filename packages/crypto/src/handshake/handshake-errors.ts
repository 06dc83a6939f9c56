import { CryptoError } from '../crypto-errors.ts';

/**
 * Base of the handshake's own named errors. A handshake also raises core's wire errors for
 * malformed datagrams, `AuthenticationError` for a tag or binder that does not check,
 * `SessionMismatchError`, `CapacityError` for full tables, the invite errors, and the
 * provider's key errors (`SmallOrderKeyError`, `NonCanonicalKeyError`, ...) for bad keys.
 */
export class HandshakeError extends CryptoError {
  static override readonly code: string = 'HandshakeError';
}

/** A message for a handshake this side does not know (another attempt, or another address). */
export class UnknownHandshakeError extends HandshakeError {
  static override readonly code: string = 'UnknownHandshakeError';
}

/** A message of a known handshake that this side does not expect in its current state. */
export class UnexpectedHandshakeMessageError extends HandshakeError {
  static override readonly code: string = 'UnexpectedHandshakeMessageError';
}

/** A message of a handshake the responder has already seen (a replay); nothing is allocated. */
export class ReplayedHandshakeError extends HandshakeError {
  static override readonly code: string = 'ReplayedHandshakeError';
}

/** A Retry that does not answer the Init this initiator sent (its echo does not match). */
export class HandshakeMismatchError extends HandshakeError {
  static override readonly code: string = 'HandshakeMismatchError';
}

/** An Init whose retry cookie was not minted for it, for its source address, or has expired. */
export class InvalidCookieError extends HandshakeError {
  static override readonly code: string = 'InvalidCookieError';
}

/** A peer's handshake signature that does not verify. */
export class HandshakeSignatureError extends HandshakeError {
  static override readonly code: string = 'HandshakeSignatureError';
}

/**
 * The peer is not the one expected: an Init addressed to another node, a NodeId that does not
 * match the keys, or keys other than the pinned ones (from an invite or the membership log).
 */
export class PeerMismatchError extends HandshakeError {
  static override readonly code: string = 'PeerMismatchError';
}

/** The `authorize(peer, sessionId)` callback refused an authenticated peer. */
export class UnauthorizedPeerError extends HandshakeError {
  static override readonly code: string = 'UnauthorizedPeerError';
}

/** An initiator ran out of attempts, or a responder's pending handshake expired. */
export class HandshakeTimeoutError extends HandshakeError {
  static override readonly code: string = 'HandshakeTimeoutError';
}
