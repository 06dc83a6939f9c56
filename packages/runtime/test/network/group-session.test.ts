import { endpointEquals } from '@elara/core';
import { UnauthorizedPeerError } from '@elara/crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { Node, type NodeConfig, type Session } from '../../src/index.ts';
import { contents, farewells, present, sameSnapshot } from '../session-views.ts';
import { until } from './loopback.ts';

/** Short timers, so nothing waits out real TTLs. */
const short: NodeConfig = {
  heartbeatIntervalUs: 100_000,
  peerTimeoutUs: 500_000,
  streams: { presence: { timeoutUs: 1_500_000 } },
};
const nodes: Node[] = [];
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.stop()));
});

async function group(n: number): Promise<{ members: Node[]; sessions: Session[] }> {
  const members: Node[] = [];
  for (let i = 0; i < n; i++) {
    const node = await Node.create(short);
    nodes.push(node);
    members.push(node);
  }
  const room = await (members[0] as Node).createSession();
  const sessions: Session[] = [room];
  for (const node of members.slice(1)) sessions.push(await node.joinSession(room.invite()));
  return { members, sessions };
}

describe('a session of four members over loopback UDP, real crypto', () => {
  it('all pairs exchange text and presence over their own channels; a member leaves and is removed everywhere', async () => {
    const { members, sessions } = await group(4);
    // Every member holds a channel to each of the three others, directly.
    expect(await until(() => members.every((m) => m.counters().peers === 3))).toBe(true);
    for (const [i, s] of sessions.entries()) {
      for (const [j, other] of members.entries()) {
        if (i !== j)
          expect(s.participants.get(other.nodeId)?.path?.remote).toEqual(other.localAddress);
      }
    }
    for (const [i, s] of sessions.entries()) {
      s.text('general').send(`hello from ${i}`);
      s.presence().join();
    }
    const everyone = members.map((m) => m.nodeId).sort();
    expect(
      await until(() => sessions.every((s) => contents(s).length === 4 && present(s).length === 4)),
    ).toBe(true);
    for (const s of sessions) {
      expect([...contents(s)].sort()).toEqual([0, 1, 2, 3].map((i) => `hello from ${i}`));
      expect(contents(s)).toEqual(contents(sessions[0] as Session));
      expect(present(s)).toEqual(everyone);
    }
    // Replies across every pair: each answers each other member by name.
    for (const [i, s] of sessions.entries()) {
      for (const j of [0, 1, 2, 3]) if (j !== i) s.text('general').send(`${i} to ${j}`);
    }
    expect(await until(() => sessions.every((s) => contents(s).length === 16))).toBe(true);
    expect(await until(() => sessions.every((s) => sameSnapshot(s, sessions[0] as Session)))).toBe(
      true,
    );

    const leaver = members[3] as Node;
    await (sessions[3] as Session).leave();
    const rest = sessions.slice(0, 3);
    expect(
      await until(() =>
        rest.every(
          (s) =>
            !s.membership.inSession(leaver.nodeId) &&
            !s.participants.has(leaver.nodeId) &&
            !present(s).includes(leaver.nodeId),
        ),
      ),
    ).toBe(true);
    expect(await until(() => members.slice(0, 3).every((m) => m.counters().peers === 2))).toBe(
      true,
    );
    expect(leaver.counters().peers).toBe(0);
  });

  it('a removed member is told by its signed removal, ends its session by name, and reads nothing more', async () => {
    const { members, sessions } = await group(4);
    expect(await until(() => members.every((m) => m.counters().peers === 3))).toBe(true);
    const [founder, , , mallory] = members as [Node, Node, Node, Node];
    const removed = sessions[3] as Session;
    const others = sessions.slice(0, 3);
    // Sizes of the sealed frames each member hands its socket for Mallory once that member has
    // processed the removal: only the copies of the removal itself may go (one frame size).
    // Frames sealed before it may still be in flight; they are not what this asserts.
    const after: number[] = [];
    let sealedBefore = 0;
    const taps = members.slice(0, 3).map((m, i) => {
      const transport = m.transport;
      const send = transport.send.bind(transport);
      transport.send = (bytes, to) => {
        const processed = !others[i]?.membership.inSession(mallory.nodeId);
        if (endpointEquals(to, mallory.localAddress) && bytes[1] !== 0x80) {
          if (processed) after.push(bytes.length);
          else sealedBefore++;
        }
        return send(bytes, to);
      };
      return () => {
        transport.send = send;
      };
    });
    // The tap sees what the members seal for Mallory while it is a member (heartbeats at least).
    expect(await until(() => sealedBefore > 0)).toBe(true);
    (sessions[0] as Session).remove(mallory.nodeId);
    expect(await until(() => removed.closed)).toBe(true);
    const end = removed.end;
    expect(end?.reason).toBe('removed');
    expect(end?.reason === 'removed' && end.error.removedBy).toBe(founder.nodeId);
    expect(mallory.sessionIds()).toEqual([]);
    expect(
      await until(() =>
        members
          .slice(0, 3)
          .every(
            (m, i) => m.counters().peers === 2 && !others[i]?.membership.inSession(mallory.nodeId),
          ),
      ),
    ).toBe(true);
    (sessions[1] as Session).text('general').send('members only');
    expect(await until(() => others.every((s) => contents(s).includes('members only')))).toBe(true);
    // Past the copies of the removal (three per member, a heartbeat apart), nothing more.
    expect(await until(() => others.every((x) => farewells(x) === 0))).toBe(true);
    for (const untap of taps) untap();
    expect(after.length).toBeGreaterThan(0);
    expect(after.length).toBeLessThanOrEqual(9);
    expect(new Set(after).size).toBe(1);
    for (const s of others) expect(contents(s)).toEqual(['members only']);
    for (const m of members.slice(0, 3)) expect(m.counters().peers).toBe(2);
    expect(mallory.counters().peers).toBe(0);
  });
  it('a removed member that missed its removal: its writes are applied nowhere, its dials refused', async () => {
    const { members, sessions } = await group(4);
    expect(await until(() => members.every((m) => m.counters().peers === 3))).toBe(true);
    const [founder, , , mallory] = members as [Node, Node, Node, Node];
    const removed = sessions[3] as Session;
    const others = sessions.slice(0, 3);
    // Every frame a member seals for Mallory once it processed the removal is lost (the
    // farewells among them): Mallory is never told.
    const taps = members.slice(0, 3).map((m, i) => {
      const transport = m.transport;
      const send = transport.send.bind(transport);
      transport.send = (bytes, to) => {
        const processed = !others[i]?.membership.inSession(mallory.nodeId);
        // Handshake messages (0x80) still go: its dials are refused by name.
        if (processed && endpointEquals(to, mallory.localAddress) && bytes[1] !== 0x80) {
          return 'sent';
        }
        return send(bytes, to);
      };
      return () => {
        transport.send = send;
      };
    });
    (sessions[0] as Session).remove(mallory.nodeId);
    expect(await until(() => others.every((s) => !s.membership.inSession(mallory.nodeId)))).toBe(
      true,
    );
    expect(removed.closed).toBe(false);
    // Its writes reach no member; its stale channels make it dial them again, and each refuses.
    removed.text('general').send('let me in');
    expect(
      await until(() => (founder.counters().rejected[UnauthorizedPeerError.code] ?? 0) > 0),
    ).toBe(true);
    (sessions[1] as Session).text('general').send('members only');
    expect(await until(() => others.every((s) => contents(s).includes('members only')))).toBe(true);
    for (const untap of taps) untap();
    for (const s of others) expect(contents(s)).toEqual(['members only']);
    expect(contents(removed)).toEqual(['let me in']);
    for (const m of members.slice(0, 3)) expect(m.counters().peers).toBe(2);
  });
});
