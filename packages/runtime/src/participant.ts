import type { Endpoint, NodeId } from '@elara/core';
import type { PublicIdentity } from '@elara/crypto';
import type { MemberRole } from '@elara/state';
import type { PathConditions } from '@elara/time';

/**
 * How this node reaches a participant: `direct` over its own socket, or `relayed` through its
 * TURN allocation (when the direct path did not work; it becomes `direct` again once a probe of
 * the direct path is answered on it), to `remote`: the address the peer's authenticated frames
 * last came from (so a peer whose NAT rebinds is followed); for a relayed path, the peer's
 * address as the relay sees it.
 */
export interface PeerPath {
  readonly kind: 'direct' | 'relayed';
  readonly remote: Endpoint;
}

/**
 * One member of a session as this node sees it (`session.participants`). Plain data: each
 * emission of `participants$` carries new objects.
 *
 * @example
 * session.participants$.subscribe((all) => {
 *   for (const p of all.values()) console.log(p.nodeId, p.connected, p.network?.rttUs);
 * });
 */
export interface Participant {
  readonly nodeId: NodeId;
  /** Its public keys, authenticated by the handshake (this node's own for `self`). */
  readonly identity: PublicIdentity;
  /** Its role in the membership log (the founder is an owner). */
  readonly role: MemberRole;
  /** True for this node itself. */
  readonly self: boolean;
  /** How it is reached; undefined for `self` and for members without a channel. */
  readonly path: PeerPath | undefined;
  /** When its last authenticated datagram arrived, µs on the node's clock (undefined: never). */
  readonly lastSeen: number | undefined;
  /** A channel is open and the peer was heard within `peerTimeoutUs`. Always true for `self`. */
  readonly connected: boolean;
  /** Its path as measured by time's network model (RTT, jitter, loss, reordering). */
  readonly network: PathConditions | undefined;
}
