import { type Endpoint, type NodeId, endpointEquals } from '@elara/core';
import type { Transport } from '@elara/net';
import type { PeerLink } from '../peer-link.ts';

/** One relayed channel's probing of the direct path. */
interface Probe {
  /** The channel probed (a newer channel with the same peer starts afresh). */
  readonly link: PeerLink;
  /** When the next probe goes. */
  nextAt: number;
  /** The wait after the next probe (doubles up to the ceiling). */
  waitUs: number;
  /** A frame from the peer arriving directly before this validates the path. */
  openUntil: number;
}

/** What {@link DirectPathProbes} is built from. */
export interface DirectPathProbesOptions {
  /** The node's own socket: the direct path. */
  readonly direct: Transport;
  /** The first wait before a probe, µs; 0: never probe. */
  readonly intervalUs: number;
  /** The longest wait between probes, µs. */
  readonly ceilingUs: number;
  /** How long after a probe a direct frame from the peer validates the path, µs. */
  readonly windowUs: number;
  /** Sends an authenticated probe (a sealed heartbeat) to the peer over `direct`. */
  readonly probe: (link: PeerLink, now: number) => void;
}

/**
 * Brings relayed channels back to the direct path. A channel made through the TURN relay (the
 * direct path did not answer then) probes the peer's own address from the node's socket:
 * `intervalUs` after it was made, then twice as long after each probe up to `ceilingUs`. A
 * probe is a sealed heartbeat, so the peer opens it and, following its authenticated frames,
 * sends its next frames to this node directly. The path is **validated** when an authenticated
 * frame from the peer (it opened on the channel: no forged or replayed datagram does) arrives on
 * the node's own socket, from the address probed, within `windowUs` of a probe: only then do this node's frames leave
 * over the socket instead of the relay. Both directions have then worked without the relay.
 * Frames in flight on the relay still open (the channel is the same), so nothing is lost or
 * taken twice across the switch.
 */
export class DirectPathProbes {
  private readonly probes = new Map<NodeId, Probe>();

  constructor(private readonly options: DirectPathProbesOptions) {}

  /** Relayed channels probing now. */
  get size(): number {
    return this.probes.size;
  }

  /** Sends the probes that are due over `links` (and forgets channels no longer relayed). */
  tick(now: number, links: ReadonlyMap<NodeId, PeerLink>): void {
    const o = this.options;
    if (o.intervalUs === 0) return;
    for (const [peer, p] of this.probes) {
      if (links.get(peer) !== p.link || !p.link.relayed) this.probes.delete(peer);
    }
    for (const [peer, link] of links) {
      if (!link.relayed) continue;
      let p = this.probes.get(peer);
      if (p === undefined) {
        p = { link, nextAt: now + o.intervalUs, waitUs: o.intervalUs, openUntil: -1 };
        this.probes.set(peer, p);
      }
      if (now < p.nextAt) continue;
      p.openUntil = now + o.windowUs;
      p.waitUs = Math.min(o.ceilingUs, 2 * p.waitUs);
      p.nextAt = now + p.waitUs;
      o.probe(link, now);
    }
  }

  /**
   * An authenticated frame from `link`'s peer arrived from `from` at `now`, `direct` when on the
   * node's own socket. True when it validated the direct path: `link` then sends over it. Only
   * a frame from the peer's own address counts (the one the relay reaches and probes go to): a
   * genuine frame forwarded from elsewhere validates nothing.
   */
  heard(link: PeerLink, direct: boolean, from: Endpoint, now: number): boolean {
    if (!direct || !link.relayed || !endpointEquals(from, link.remote)) return false;
    const p = this.probes.get(link.nodeId);
    if (p === undefined || p.link !== link || now > p.openUntil) return false;
    this.probes.delete(link.nodeId);
    link.useDirect(this.options.direct);
    return true;
  }

  /** `peer` left the session. */
  forget(peer: NodeId): void {
    this.probes.delete(peer);
  }
}
