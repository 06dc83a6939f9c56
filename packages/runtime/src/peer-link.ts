import type { Endpoint, NodeId } from '@elara/core';
import type { PublicIdentity, SecureChannel } from '@elara/crypto';
import type { Transport } from '@elara/net';
import { TimeHintReader } from './internal/time-hint.ts';

/**
 * This node's side of one pairwise channel in one session: the channel, where the peer is and
 * over which transport, and the per-peer timers of the tick (heartbeats, digests). Replaced
 * whole when a newer handshake with the same peer completes; the replaced channel is kept as
 * {@link previous}, for opening only, until the peer is heard on the new one (frames sealed
 * before it switched are still in flight), or for good when two handshakes crossed and the peer
 * kept the other one.
 */
export class PeerLink {
  readonly nodeId: NodeId;
  /** The peer's authenticated keys. */
  readonly identity: PublicIdentity;
  /** Who initiated the current channel's handshake (this node or the peer). */
  readonly initiator: NodeId;
  /** Where its frames come from and ours go (follows its authenticated frames). */
  remote: Endpoint;
  /**
   * The transport our frames to the peer leave on: the node's own socket (direct), or its relayed
   * transport (TURN), when that is how the channel was made, until the direct path is validated
   * ({@link useDirect}).
   */
  via: Transport;
  /** True when {@link via} is the relayed transport. */
  relayed: boolean;
  /** Local µs of its last authenticated datagram (or of the handshake). */
  lastSeen: number;
  /** Local µs when the channel was made: the zero of our frames' time hints. */
  readonly establishedAt: number;
  /** The peer's frames' time hints, unwrapped (they wrap every ~59.6 h). */
  readonly timeHints = new TimeHintReader();
  /** When the tick sends the next heartbeat. */
  nextHeartbeatAt: number;
  /** Heartbeats sent. */
  heartbeats = 0;
  /** This node's digest should go to the peer at the next tick (a new channel). */
  digestDue = false;
  /** True once the tick has seen it silent past the timeout (until it is heard again). */
  stale = false;
  /** The peer has authored events here: its τs can no longer step (clock sync). */
  settled = false;
  /** The channel this one replaced, still opened (see the class comment); undefined: none. */
  previous: SecureChannel | undefined;
  /** When {@link previous} is closed, once the peer was heard on the current channel. */
  previousUntil = Number.POSITIVE_INFINITY;

  constructor(
    readonly channel: SecureChannel,
    identity: PublicIdentity,
    initiator: NodeId,
    remote: Endpoint,
    via: Transport,
    relayed: boolean,
    now: number,
  ) {
    this.nodeId = identity.nodeId;
    this.identity = identity;
    this.initiator = initiator;
    this.remote = remote;
    this.via = via;
    this.relayed = relayed;
    this.lastSeen = now;
    this.establishedAt = now;
    this.nextHeartbeatAt = now;
  }

  /**
   * An authenticated frame arrived at `now`: the peer is alive. Returns true when it was stale
   * (participants then show it). Where it came from moves nothing: a path moves only once
   * validated (see `DirectPathProbes`).
   */
  heard(now: number): boolean {
    const revived = this.stale;
    this.stale = false;
    this.lastSeen = Math.max(this.lastSeen, now);
    return revived;
  }

  /**
   * Opens a frame from the peer: with the current channel, or with the previous one when the
   * frame names that channel (crypto's `ChannelMismatchError` on the current one). A frame that
   * opens on the current channel starts the previous one's last `graceUs`.
   */
  open(
    data: Uint8Array,
    now: number,
    graceUs: number,
    isMismatch: (e: unknown) => boolean,
  ): ReturnType<SecureChannel['open']> {
    try {
      const opened = this.channel.open(data);
      if (this.previous !== undefined && this.previousUntil === Number.POSITIVE_INFINITY) {
        this.previousUntil = now + graceUs;
      }
      return opened;
    } catch (e) {
      if (this.previous === undefined || !isMismatch(e)) throw e;
      return this.previous.open(data);
    }
  }

  /** The direct path to the peer was validated: our frames leave on `socket` from now on. */
  useDirect(socket: Transport): void {
    this.via = socket;
    this.relayed = false;
  }

  /** Keeps `channel` for opening only (a replaced or crossed channel), closing any older one. */
  keepPrevious(channel: SecureChannel): void {
    this.previous?.close();
    this.previous = channel;
    this.previousUntil = Number.POSITIVE_INFINITY;
  }

  /** Closes the previous channel once its grace has passed. */
  expirePrevious(now: number): void {
    if (this.previous !== undefined && now >= this.previousUntil) {
      this.previous.close();
      this.previous = undefined;
    }
  }

  /** Erases the channels' keys. Idempotent. */
  close(): void {
    this.channel.close();
    this.previous?.close();
    this.previous = undefined;
  }
}
