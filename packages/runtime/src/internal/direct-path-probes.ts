import { type Endpoint, type NodeId, endpointEquals } from '@elara/core';
import type { Transport } from '@elara/net';
import type { PeerLink } from '../peer-link.ts';

/** Bytes sent to an address not validated yet, at most, per byte received from it (RFC 9000 §8). */
export const UNVALIDATED_AMPLIFICATION = 3;

/** The last challenges to an address whose answer still validates it (RFC 9000 §8.2.4). */
const ANSWERABLE_CHALLENGES = 3;

/** Addresses under validation per channel, at most (the least recently heard is dropped). */
export const CANDIDATE_ADDRESSES = 4;

/** One address of a channel's peer under validation. */
interface Candidate {
  readonly address: Endpoint;
  /** Bytes received from and sent to `address` while it is not validated. */
  received: number;
  sent: number;
  /** The last challenges sent to `address` (at most {@link ANSWERABLE_CHALLENGES}, oldest first). */
  readonly challenges: PathChallenge[];
  /** When the last one went. */
  lastChallengeAt: number;
}

/** One channel's paths under validation. */
interface PathState {
  /** The channel (a newer channel with the same peer starts afresh). */
  readonly link: PeerLink;
  /** Relayed: when the next probe of the direct path goes; Infinity for a direct channel. */
  nextAt: number;
  /** Relayed: the wait after the next probe (doubles up to the ceiling). */
  waitUs: number;
  /**
   * The addresses challenged or to challenge, least recently heard first: the peer's own
   * (relayed), new ones (direct).
   */
  readonly candidates: Candidate[];
}

/** A path challenge's content: echoed by the peer's sealed time-sync answer. */
export interface PathChallenge {
  readonly id: number;
  readonly t1: number;
}

/** What {@link DirectPathProbes} is built from. */
export interface DirectPathProbesOptions {
  /** The node's own socket: the direct path. */
  readonly direct: Transport;
  /** The first wait before a probe of a relayed channel, µs; 0: never probe. */
  readonly intervalUs: number;
  /** The longest wait between probes, µs. */
  readonly ceilingUs: number;
  /** The heartbeat interval, µs: a challenge stays outstanding at least twice as long. */
  readonly minGapUs: number;
  /** The smoothed round trip to `peer`, µs (NaN or 0 while unknown). */
  readonly rttUs: (peer: NodeId) => number;
  /** An unpredictable challenge (a random u32 id and a stamp). */
  readonly nextChallenge: () => PathChallenge;
  /**
   * Seals `challenge` (a time-sync request) to `link`'s peer at `to` over the direct socket;
   * returns the bytes sent.
   */
  readonly send: (link: PeerLink, to: Endpoint, challenge: PathChallenge, now: number) => number;
}

/**
 * Path validation, as QUIC's (RFC 9000 §8.2): a path is used only once the peer answered an
 * unpredictable challenge over it. The challenge is a sealed time-sync request with a random
 * id, sent from the node's socket to the address under validation; the peer answers a request
 * on the path it came by, and its sealed answer echoing the id and stamp, arriving on the
 * node's socket, validates the address the challenge was sent to, whatever address the answer
 * comes from (RFC 9000 §8.2.3: only the peer, having received the challenge, can seal the
 * answer). A copy of a genuine frame raced from a spoofed source proves nothing, so it moves
 * nothing.
 *
 * - A **relayed** channel (the direct path did not answer when it was made) challenges the
 *   peer's own address `intervalUs` after it was made, then twice as long after each probe up
 *   to `ceilingUs`; once validated, its frames leave over the socket instead of the relay.
 * - A **direct** channel that hears its peer from a new address (a NAT rebinding, or a copy an
 *   attacker raced from elsewhere) keeps sending to the current address and challenges the new
 *   one, sending it at most {@link UNVALIDATED_AMPLIFICATION} times the bytes received from it;
 *   the answer moves the path. Up to {@link CANDIDATE_ADDRESSES} addresses are under
 *   validation at once, each with its own challenges and byte budget, so copies raced from a
 *   victim's address do not hold back a real rebinding. A real rebinding is followed within
 *   about a round trip of the peer's next frame.
 *
 * A challenge stays outstanding until answered or expired, as RFC 9000 §8.2.4 asks: an address
 * with a challenge younger than `max(3 × smoothed RTT, 2 × minGapUs)` is not challenged again
 * (three round trips, QUIC's PTO-based timer, with a floor of two heartbeats while the RTT is
 * unknown or tiny), and an answer to any of its last {@link ANSWERABLE_CHALLENGES} challenges
 * counts, so a round trip longer than a heartbeat still validates.
 *
 * Frames in flight on the old path still open (the channel is the same), so nothing is lost
 * or taken twice across a switch.
 */
export class DirectPathProbes {
  private readonly paths = new Map<NodeId, PathState>();
  /**
   * The size of the last challenge sent: what the next one costs against the bound (before the
   * first, a sealed time-sync request's size, rounded up).
   */
  private challengeBytes = 64;

  constructor(private readonly options: DirectPathProbesOptions) {}

  /** Channels with a path under validation now. */
  get size(): number {
    return this.paths.size;
  }

  /** Sends the probes of relayed channels that are due (and forgets channels gone). */
  tick(now: number, links: ReadonlyMap<NodeId, PeerLink>): void {
    const o = this.options;
    for (const [peer, p] of this.paths) {
      if (links.get(peer) !== p.link || (p.nextAt !== Infinity && !p.link.relayed)) {
        this.paths.delete(peer);
      }
    }
    if (o.intervalUs === 0) return;
    for (const [peer, link] of links) {
      if (!link.relayed) continue;
      let p = this.paths.get(peer);
      if (p === undefined) {
        p = { link, nextAt: now + o.intervalUs, waitUs: o.intervalUs, candidates: [] };
        this.paths.set(peer, p);
      }
      if (now < p.nextAt) continue;
      p.waitUs = Math.min(o.ceilingUs, 2 * p.waitUs);
      p.nextAt = now + p.waitUs;
      this.challenge(p, this.candidate(p, link.remote), now);
    }
  }

  /**
   * The peer of a relayed channel challenged us directly: our own probe goes now, unless one is
   * still outstanding, so both directions leave the relay about together.
   */
  hurry(link: PeerLink, now: number): void {
    const p = this.paths.get(link.nodeId);
    if (p === undefined || p.link !== link || !link.relayed || this.options.intervalUs === 0) {
      return;
    }
    const c = this.candidate(p, link.remote);
    if (now - c.lastChallengeAt < this.expiryUs(link)) return;
    p.nextAt = now + p.waitUs;
    this.challenge(p, c, now);
  }

  /**
   * An authenticated frame of `bytes` from `link`'s peer arrived from `from`, `direct` when on
   * the node's own socket. It moves nothing; on a direct channel, a new address is challenged.
   */
  heard(link: PeerLink, direct: boolean, from: Endpoint, bytes: number, now: number): void {
    if (!direct || link.relayed || endpointEquals(from, link.remote)) return;
    let p = this.paths.get(link.nodeId);
    if (p === undefined || p.link !== link) {
      p = { link, nextAt: Infinity, waitUs: 0, candidates: [] };
      this.paths.set(link.nodeId, p);
    }
    const c = this.candidate(p, from);
    c.received += bytes;
    // A young challenge to this address is still on its way: the answer is awaited, not replaced.
    if (c.challenges.length > 0 && now - c.lastChallengeAt < this.expiryUs(link)) return;
    this.challenge(p, c, now);
  }

  /**
   * A sealed time-sync answer from `link`'s peer arrived, `direct` when on the node's socket.
   * True when it answers one of our last challenges to an address, there: that address is then
   * validated and `link` uses it. False otherwise (an ordinary answer for clock sync).
   */
  answered(link: PeerLink, answer: PathChallenge, direct: boolean): boolean {
    const p = this.paths.get(link.nodeId);
    if (p === undefined || p.link !== link || !direct) return false;
    const c = p.candidates.find((x) =>
      x.challenges.some((y) => y.id === answer.id && y.t1 === answer.t1),
    );
    if (c === undefined) return false;
    this.paths.delete(link.nodeId);
    if (link.relayed) link.useDirect(this.options.direct);
    else link.remote = c.address;
    return true;
  }

  /**
   * `bytes` are about to go to `from`, an address of `link`'s peer not validated (the answer to
   * a challenge it sent from there): true, and counted against that address's
   * {@link UNVALIDATED_AMPLIFICATION} budget, when they fit it; false when they do not (then
   * they go on the validated path instead). A relayed channel's are not bounded, as its probes.
   */
  charge(link: PeerLink, from: Endpoint, bytes: number): boolean {
    if (link.relayed) return true;
    const p = this.paths.get(link.nodeId);
    const c =
      p?.link !== link ? undefined : p.candidates.find((x) => endpointEquals(x.address, from));
    if (c === undefined || c.sent + bytes > UNVALIDATED_AMPLIFICATION * c.received) return false;
    c.sent += bytes;
    return true;
  }

  /** `peer` left the session. */
  forget(peer: NodeId): void {
    this.paths.delete(peer);
  }

  /** How long a challenge to `link`'s peer stays outstanding before another may go. */
  private expiryUs(link: PeerLink): number {
    const rtt = this.options.rttUs(link.nodeId);
    return Math.max(3 * (rtt > 0 ? rtt : 0), 2 * this.options.minGapUs);
  }

  /** `address`'s candidate, made the most recently heard (made if new, the oldest dropped). */
  private candidate(p: PathState, address: Endpoint): Candidate {
    const i = p.candidates.findIndex((c) => endpointEquals(c.address, address));
    let c: Candidate;
    if (i >= 0) {
      c = p.candidates[i] as Candidate;
      p.candidates.splice(i, 1);
    } else {
      if (p.candidates.length === CANDIDATE_ADDRESSES) p.candidates.shift();
      c = { address, received: 0, sent: 0, challenges: [], lastChallengeAt: -Infinity };
    }
    p.candidates.push(c);
    return c;
  }

  private challenge(p: PathState, c: Candidate, now: number): void {
    // An address not validated gets at most three times what came from it (a relayed
    // channel's probe goes to the peer's own address, the one the relay reaches: no bound).
    const bounded = !p.link.relayed;
    if (bounded && c.sent + this.challengeBytes > UNVALIDATED_AMPLIFICATION * c.received) return;
    const challenge = this.options.nextChallenge();
    if (c.challenges.length === ANSWERABLE_CHALLENGES) c.challenges.shift();
    c.challenges.push(challenge);
    c.lastChallengeAt = now;
    this.challengeBytes = this.options.send(p.link, c.address, challenge, now);
    c.sent += this.challengeBytes;
  }
}
