import { UnauthorizedPeerError } from '@elara/crypto';
import { LocalEventRejectedError } from '@elara/state';
import { afterEach, describe, expect, it } from 'vitest';
import type { Node, NodeConfig, Session } from '../src/index.ts';
import type { SessionCore } from '../src/internal/session-core.ts';
import type { PeerLink } from '../src/peer-link.ts';
import { contents, present, sameSnapshot } from './session-views.ts';
import { fulfilled, simNodes, type SimNodes } from './sim-nodes.ts';

let sim: SimNodes;
afterEach(async () => {
  await sim.close();
});

const short: NodeConfig = {
  heartbeatIntervalUs: 500_000,
  peerTimeoutUs: 2_000_000,
  streams: { presence: { timeoutUs: 3_000_000 } },
};

const advance = (us: number): Promise<void> => sim.world.scheduler.advanceBy(us);

interface Group {
  readonly nodes: Node[];
  readonly sessions: Session[];
}

/** `n` nodes in one session founded by the first, each joining with its own invite. */
async function group(seed: number, n: number, config: NodeConfig = {}): Promise<Group> {
  sim = simNodes(seed, { latencyUs: 10_000 });
  const nodes: Node[] = [];
  for (let i = 0; i < n; i++) nodes.push(await sim.add({ ...short, ...config }));
  const room = await (nodes[0] as Node).createSession();
  const sessions: Session[] = [room];
  for (const node of nodes.slice(1)) {
    sessions.push(fulfilled(await sim.settle(node.joinSession(room.invite()))));
  }
  return { nodes, sessions };
}

/** The session's channels, by peer (a look inside, to check which channel a pair kept). */
function links(s: Session): ReadonlyMap<bigint, PeerLink> {
  return (s as unknown as { core: { links: Map<bigint, PeerLink> } }).core.links;
}

function core(s: Session): SessionCore {
  return (s as unknown as { core: SessionCore }).core;
}

describe('a session of several members', () => {
  it('8 members: every pair holds its own direct channel, the inviter is no hub, text from each reaches all', async () => {
    const { nodes, sessions } = await group(31, 8);
    await advance(3_000_000);
    for (const [i, node] of nodes.entries()) {
      const s = sessions[i] as Session;
      expect(node.counters().peers).toBe(7);
      for (const other of nodes) {
        expect(s.participants.get(other.nodeId)?.connected).toBe(true);
        if (other === node) continue;
        expect(s.participants.get(other.nodeId)?.path).toEqual({
          kind: 'direct',
          remote: other.localAddress,
        });
      }
    }
    // Cut the founder (the inviter of everyone) off: the others still talk to each other.
    const founder = nodes[0] as Node;
    sim.net.partition(
      [founder.localAddress],
      nodes.slice(1).map((n) => n.localAddress),
    );
    sessions.slice(1).forEach((s, i) => s.text('general').send(`hello from ${i + 1}`));
    await advance(1_000_000);
    for (const s of sessions.slice(1)) expect(contents(s).length).toBe(7);
    expect(contents(sessions[0] as Session)).toEqual([]);
    sim.net.heal();
    await advance(3_000_000);
    const first = contents(sessions[0] as Session);
    expect(first.length).toBe(7);
    for (const s of sessions) {
      expect(contents(s)).toEqual(first);
      expect(sameSnapshot(s, sessions[0] as Session)).toBe(true);
    }
  });

  it('when two handshakes cross, both sides keep the channel the lower NodeId initiated', async () => {
    const { nodes, sessions } = await group(32, 4);
    await advance(3_000_000);
    let crossed = 0;
    for (const node of nodes) crossed += node.counters().handshakes.crossed;
    // Every member dials every other it learns of, so pairs cross.
    expect(crossed).toBeGreaterThan(0);
    for (const [i, a] of nodes.entries()) {
      for (const [j, b] of nodes.entries()) {
        if (i >= j) continue;
        const ab = links(sessions[i] as Session).get(b.nodeId) as PeerLink;
        const ba = links(sessions[j] as Session).get(a.nodeId) as PeerLink;
        // One channel for the pair: the same initiator on both sides…
        expect(ab.initiator).toBe(ba.initiator);
        // …and the replaced or crossed one is closed once the peer was heard on the kept one.
        expect(ab.previous).toBeUndefined();
        expect(ba.previous).toBeUndefined();
      }
    }
    for (const node of nodes) {
      expect(node.counters().rejected['AuthenticationError']).toBeUndefined();
      expect(node.counters().rejected['ChannelMismatchError']).toBeUndefined();
    }
  });

  it('a member that leaves is removed everywhere and its channels close', async () => {
    const { nodes, sessions } = await group(33, 4);
    for (const s of sessions) s.presence().join();
    await advance(2_000_000);
    const leaver = nodes[2] as Node;
    await (sessions[2] as Session).leave();
    await advance(1_000_000);
    for (const [i, s] of sessions.entries()) {
      if (i === 2) continue;
      expect(s.membership.inSession(leaver.nodeId)).toBe(false);
      expect(s.participants.has(leaver.nodeId)).toBe(false);
      expect(present(s)).not.toContain(leaver.nodeId);
      expect((nodes[i] as Node).counters().peers).toBe(2);
    }
    expect(leaver.counters().peers).toBe(0);
    // The rest go on.
    (sessions[3] as Session).text('general').send('still here');
    await advance(500_000);
    expect(contents(sessions[1] as Session)).toEqual(['still here']);
  });

  it('a removed member that missed its removal can neither read nor inject afterwards', async () => {
    const { nodes, sessions } = await group(34, 4);
    await advance(2_000_000);
    const [founder, , mallory] = nodes as [Node, Node, Node, Node];
    const [room, , lost] = sessions as [Session, Session, Session, Session];
    // Only the founder (an owner) may remove; a member may not.
    expect(() => lost.remove(founder.nodeId)).toThrow(LocalEventRejectedError);
    // Cut off while it is removed, Mallory misses every copy of its removal the members send.
    sim.net.partition(
      [mallory.localAddress],
      nodes.filter((n) => n !== mallory).map((n) => n.localAddress),
    );
    room.remove(mallory.nodeId);
    await advance(3_000_000);
    sim.net.heal();
    for (const [i, s] of sessions.entries()) {
      if (i === 2) continue;
      expect(s.membership.inSession(mallory.nodeId)).toBe(false);
      expect(links(s).has(mallory.nodeId)).toBe(false);
    }
    expect(lost.closed).toBe(false);
    // Nobody sends to a non-member once the copies are out: it writes on, unaware.
    // Count the sealed frames that still reach it (handshake answers carry nothing of the session).
    let sealed = 0;
    const off = mallory.transport.onDatagram((d) => {
      if (d.data[1] !== 0x80) sealed++;
    });
    lost.text('general').send('from the removed');
    lost.presence().join();
    (sessions[1] as Session).text('general').send('after the removal');
    await advance(2_000_000);
    for (const [i, s] of sessions.entries()) {
      if (i !== 2) expect(contents(s)).toEqual(['after the removal']);
    }
    // It read nothing: no member sends it a frame, and its text view has none of theirs.
    expect(contents(lost)).toEqual(['from the removed']);
    expect(sealed).toBe(0);
    // Its frames are refused (no channel), and so are its handshakes (not a member).
    const refused = (n: Node): number =>
      (n.counters().rejected['UnknownPeer'] ?? 0) +
      (n.counters().rejected[UnauthorizedPeerError.code] ?? 0);
    expect(refused(founder)).toBeGreaterThan(0);
    // Its stale channels make it dial the others again: every dial fails.
    await advance(6_000_000);
    expect(mallory.counters().handshakes.failed).toBeGreaterThan(0);
    expect(sealed).toBe(0);
    off();
    for (const [i, s] of sessions.entries()) {
      if (i === 2) continue;
      expect(links(s).has(mallory.nodeId)).toBe(false);
      expect(contents(s)).toEqual(['after the removal']);
      expect(present(s)).not.toContain(mallory.nodeId);
    }
  });

  it("a joiner's invite() is refused by name; the founder's invite admits and the newcomer meets everyone", async () => {
    const { nodes, sessions } = await group(35, 3);
    expect(() => (sessions[1] as Session).invite()).toThrow(
      expect.objectContaining({ name: 'CannotInviteError' }),
    );
    const late = await sim.add(short);
    const joined = fulfilled(await sim.settle(late.joinSession((sessions[0] as Session).invite())));
    await advance(2_000_000);
    expect(late.counters().peers).toBe(3);
    for (const node of nodes) expect(joined.participants.get(node.nodeId)?.connected).toBe(true);
    expect(core(joined).peerCount).toBe(3);
  });
});

describe('time in a session', () => {
  it("a joiner steps its τs onto the session's once, at its join, and every member's τs follows", async () => {
    sim = simNodes(36, { latencyUs: 10_000 });
    const founder = await sim.add();
    // Clocks 2 s ahead and 1.5 s behind, running 80 ppm fast and 60 ppm slow.
    const ahead = await sim.add({
      clock: sim.world.clockFromStart({ offsetUs: 2_000_000, skewPpm: 80 }),
    });
    const behind = await sim.add({
      clock: sim.world.clockFromStart({ offsetUs: -1_500_000, skewPpm: -60 }),
    });
    const room = await founder.createSession();
    const a = fulfilled(await sim.settle(ahead.joinSession(room.invite())));
    // Aligned before joinSession resolved: the first event it writes is on the session's time.
    expect(a.time.stateClock.joinOpen).toBe(false);
    expect(Math.abs(a.time.now() - room.time.now())).toBeLessThan(2_000);
    const b = fulfilled(await sim.settle(behind.joinSession(room.invite())));
    expect(Math.abs(b.time.now() - room.time.now())).toBeLessThan(2_000);
    b.text('general').send('on time');
    // A minute later, with 140 ppm between their crystals, all three still agree.
    for (let i = 0; i < 60; i++) {
      await advance(1_000_000);
      const taus = [room, a, b].map((s) => s.time.now());
      expect(Math.max(...taus) - Math.min(...taus)).toBeLessThan(2_000);
    }
    expect(contents(room)).toEqual(['on time']);
  });
});
