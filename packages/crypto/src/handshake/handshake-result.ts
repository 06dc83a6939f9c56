import type { NodeId, SessionId } from '@elara/core';
import type { PublicIdentity } from '../identity.ts';

/**
 * The caller's admission decision for a peer authenticated by a handshake without an invite:
 * the runtime answers from the session's membership log. Synchronous, like the whole handshake.
 *
 * @example
 * const authorize: Authorize = (peer, session) => membership(session).has(peer.nodeId);
 */
export type Authorize = (peer: PublicIdentity, sessionId: SessionId) => boolean;

/** Whom an initiator expects to reach: the NodeId, and the full keys when it knows them. */
export interface PeerExpectation {
  readonly nodeId: NodeId;
  /** When given, the responder must authenticate with exactly this Ed25519 key. */
  readonly signingPublicKey?: Uint8Array;
  /** When given, the responder's identity must carry exactly this X25519 key. */
  readonly agreementPublicKey?: Uint8Array;
}

/**
 * What a completed handshake hands over: everything a channel (crypto part 3) starts from and
 * everything the runtime needs to attach it to a session member. The keys are fresh copies
 * owned by the caller, who should zero them once the channel has derived its chains.
 */
export interface HandshakeResult {
  /** Which side this is. */
  readonly role: 'initiator' | 'responder';
  readonly sessionId: SessionId;
  /** The attempt's id (chosen by the initiator), as carried in every message. */
  readonly handshakeId: bigint;
  /** This node. */
  readonly local: NodeId;
  /** The authenticated peer: its NodeId and both full public keys. */
  readonly peer: PublicIdentity;
  /** `'invite'` when the joiner redeemed an invite (PSK mode), else `'authorize'`. */
  readonly admittedBy: 'invite' | 'authorize';
  /** The redeemed invite's id in PSK mode (16 bytes), else undefined. */
  readonly inviteId: Uint8Array | undefined;
  /** The final handshake hash (32 bytes): a channel binding, identical on both sides. */
  readonly handshakeHash: Uint8Array;
  /** First 8 bytes of `handshakeHash`, little-endian: a short name for this channel. */
  readonly channelId: bigint;
  /** 32-byte root of this side's sending direction (the peer's `receiveKey`). */
  readonly sendKey: Uint8Array;
  /** 32-byte root of this side's receiving direction (the peer's `sendKey`). */
  readonly receiveKey: Uint8Array;
  /** The caller's clock (µs) when this side completed. */
  readonly establishedAt: number;
}
