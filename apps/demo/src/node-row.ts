import { formatEndpoint, type NodeId } from '@elara/core';
import { CHAT } from './chatter.ts';
import type { Member } from './demo-session.ts';

/** What the live view shows of one node. */
export interface NodeRow {
  readonly name: string;
  /** Where the node's socket is bound (`127.0.0.1:53211`, or a simulated address). */
  readonly address: string;
  /** Other members with a live channel. */
  readonly peers: number;
  /** Other members in the node's membership log. */
  readonly others: number;
  /** Members the node sees present (itself included). */
  readonly present: number;
  /** Messages in the node's chat log. */
  readonly messages: number;
  /** Names of the members the node sees typing. */
  readonly typing: readonly string[];
  /** The session's τs minus the node's local clock, ms. */
  readonly tauOffsetMs: number;
  /** How the node reaches its peers. */
  readonly path: PathSummary;
}

/** How a node reaches its peers: path kinds, round-trip range, worst loss. */
export interface PathSummary {
  /** Each kind of path (`direct`, `relayed`) with how many peers it reaches. */
  readonly kinds: readonly (readonly [kind: string, peers: number])[];
  /** Lowest and highest measured round trip, ms; undefined before the first measurement. */
  readonly rttMs: readonly [lo: number, hi: number] | undefined;
  /** The worst loss to a peer, percent. */
  readonly lossPercent: number;
}

/** The row of member `m` now; `names` turns NodeIds into `n1`, `n2`, …. */
export function nodeRow(m: Member, names: ReadonlyMap<NodeId, string>): NodeRow {
  const { node, session } = m;
  let peers = 0;
  let others = 0;
  const kinds = new Map<string, number>();
  let rttLo = Infinity;
  let rttHi = 0;
  let loss = 0;
  for (const p of session.participants.values()) {
    if (p.self) continue;
    others++;
    if (p.connected) peers++;
    if (p.path !== undefined) kinds.set(p.path.kind, (kinds.get(p.path.kind) ?? 0) + 1);
    const rtt = p.network?.rttUs ?? 0;
    if (rtt > 0) {
      rttLo = Math.min(rttLo, rtt / 1000);
      rttHi = Math.max(rttHi, rtt / 1000);
    }
    loss = Math.max(loss, p.network?.lossRate ?? 0);
  }
  const path: PathSummary = {
    kinds: [...kinds],
    rttMs: rttHi > 0 ? [rttLo, rttHi] : undefined,
    lossPercent: loss * 100,
  };
  return {
    name: m.name,
    address: formatEndpoint(node.localAddress),
    peers,
    others,
    present: session.presence().present().length,
    messages: session.text(CHAT).messages().length,
    typing: session
      .typing(CHAT)
      .typing()
      .map((t) => names.get(t.user) ?? '?'),
    tauOffsetMs: (session.time.now() - node.scheduler.now()) / 1000,
    path,
  };
}
