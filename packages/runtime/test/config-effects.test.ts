import { afterEach, describe, expect, it } from 'vitest';
import type { Node, NodeConfig } from '../src/index.ts';
import { fulfilled, simNodes, type SimNodes } from './sim-nodes.ts';
import { TURN_PASSWORD, TURN_USER, simTurnRelay, type SimTurnRelay } from './sim-turn-relay.ts';

let sim: SimNodes;
let relay: SimTurnRelay | undefined;
afterEach(async () => {
  await sim.close();
  await relay?.close();
  relay = undefined;
});

const advance = (us: number): Promise<void> => sim.world.scheduler.advanceBy(us);

const fast: NodeConfig = {
  heartbeatIntervalUs: 500_000,
  peerTimeoutUs: 2_000_000,
  limits: { initiator: { retryIntervalUs: 300_000, maxAttempts: 10 } },
};

/** Repair requests (digests, in a session without loss) `b` got from its founder `a` in 60 s. */
async function digestsPerMinute(digestIntervalUs: number | undefined): Promise<number> {
  sim = simNodes(5, { latencyUs: 5_000 });
  const a = await sim.add({
    ...fast,
    ...(digestIntervalUs === undefined ? {} : { digestIntervalUs }),
  });
  const b = await sim.add(fast);
  const room = await a.createSession();
  fulfilled(await sim.settle(b.joinSession(room.invite())));
  await advance(2_000_000);
  const before = b.counters().repair.requestsIn;
  await advance(60_000_000);
  const n = b.counters().repair.requestsIn - before;
  await sim.close();
  return n;
}

describe('configured limits change behaviour', () => {
  it('digestIntervalUs sets how often a digest goes to the peer', async () => {
    // One peer: every digest goes to it, one per interval (the default: four heartbeats).
    const often = await digestsPerMinute(500_000);
    expect(often).toBeGreaterThanOrEqual(115);
    expect(often).toBeLessThanOrEqual(121);
    const byDefault = await digestsPerMinute(undefined);
    expect(byDefault).toBeGreaterThanOrEqual(28);
    expect(byDefault).toBeLessThanOrEqual(31);
    const slow = await digestsPerMinute(8_000_000);
    expect(slow).toBeGreaterThanOrEqual(7);
    expect(slow).toBeLessThanOrEqual(8);
    sim = simNodes(5); // for afterEach, which closes one
  });

  it.each([
    [1, false],
    [2, true],
  ])(
    'relayPermissions %i: a relayed member reaches a second blocked peer: %s',
    async (permissions, reaches) => {
      sim = simNodes(62, { latencyUs: 10_000 });
      relay = simTurnRelay(sim.net);
      const server = `${relay.address.address}:${relay.address.port}`;
      const founder = await sim.add(fast);
      const carol = await sim.add(fast);
      const alice: Node = await sim.add({
        ...fast,
        turnServers: [{ server, username: TURN_USER, password: TURN_PASSWORD }],
        limits: { ...fast.limits, relayPermissions: permissions },
      });
      await sim.world.scheduler.runUntil(() => alice.relayedAddress !== undefined, 10_000_000);
      sim.net.partition([alice.localAddress], [founder.localAddress, carol.localAddress]);
      const room = await founder.createSession();
      fulfilled(await sim.settle(carol.joinSession(room.invite())));
      const a = fulfilled(await sim.settle(alice.joinSession(room.invite())));
      await advance(10_000_000);
      expect(a.participants.get(founder.nodeId)?.connected).toBe(true);
      expect(a.participants.get(carol.nodeId)?.connected).toBe(reaches);
    },
  );
});
