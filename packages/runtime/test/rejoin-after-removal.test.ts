import { STATISTICAL_SEEDS } from '@elara/testkit';
import type { LinkConfig } from '@elara/core/sim';
import { afterEach, describe, expect, it } from 'vitest';
import type { Node, NodeConfig, Session } from '../src/index.ts';
import { contents } from './session-views.ts';
import { fulfilled, simNodes, type SimNodes } from './sim-nodes.ts';

let sim: SimNodes;
afterEach(async () => {
  await sim.close();
});

const short: NodeConfig = { heartbeatIntervalUs: 500_000, peerTimeoutUs: 2_000_000 };
const advance = (us: number): Promise<void> => sim.world.scheduler.advanceBy(us);

const links: Record<string, LinkConfig> = {
  jitter: { latencyUs: 10_000, jitter: { distribution: 'exponential', meanUs: 8_000 } },
  loss: { latencyUs: 10_000, loss: { model: 'random', p: 0.05 } },
};

const cases = STATISTICAL_SEEDS.flatMap((seed) =>
  Object.keys(links).map((kind) => [seed, kind] as [number, string]),
);

describe('a removed member invited again', () => {
  // Its rejoin replays its old add and old removal before the new add: neither the old add
  // (admitted too early) nor the old removal (ended as removed) concerns the new session.
  it.each(cases)(
    'seed %i, %s: rejoins and stays, and only a new removal ends it',
    async (seed, kind) => {
      sim = simNodes(seed, links[kind]);
      const nodes: Node[] = [];
      for (let i = 0; i < 3; i++) nodes.push(await sim.add(short));
      const [founder, bob, mallory] = nodes as [Node, Node, Node];
      const room = await founder.createSession();
      const bobs = fulfilled(await sim.settle(bob.joinSession(room.invite())));
      const first = fulfilled(await sim.settle(mallory.joinSession(room.invite())));
      await advance(2_000_000);
      for (let i = 0; i < 5; i++) room.text('general').send(`a${i}`);
      await advance(1_000_000);
      room.remove(mallory.nodeId);
      await advance(5_000_000);
      expect(first.end?.reason).toBe('removed');
      for (let i = 0; i < 5; i++) bobs.text('general').send(`b${i}`);
      await advance(500_000);
      const again: Session = fulfilled(await sim.settle(mallory.joinSession(room.invite())));
      expect(again.membership.inSession(mallory.nodeId)).toBe(true);
      await advance(5_000_000);
      expect(again.end).toBeUndefined();
      again.text('general').send('back');
      await advance(3_000_000);
      expect(contents(room)).toContain('back');
      // A removal of the new membership still ends it, by name.
      room.remove(mallory.nodeId);
      await advance(5_000_000);
      expect(again.end?.reason).toBe('removed');
    },
  );
});
