import { Identity, nativeCryptoProvider } from '@elara/crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { NodeConfig } from '../src/index.ts';
import { contents, sameSnapshot } from './session-views.ts';
import { fulfilled, simNodes, type SimNodes } from './sim-nodes.ts';

let sim: SimNodes;
afterEach(async () => {
  await sim.close();
});

const config: NodeConfig = {
  eventBufferSize: 4096,
  heartbeatIntervalUs: 200_000,
  peerTimeoutUs: 1_000_000,
};

describe('an identity that comes back with a fresh invite', () => {
  it('holds its own earlier events before the join resolves, so its next event takes a fresh seq', async () => {
    sim = simNodes(3, { latencyUs: 10_000 });
    const alice = await sim.add(config);
    const identity = Identity.generate(nativeCryptoProvider({ random: sim.world.rng.fork('bob') }));
    const bob = await sim.add({ ...config, identity });
    const room = await alice.createSession();
    const first = fulfilled(await sim.settle(bob.joinSession(room.invite())));
    // More than one repair page of its own events: they come back page by page.
    for (let i = 0; i < 2000; i++) first.text('general').send(`bob ${i}`);
    await sim.world.scheduler.advanceBy(5_000_000);
    expect(contents(room)).toHaveLength(2000);
    await bob.stop();

    const again = await sim.add({ ...config, identity });
    const back = fulfilled(await sim.settle(again.joinSession(room.invite())));
    expect(back.state.processedOf(again.nodeId)).toBe(2000);
    back.text('general').send('bob back');
    await sim.world.scheduler.advanceBy(3_000_000);
    expect(contents(room)).toContain('bob back');
    expect(contents(back)).toHaveLength(2001);
    expect(sameSnapshot(room, back)).toBe(true);
    expect(alice.counters().equivocations).toBe(0);
    expect(again.counters().equivocations).toBe(0);
  });
});
