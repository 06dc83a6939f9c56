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

/** Dials of one member since it last had a live channel. */
interface Backoff {
  /** When the last dial ended. */
  endedAt: number;
  /** Dials ended since the member last had a live channel. */
  failures: number;
}

/**
 * Which members of a session this node should open a channel to, and when: every member in the
 * membership log without a channel (a joiner learns them all from the log; existing members
 * learn the joiner from its add entry), and every member whose channel has gone silent (a path
 * that healed, or a peer that lost its keys). A member is dialled again after a dial ended
 * (failed, or its channel went silent again), never twice at once: `retryUs` after the first,
 * then twice as long after each further one up to `ceilingUs`, each wait stretched by up to a
 * quarter (a jitter drawn from the pair's ids and the count, so members that lost the same peer
 * do not dial it in step); a live channel resets it. Both sides of a
 * pair dial; when the two handshakes cross, the session keeps one channel (see `SessionCore`).
 */
export class MeshDialer {
  private readonly backoff = new Map<NodeId, Backoff>();
  private readonly inFlight = new Set<NodeId>();

  constructor(
    private readonly retryUs: number,
    /** The longest wait between dials (the node's `dialRetryCeilingUs`). */
    private readonly ceilingUs: number,
  ) {}

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
      if (id === self || this.inFlight.has(id)) continue;
      const link = links.get(id);
      if (link !== undefined && !link.stale) {
        this.backoff.delete(id);
        continue;
      }
      const b = this.backoff.get(id);
      if (b !== undefined && now < b.endedAt + this.waitUs(self, id, b.failures)) continue;
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

  /** A dial to `peer` ended (with or without a channel): the next waits (see the class). */
  ended(peer: NodeId, now: number): void {
    this.inFlight.delete(peer);
    const b = this.backoff.get(peer);
    if (b === undefined) this.backoff.set(peer, { endedAt: now, failures: 1 });
    else {
      b.endedAt = now;
      b.failures++;
    }
  }

  /** `peer` left the session. */
  forget(peer: NodeId): void {
    this.backoff.delete(peer);
  }

  /** The wait after the `failures`-th dial in a row ended. */
  private waitUs(self: NodeId, peer: NodeId, failures: number): number {
    const base = Math.min(this.ceilingUs, this.retryUs * 2 ** Math.min(failures - 1, 30));
    return Math.min(this.ceilingUs, Math.round(base * (1 + jitter(self, peer, failures) / 4)));
  }
}

/** A fraction in [0, 1) that differs between pairs and dial counts (a 32-bit mix of them). */
function jitter(self: NodeId, peer: NodeId, failures: number): number {
  let h =
    Number(self & 0xffff_ffffn) ^
    Math.imul(Number(peer & 0xffff_ffffn), 0x27d4eb2d) ^
    Math.imul(failures, 0x9e3779b9);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) / 0x1_0000_0000;
}
