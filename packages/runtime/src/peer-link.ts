import { type Endpoint, type NodeId, endpointEquals } from '@elara/core';
import type { PublicIdentity, SecureChannel } from '@elara/crypto';

/** An outstanding round-trip probe (a time-sync request awaiting its answer). */
interface Probe {
  readonly id: number;
  readonly t1: number;
}

/**
 * This node's side of one pairwise channel in one session: the channel, where the peer is, and
 * the per-peer timers of the tick (heartbeats, round-trip probes). Replaced whole when a newer
 * handshake with the same peer completes (the newest channel wins, crypto's README).
 */
export class PeerLink {
  readonly nodeId: NodeId;
  /** The peer's authenticated keys. */
  readonly identity: PublicIdentity;
  /** Where its frames come from and ours go (follows its authenticated frames). */
  remote: Endpoint;
  /** Local µs of its last authenticated datagram (or of the handshake). */
  lastSeen: number;
  /** Local µs when the channel was made: the zero of our frames' time hints. */
  readonly establishedAt: number;
  /** When the tick sends the next heartbeat and probe. */
  nextHeartbeatAt: number;
  /** Heartbeats sent. */
  heartbeats = 0;
  /** The peer's latest durable seq, from its heartbeats (gap detection, part 2). */
  peerLastSeq = 0;
  /** This node's digest should go to the peer at the next tick (a gap or an eviction seen). */
  digestDue = false;
  /** True once the tick has seen it silent past the timeout (until it is heard again). */
  stale = false;
  private probe: Probe | undefined;
  private probes = 0;

  constructor(
    readonly channel: SecureChannel,
    identity: PublicIdentity,
    remote: Endpoint,
    now: number,
  ) {
    this.nodeId = identity.nodeId;
    this.identity = identity;
    this.remote = remote;
    this.lastSeen = now;
    this.establishedAt = now;
    this.nextHeartbeatAt = now;
  }

  /**
   * An authenticated frame arrived from `from` at `now`: the peer is alive there. Returns true
   * when its address or liveness changed (participants then show it).
   */
  heard(from: Endpoint, now: number): boolean {
    const moved = !endpointEquals(from, this.remote);
    if (moved) this.remote = from;
    const revived = this.stale;
    this.stale = false;
    this.lastSeen = Math.max(this.lastSeen, now);
    return moved || revived;
  }

  /** Starts a round-trip probe at local time `t1` and returns its id (replacing any older one). */
  startProbe(t1: number): number {
    this.probes = (this.probes + 1) >>> 0;
    this.probe = { id: this.probes, t1 };
    return this.probes;
  }

  /** True (once) when an answer echoes the outstanding probe; a stale or forged echo is false. */
  matchProbe(id: number, t1: number): boolean {
    const p = this.probe;
    if (p === undefined || p.id !== id || p.t1 !== t1) return false;
    this.probe = undefined;
    return true;
  }

  /** Erases the channel's keys. Idempotent. */
  close(): void {
    this.channel.close();
  }
}
