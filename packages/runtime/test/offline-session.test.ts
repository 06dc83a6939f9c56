import { LocalLogFullError } from '@elara/state';
import { afterEach, describe, expect, it } from 'vitest';
import type { Node, NodeConfig, Session } from '../src/index.ts';
import { contents, present, sameSnapshot, unacknowledged } from './session-views.ts';
import { sessionGroup, simNodes, type SimNodes } from './sim-nodes.ts';

let sim: SimNodes;
afterEach(async () => {
  await sim.close();
});

const advance = (us: number): Promise<void> => sim.world.scheduler.advanceBy(us);

async function group(
  seed: number,
  configs: NodeConfig[],
): Promise<{ nodes: Node[]; sessions: Session[] }> {
  sim = simNodes(seed, { latencyUs: 15_000 });
  return sessionGroup(sim, configs);
}

/** Cuts `node` off from every other node (its own sends and theirs to it are lost). */
function isolate(nodes: readonly Node[], node: Node): void {
  sim.net.partition(
    [node.localAddress],
    nodes.filter((n) => n !== node).map((n) => n.localAddress),
  );
}

describe('offline members', () => {
  it('a member down for 30 s while the others chat catches up completely, and its own offline writes reach them', async () => {
    const { nodes, sessions } = await group(41, [{}, {}, {}, {}]);
    for (const s of sessions) s.presence().join();
    await advance(1_000_000);
    const away = nodes[3] as Node;
    const awaySession = sessions[3] as Session;
    isolate(nodes, away);
    const sent: string[] = [];
    for (let second = 0; second < 30; second++) {
      const who = second % 3;
      const text = `online ${second}`;
      (sessions[who] as Session).text('general').send(text);
      sent.push(text);
      if (second % 6 === 0) {
        // Written offline: applied at once on its own replica.
        const mine = `offline ${second}`;
        awaySession.text('general').send(mine);
        sent.push(mine);
        expect(contents(awaySession)).toContain(mine);
      }
      await advance(1_000_000);
    }
    // Its peers went silent: shown disconnected, still members (nobody is dropped).
    expect(awaySession.participants.get((nodes[0] as Node).nodeId)?.connected).toBe(false);
    expect((sessions[0] as Session).participants.get(away.nodeId)?.connected).toBe(false);
    expect((sessions[0] as Session).membership.inSession(away.nodeId)).toBe(true);
    expect(contents(sessions[0] as Session).some((t) => t.startsWith('offline'))).toBe(false);
    // Its offline writes wait in its local log, unacknowledged, until the partition heals.
    expect(unacknowledged(awaySession)).toBeGreaterThan(0);
    sim.net.heal();
    await advance(5_000_000);
    const reference = contents(sessions[0] as Session);
    expect([...reference].sort()).toEqual([...sent].sort());
    for (const s of sessions) {
      expect(contents(s)).toEqual(reference);
      expect(sameSnapshot(s, sessions[0] as Session)).toBe(true);
      for (const n of nodes) expect(s.participants.get(n.nodeId)?.connected).toBe(true);
      expect(present(s)).toEqual(nodes.map((n) => n.nodeId).sort());
    }
    // Acknowledged by everyone: the local logs drained.
    for (const s of sessions) expect(unacknowledged(s)).toBe(0);
  });

  it('sending while no peer is reachable fills the bounded local log, then send() fails by name until peers return', async () => {
    const { nodes, sessions } = await group(42, [{}, {}, { eventBufferSize: 8 }]);
    const away = nodes[2] as Node;
    const text = (sessions[2] as Session).text('general');
    isolate(nodes, away);
    const written: string[] = [];
    let refused: unknown;
    for (let i = 0; i < 20 && refused === undefined; i++) {
      try {
        text.send(`queued ${i}`);
        written.push(`queued ${i}`);
      } catch (e) {
        refused = e;
      }
      await advance(100_000);
    }
    expect(LocalLogFullError.isInstance(refused)).toBe(true);
    expect(written.length).toBe(8);
    // Nothing refused is applied or lost: exactly the accepted ones are here.
    expect(contents(sessions[2] as Session)).toEqual(written);
    sim.net.heal();
    await advance(5_000_000);
    for (const s of sessions) expect(contents(s)).toEqual(written);
    // Every member acknowledged them: the log has room again.
    expect(() => text.send('back')).not.toThrow();
    await advance(1_000_000);
    for (const s of sessions) expect(contents(s)).toEqual([...written, 'back']);
  });
});
