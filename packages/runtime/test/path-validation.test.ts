import { type Endpoint, endpointEquals } from '@elara/core';
import { STATISTICAL_SEEDS } from '@elara/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import type { Node, NodeConfig } from '../src/index.ts';
import { deliver, natMapping, reachesAt, rebind } from './nat-rebinding.ts';
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

const advance = (us: number): Promise<void> => sim.world.scheduler.advanceBy(us);
const HEARTBEAT_US = 500_000;
const fast: NodeConfig = {
  heartbeatIntervalUs: HEARTBEAT_US,
  peerTimeoutUs: 2_000_000,
  limits: { initiator: { retryIntervalUs: 300_000, maxAttempts: 10 } },
};

function withTurn(r: SimTurnRelay): NodeConfig {
  const server = `${r.address.address}:${r.address.port}`;
  return { ...fast, turnServers: [{ server, username: TURN_USER, password: TURN_PASSWORD }] };
}

/** Calls `copy` for every datagram `node` sends to `to` (it is still sent). */
function tap(node: Node, to: () => Endpoint, copy: (bytes: Uint8Array) => void): void {
  const send = node.transport.send.bind(node.transport);
  node.transport.send = (bytes: Uint8Array, dest: Endpoint) => {
    if (endpointEquals(dest, to())) copy(bytes);
    return send(bytes, dest);
  };
}

async function pair(seed: number): Promise<{
  bob: Node;
  alice: Node;
  room: ReturnType<Node['createSession']> extends Promise<infer S> ? S : never;
}> {
  sim = simNodes(seed, { latencyUs: 10_000 });
  const bob = await sim.add(fast);
  const alice = await sim.add(fast);
  const room = await bob.createSession();
  return { bob, alice, room };
}

describe('path validation', () => {
  it('copies of a peer’s frames raced from a victim’s address move nothing and are barely answered', async () => {
    const { bob, alice, room } = await pair(70);
    const joined = fulfilled(await sim.settle(alice.joinSession(room.invite())));
    await advance(2_000_000);
    const victim = sim.net.bind();
    sim.transports.push(victim);
    let victimBytes = 0;
    let victimIn = 0;
    victim.onDatagram((d) => {
      victimIn++;
      victimBytes += d.data.length;
    });
    let injectedBytes = 0;
    tap(
      bob,
      () => alice.localAddress,
      (bytes) => {
        injectedBytes += bytes.length;
        deliver(sim, alice, bytes, victim.localAddress);
      },
    );
    const start = sim.world.scheduler.now();
    for (let i = 0; i < 50; i++) {
      joined.text('general').send(`alice ${i}`);
      await advance(100_000);
    }
    const elapsed = sim.world.scheduler.now() - start;
    expect(contents(room).length).toBe(50);
    expect(joined.participants.get(bob.nodeId)?.path?.remote).toEqual(bob.localAddress);
    // Challenges only: at most one per heartbeat interval, within 3x what came from there.
    expect(victimIn).toBeLessThanOrEqual(Math.ceil(elapsed / HEARTBEAT_US) + 1);
    expect(victimBytes).toBeLessThanOrEqual(3 * injectedBytes);
  });

  it('an idle session reflects no heartbeat per injected copy', async () => {
    const { bob, alice, room } = await pair(71);
    fulfilled(await sim.settle(alice.joinSession(room.invite())));
    await advance(2_000_000);
    const victims = [sim.net.bind(), sim.net.bind()];
    let reflected = 0;
    for (const v of victims) {
      sim.transports.push(v);
      v.onDatagram(() => reflected++);
    }
    let injected = 0;
    tap(
      bob,
      () => alice.localAddress,
      (bytes) => {
        const v = victims[injected++ % 2] as (typeof victims)[number];
        deliver(sim, alice, bytes, v.localAddress);
      },
    );
    await advance(10_000_000);
    expect(injected).toBeGreaterThan(20);
    // Each victim: at most one challenge per heartbeat interval, never one per copy.
    expect(reflected).toBeLessThanOrEqual(2 * (10_000_000 / HEARTBEAT_US + 1));
    expect(reflected).toBeLessThan(injected);
    expect(room.participants.get(alice.nodeId)?.connected).toBe(true);
  });

  it('a genuine NAT rebinding (the old address dead) is followed within a few heartbeats', async () => {
    const { bob, alice, room } = await pair(72);
    const joined = fulfilled(await sim.settle(alice.joinSession(room.invite())));
    await advance(2_000_000);
    // Bob's NAT gives him a new mapping: his frames to Alice leave from `nat`, what reaches
    // `nat` comes to him, and his old address is unreachable.
    const nat = rebind(sim, bob, alice);
    const rebound = sim.world.scheduler.now();
    await sim.world.scheduler.runUntil(() => reachesAt(joined, bob, nat.localAddress), 10_000_000);
    const took = sim.world.scheduler.now() - rebound;
    expect(took).toBeLessThanOrEqual(3 * HEARTBEAT_US);
    joined.text('general').send('after the rebinding');
    await advance(500_000);
    expect(contents(room)).toEqual(['after the rebinding']);
  });

  it('a raced copy of a relayed frame from the peer’s own address does not move onto a dead direct path', async () => {
    sim = simNodes(64, { latencyUs: 10_000 });
    relay = simTurnRelay(sim.net);
    const bob = await sim.add(fast);
    const alice = await sim.add({ ...withTurn(relay), directProbeIntervalUs: 1_000_000 });
    await sim.world.scheduler.runUntil(() => alice.relayedAddress !== undefined, 10_000_000);
    sim.net.partition([alice.localAddress], [bob.localAddress]);
    const room = await bob.createSession();
    const joined = fulfilled(await sim.settle(alice.joinSession(room.invite())));
    expect(joined.participants.get(bob.nodeId)?.path?.kind).toBe('relayed');
    let injected = 0;
    tap(
      bob,
      () => alice.relayedAddress as Endpoint,
      (bytes) => {
        // TURN channel data (0x40..0x4f) or a Send indication carry Bob's sealed frame: the
        // sniffer races a copy with Bob's own address as its source.
        if (bytes[1] === 0x80) return;
        injected++;
        deliver(sim, alice, bytes, bob.localAddress);
      },
    );
    const sent: string[] = [];
    let direct = 0;
    for (let i = 0; i < 200; i++) {
      if (joined.participants.get(bob.nodeId)?.path?.kind === 'direct') direct++;
      if (i % 5 === 0) {
        joined.text('general').send(`a${i}`);
        sent.push(`a${i}`);
      }
      await advance(100_000);
    }
    expect(injected).toBeGreaterThan(0);
    expect(direct).toBe(0);
    expect(contents(room)).toEqual(sent);
  });

  describe.each([0.5, 0.8])(
    'an on-path racer copies a fraction %f of Bob’s frames from a victim’s address during a real rebinding',
    (fraction) => {
      it.each(STATISTICAL_SEEDS)('the rebinding is still followed (seed %i)', async (seed) => {
        const { bob, alice, room } = await pair(seed);
        const joined = fulfilled(await sim.settle(alice.joinSession(room.invite())));
        await advance(2_000_000);
        const nat = natMapping(sim, bob);
        const victim = sim.net.bind();
        sim.transports.push(victim);
        let k = 0;
        const send = bob.transport.send.bind(bob.transport);
        bob.transport.send = (bytes: Uint8Array, to: Endpoint) => {
          if (!endpointEquals(to, alice.localAddress)) return send(bytes, to);
          // The racer's copy arrives first, from the victim's address.
          k++;
          if (Math.floor(k * fraction) !== Math.floor((k - 1) * fraction)) {
            deliver(sim, alice, bytes, victim.localAddress);
          }
          return nat.send(bytes, to);
        };
        sim.net.partition([alice.localAddress], [bob.localAddress]);
        const followed = (): boolean => reachesAt(joined, bob, nat.localAddress);
        await sim.world.scheduler.runUntil(followed, 10_000_000);
        expect(followed()).toBe(true);
        joined.text('general').send('after the rebinding');
        await advance(2_000_000);
        expect(contents(room)).toEqual(['after the rebinding']);
      });
    },
  );
});
