import { type Endpoint, type NodeId, endpointEquals } from '@elara/core';
import type { Member } from '@elara/state';
import type { PeerLink } from '../peer-link.ts';

/** A member to open a channel to: who it is (keys pinned) and where to try. */
export interface DialTarget {
  readonly member: Member;
  readonly addresses: readonly Endpoint[];
}

/** Addresses one dial tries at most (an invite carries as many). */
const MAX_DIAL_ADDRESSES = 8;

/**
 * Which members of a session this node should open a channel to, and when: every member in the
 * membership log without a channel (a joiner learns them all from the log; existing members
 * learn the joiner from its add entry), and every member whose channel has gone silent (a path
 * that healed, or a peer that lost its keys). A member is dialled again `retryUs` after a
 * dial ended (failed, or its channel went silent again), never twice at once. Both sides of a
 * pair dial; when the two handshakes cross, the session keeps one channel (see `SessionCore`).
 */
export class MeshDialer {
  private readonly next = new Map<NodeId, number>();
  private readonly inFlight = new Set<NodeId>();

  constructor(private readonly retryUs: number) {}

  /** Dials in progress now. */
  get dialing(): number {
    return this.inFlight.size;
  }

  /**
   * The members to dial at `now`. `hints` adds addresses learned elsewhere (the invite's, for the
   * founder); a silent channel's last address comes first.
   */
  due(
    now: number,
    self: NodeId,
    members: readonly Member[],
    links: ReadonlyMap<NodeId, PeerLink>,
    hints: ReadonlyMap<NodeId, readonly Endpoint[]>,
  ): DialTarget[] {
    const out: DialTarget[] = [];
    for (const member of members) {
      const id = member.id;
      if (id === self || this.inFlight.has(id) || now < (this.next.get(id) ?? 0)) continue;
      const link = links.get(id);
      if (link !== undefined && !link.stale) continue;
      const addresses: Endpoint[] = [];
      const add = (e: Endpoint): void => {
        if (addresses.length < MAX_DIAL_ADDRESSES && !addresses.some((a) => endpointEquals(a, e)))
          addresses.push(e);
      };
      if (link !== undefined) add(link.remote);
      for (const e of member.addresses) add(e);
      for (const e of hints.get(id) ?? []) add(e);
      if (addresses.length === 0) continue;
      out.push({ member, addresses });
    }
    return out;
  }

  /** A dial to `peer` started. */
  started(peer: NodeId): void {
    this.inFlight.add(peer);
  }

  /** A dial to `peer` ended (with or without a channel): the next waits `retryUs`. */
  ended(peer: NodeId, now: number): void {
    this.inFlight.delete(peer);
    this.next.set(peer, now + this.retryUs);
  }

  /** `peer` left the session. */
  forget(peer: NodeId): void {
    this.next.delete(peer);
  }
}
