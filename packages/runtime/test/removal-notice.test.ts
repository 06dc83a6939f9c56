import {
  EventKind,
  type NodeId,
  PacketClass,
  RepresentationProfile,
  decodeEnvelope,
  encodeEventBatch,
  signEnvelope,
} from '@elara/core';
import { type Identity, eventSigner } from '@elara/crypto';
import { membershipEventType, membershipMutation } from '@elara/state';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type Node,
  type NodeConfig,
  RemovedFromSessionError,
  type Session,
  type SessionEnd,
} from '../src/index.ts';
import type { SessionCore } from '../src/internal/session-core.ts';
import type { PeerLink } from '../src/peer-link.ts';
import { contents, farewells } from './session-views.ts';
import { sessionGroup, simNodes, type SimNodes } from './sim-nodes.ts';

let sim: SimNodes;
afterEach(async () => {
  await sim.close();
});

const short: NodeConfig = { heartbeatIntervalUs: 500_000, peerTimeoutUs: 2_000_000 };

const advance = (us: number): Promise<void> => sim.world.scheduler.advanceBy(us);

/** `n` nodes in one session founded by the first. */
async function group(seed: number, n: number): Promise<{ nodes: Node[]; sessions: Session[] }> {
  sim = simNodes(seed, { latencyUs: 10_000 });
  return sessionGroup(
    sim,
    Array.from({ length: n }, () => short),
  );
}

function ends(s: Session): SessionEnd[] {
  const seen: SessionEnd[] = [];
  s.closed$.subscribe({ next: (e) => seen.push(e) });
  return seen;
}

/**
 * A membership entry signed by `signer`, claiming `author`, delivered to `to` over `from`'s
 * genuine channel: what a compromised member could send.
 */
function sendEntry(
  from: Session,
  to: NodeId,
  signer: Identity,
  author: NodeId,
  entry: Parameters<typeof membershipMutation>[0],
): void {
  const core = (from as unknown as { core: SessionCore }).core;
  const inner = core as unknown as {
    links: Map<NodeId, PeerLink>;
    host: { sender: SessionCore['host']['sender'] };
  };
  const envelope = signEnvelope(
    from.sessionId,
    {
      kind: EventKind.Durable,
      author,
      seq: from.state.processedOf(author) + 1,
      time: from.time.now(),
      target: from.membership.atom,
      eventType: membershipEventType(entry),
      dependencies: [],
      mutation: membershipMutation(entry),
    },
    eventSigner(signer),
  );
  const link = inner.links.get(to) as PeerLink;
  inner.host.sender.send(
    link,
    encodeEventBatch([envelope]),
    PacketClass.Core,
    RepresentationProfile.Textual,
    sim.world.scheduler.now(),
  );
}

describe('a removed member is told', () => {
  it('the removal entry reaches the removed node, whose session ends by name', async () => {
    const { nodes, sessions } = await group(91, 4);
    const [founder, , mallory] = nodes as [Node, Node, Node, Node];
    const [room, , lost] = sessions as [Session, Session, Session, Session];
    const seen = ends(lost);
    const initiated = mallory.counters().handshakes.initiated;
    room.remove(mallory.nodeId);
    await advance(100_000);
    // The members send it copies of its removal (which end below).
    expect(sessions.some((s, i) => i !== 2 && farewells(s) > 0)).toBe(true);
    expect(lost.closed).toBe(true);
    expect(lost.end?.reason).toBe('removed');
    const end = lost.end as Extract<SessionEnd, { reason: 'removed' }>;
    expect(RemovedFromSessionError.isInstance(end.error)).toBe(true);
    expect(end.error.removedBy).toBe(founder.nodeId);
    expect(seen).toEqual([end]);
    // A later subscriber is told too, and the node holds the session no more.
    expect(ends(lost)).toEqual([end]);
    expect(mallory.sessionIds()).toEqual([]);
    expect(mallory.counters().peers).toBe(0);
    // It stops dialling; the others keep going without it, and their farewells end.
    await advance(6_000_000);
    expect(mallory.counters().handshakes.initiated).toBe(initiated);
    expect(mallory.counters().rejected[RemovedFromSessionError.code]).toBeUndefined();
    for (const [i, s] of sessions.entries()) {
      if (i === 2) continue;
      expect(s.closed).toBe(false);
      expect(s.participants.has(mallory.nodeId)).toBe(false);
      expect(farewells(s)).toBe(0);
    }
    (sessions[1] as Session).text('general').send('after');
    await advance(500_000);
    expect(contents(room)).toEqual(['after']);
  });

  it('a lost copy is sent again: the removal reaches it one heartbeat later', async () => {
    const { nodes, sessions } = await group(92, 2);
    const [founder, mallory] = nodes as [Node, Node];
    const [room, lost] = sessions as [Session, Session];
    sim.net.partition([founder.localAddress], [mallory.localAddress]);
    room.remove(mallory.nodeId);
    await advance(100_000);
    expect(lost.closed).toBe(false);
    sim.net.heal();
    await advance(600_000);
    expect(lost.end?.reason).toBe('removed');
  });

  it('what the remover wrote in the same turn does not keep the removal from it', async () => {
    const { nodes, sessions } = await group(91, 3);
    const [, , mallory] = nodes as [Node, Node, Node];
    const [room, , lost] = sessions as [Session, Session, Session];
    // The removal depends on the goodbye: the removed node must get both.
    room.text('general').send('bye mallory');
    room.remove(mallory.nodeId);
    await advance(3_000_000);
    expect(lost.end?.reason).toBe('removed');
  });

  it('an event it missed just before goes with the removal', async () => {
    const { nodes, sessions } = await group(95, 3);
    const [founder, , mallory] = nodes as [Node, Node, Node];
    const [room, , lost] = sessions as [Session, Session, Session];
    sim.net.partition([founder.localAddress], [mallory.localAddress]);
    room.text('general').send('lost one');
    await advance(50_000);
    sim.net.heal();
    room.remove(mallory.nodeId);
    await advance(3_000_000);
    expect(lost.end?.reason).toBe('removed');
  });

  it('a repair answer that carries its removal stops there: nothing after it is applied', async () => {
    const { nodes, sessions } = await group(97, 3);
    const [founder, bob, mallory] = nodes as [Node, Node, Node];
    const [room, , lost] = sessions as [Session, Session, Session];
    // Cut off for every farewell copy: the removal can reach it only by repair.
    sim.net.partition([founder.localAddress, bob.localAddress], [mallory.localAddress]);
    room.remove(mallory.nodeId);
    room.text('general').send('after the removal');
    await advance(3_000_000);
    expect(lost.closed).toBe(false);
    const core = (lost as unknown as { core: SessionCore }).core;
    const inner = core as unknown as {
      links: Map<NodeId, PeerLink>;
      control(link: PeerLink, message: unknown, now: number): void;
    };
    const store = (room as unknown as { core: SessionCore }).core.replica.store;
    const from = lost.state.processedOf(founder.nodeId) + 1;
    const head = room.state.processedOf(founder.nodeId);
    const events = [];
    for (let seq = from; seq <= head; seq++) {
      const raw = store.get(founder.nodeId, seq);
      if (raw !== undefined) events.push(decodeEnvelope(raw));
    }
    expect(events.length).toBeGreaterThanOrEqual(2);
    const removalSeq = from + events.findIndex((e) => e.target === lost.membership.atom);
    inner.control(
      inner.links.get(founder.nodeId) as PeerLink,
      { type: 'repair-response', requestId: 1, final: true, events },
      sim.world.scheduler.now(),
    );
    expect(lost.end?.reason).toBe('removed');
    expect(lost.state.processedOf(founder.nodeId)).toBe(removalSeq);
  });

  it('leave() and stop() end sessions with their own reasons', async () => {
    const { nodes, sessions } = await group(93, 3);
    const leaving = sessions[1] as Session;
    await leaving.leave();
    expect(leaving.end).toEqual({ reason: 'left' });
    // Its own removal needs no copies: the others only close its channels.
    await advance(100_000);
    for (const s of [sessions[0], sessions[2]] as Session[]) {
      expect(farewells(s)).toBe(0);
    }
    const stopping = sessions[2] as Session;
    expect(stopping.end).toBeUndefined();
    let stopped = false;
    void (nodes[2] as Node).stop().then(() => (stopped = true));
    await sim.world.scheduler.runUntil(() => stopped, 5_000_000);
    expect(stopping.end).toEqual({ reason: 'stopped' });
    expect((sessions[0] as Session).end).toBeUndefined();
  });

  it('a removal that is forged or not authorised ends nothing', async () => {
    const { nodes, sessions } = await group(94, 3);
    const [founder, bob, eve] = nodes as [Node, Node, Node];
    const [room, bobs, eves] = sessions as [Session, Session, Session];
    const rejected = (name: string): number => bob.counters().rejected[name] ?? 0;
    // A member may not remove a member: refused by bob's own log, whoever signed it.
    sendEntry(eves, bob.nodeId, eve.identity, eve.nodeId, { op: 'remove', member: bob.nodeId });
    // The founder's removal of bob, signed with eve's key: the signature does not verify.
    sendEntry(eves, bob.nodeId, eve.identity, founder.nodeId, {
      op: 'remove',
      member: bob.nodeId,
    });
    await advance(200_000);
    expect(rejected('Event:Unauthorized')).toBe(1);
    expect(rejected('Event:BadSignature')).toBe(1);
    expect(bobs.closed).toBe(false);
    expect(bobs.membership.inSession(bob.nodeId)).toBe(true);
    // Bob's session goes on. (Eve's chain is spoilt at bob: the seq her forgery took.)
    room.text('general').send('still talking');
    await advance(500_000);
    expect(contents(bobs)).toEqual(['still talking']);
    expect(bobs.participants.get(eve.nodeId)?.connected).toBe(true);
    // The same removal, signed by the founder and sent the same way, ends it: the refusals
    // above were the removal checks, not a path that ends nothing.
    sendEntry(room, bob.nodeId, founder.identity, founder.nodeId, {
      op: 'remove',
      member: bob.nodeId,
    });
    await advance(200_000);
    expect(bobs.end?.reason).toBe('removed');
    const end = bobs.end as Extract<SessionEnd, { reason: 'removed' }>;
    expect(end.error.removedBy).toBe(founder.nodeId);
  });
});
