import { STATISTICAL_SEEDS } from '@elara/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import type { Node, NodeConfig, Session } from '../src/index.ts';
import { reachesAt, rebind } from './nat-rebinding.ts';
import { contents } from './session-views.ts';
import { fulfilled, simNodes, type SimNodes } from './sim-nodes.ts';
import { TURN_PASSWORD, TURN_USER, simTurnRelay, type SimTurnRelay } from './sim-turn-relay.ts';

let sim: SimNodes;
let relay: SimTurnRelay | undefined;
afterEach(async () => {
  await relay?.close();
  relay = undefined;
  await sim.close();
});

function config(heartbeatUs: number, latencyUs: number): NodeConfig {
  return {
    heartbeatIntervalUs: heartbeatUs,
    peerTimeoutUs: 20 * heartbeatUs,
    limits: { initiator: { retryIntervalUs: 5 * latencyUs, maxAttempts: 10 } },
  };
}

// A round trip as long as a heartbeat interval or longer: every answer to a challenge arrives
// after the next heartbeat, so a challenge must stay answerable until it expires.
const LONG_TRIPS: readonly (readonly [number, number])[] = [
  [500_000, 300_000],
  [1_000_000, 600_000],
];

describe('path validation on a round trip longer than a heartbeat', () => {
  describe.each(LONG_TRIPS)('heartbeat %i µs, one-way latency %i µs', (heartbeatUs, latencyUs) => {
    it.each(STATISTICAL_SEEDS)(
      'a NAT rebinding is followed (jittered link, seed %i)',
      async (seed) => {
        sim = simNodes(seed, {
          latencyUs,
          jitter: { distribution: 'uniform', maxUs: latencyUs / 5 },
        });
        const fast = config(heartbeatUs, latencyUs);
        const bob = await sim.add(fast);
        const alice = await sim.add(fast);
        const room = await bob.createSession();
        const joined = fulfilled(await sim.settle(alice.joinSession(room.invite())));
        await sim.world.scheduler.advanceBy(5_000_000);
        const nat = rebind(sim, bob, alice);
        const followed = (): boolean => reachesAt(joined, bob, nat.localAddress);
        await sim.world.scheduler.runUntil(followed, 20_000_000);
        expect(followed()).toBe(true);
        joined.text('general').send('from alice after the rebinding');
        await sim.world.scheduler.advanceBy(10 * heartbeatUs);
        expect(contents(room)).toEqual(['from alice after the rebinding']);
      },
    );

    it.each(STATISTICAL_SEEDS)(
      'a relayed channel goes direct once the direct path heals (seed %i)',
      async (seed) => {
        // No jitter: both sides' probes then cross on the wire, the case that replaced the
        // outstanding challenge with each counter-challenge.
        sim = simNodes(seed, { latencyUs });
        relay = simTurnRelay(sim.net);
        const server = `${relay.address.address}:${relay.address.port}`;
        const fast = {
          ...config(heartbeatUs, latencyUs),
          peerTimeoutUs: 8 * heartbeatUs,
          limits: { initiator: { retryIntervalUs: 8 * latencyUs, maxAttempts: 10 } },
        };
        const bob = await sim.add(fast);
        const alice = await sim.add({
          ...fast,
          turnServers: [{ server, username: TURN_USER, password: TURN_PASSWORD }],
          directProbeIntervalUs: 2 * heartbeatUs,
          directProbeCeilingUs: 8 * heartbeatUs,
        });
        await sim.world.scheduler.runUntil(() => alice.relayedAddress !== undefined, 10_000_000);
        const room = await bob.createSession();
        const joined = fulfilled(await sim.settle(alice.joinSession(room.invite())));
        const pathOf = (s: Session, n: Node) => s.participants.get(n.nodeId)?.path;
        sim.net.partition([alice.localAddress], [bob.localAddress]);
        await sim.world.scheduler.runUntil(
          () => pathOf(joined, bob)?.kind === 'relayed',
          60 * heartbeatUs,
        );
        expect(pathOf(joined, bob)?.kind).toBe('relayed');
        sim.net.heal();
        const direct = (): boolean =>
          pathOf(joined, bob)?.kind === 'direct' && pathOf(room, alice)?.kind === 'direct';
        await sim.world.scheduler.runUntil(direct, 30_000_000);
        expect(direct()).toBe(true);
      },
    );
  });
});
