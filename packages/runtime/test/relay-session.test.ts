import { afterEach, describe, expect, it } from 'vitest';
import type { Node, NodeConfig } from '../src/index.ts';
import { contents } from './session-views.ts';
import { fulfilled, simNodes, type SimNodes } from './sim-nodes.ts';
import { TURN_PASSWORD, TURN_USER, simTurnRelay, type SimTurnRelay } from './sim-turn-relay.ts';

let sim: SimNodes;
let relay: SimTurnRelay;
afterEach(async () => {
  await sim.close();
  await relay.close();
});

const advance = (us: number): Promise<void> => sim.world.scheduler.advanceBy(us);

const fast: NodeConfig = {
  heartbeatIntervalUs: 500_000,
  peerTimeoutUs: 2_000_000,
  limits: { initiator: { retryIntervalUs: 300_000, maxAttempts: 10 } },
};

function withTurn(): NodeConfig {
  const server = `${relay.address.address}:${relay.address.port}`;
  return { ...fast, turnServers: [{ server, username: TURN_USER, password: TURN_PASSWORD }] };
}

async function until(node: Node, what: () => boolean): Promise<void> {
  await sim.world.scheduler.runUntil(what, 10_000_000);
  expect(what(), `waiting on ${node.nodeId}`).toBe(true);
}

describe('relayed paths (TURN on a simulated network)', () => {
  it('two members whose direct path is blocked join and talk through the relay', async () => {
    sim = simNodes(61, { latencyUs: 10_000 });
    relay = simTurnRelay(sim.net);
    const bob = await sim.add(fast);
    const alice = await sim.add(withTurn());
    await until(alice, () => alice.relayedAddress !== undefined);
    expect(alice.relayedAddress).toEqual(relay.relayedAddressOf(alice.localAddress));
    // Nothing crosses between them directly; both reach the relay.
    sim.net.partition([alice.localAddress], [bob.localAddress]);
    const room = await bob.createSession();
    const joined = fulfilled(await sim.settle(alice.joinSession(room.invite())));
    expect(joined.participants.get(bob.nodeId)?.path).toEqual({
      kind: 'relayed',
      remote: bob.localAddress,
    });
    // Bob reaches Alice at her relayed address, from his own socket.
    expect(room.participants.get(alice.nodeId)?.path).toEqual({
      kind: 'direct',
      remote: alice.relayedAddress,
    });
    room.text('general').send('through the relay?');
    joined.text('general').send('yes, through the relay');
    await advance(1_000_000);
    expect(contents(room)).toEqual(contents(joined));
    expect(contents(room).length).toBe(2);
    expect(relay.relayed.count).toBeGreaterThan(10);
    // The path stays up: heartbeats and clock samples keep flowing through the relay.
    await advance(5_000_000);
    expect(joined.participants.get(bob.nodeId)?.connected).toBe(true);
    expect(room.participants.get(alice.nodeId)?.connected).toBe(true);
    expect(sim.net.stats.partitioned).toBeGreaterThan(0);
  });

  it('in a group, only the blocked pair goes through the relay; the others stay direct', async () => {
    sim = simNodes(62, { latencyUs: 10_000 });
    relay = simTurnRelay(sim.net);
    const founder = await sim.add(fast);
    const carol = await sim.add(fast);
    const alice = await sim.add(withTurn());
    await until(alice, () => alice.relayedAddress !== undefined);
    sim.net.partition([alice.localAddress], [founder.localAddress]);
    const room = await founder.createSession();
    const c = fulfilled(await sim.settle(carol.joinSession(room.invite())));
    const a = fulfilled(await sim.settle(alice.joinSession(room.invite())));
    await advance(3_000_000);
    expect(a.participants.get(founder.nodeId)?.path?.kind).toBe('relayed');
    expect(a.participants.get(carol.nodeId)?.path).toEqual({
      kind: 'direct',
      remote: carol.localAddress,
    });
    expect(c.participants.get(alice.nodeId)?.path).toEqual({
      kind: 'direct',
      remote: alice.localAddress,
    });
    for (const s of [room, c, a])
      s.text('general').send(`from ${s === room ? 'founder' : s === c ? 'carol' : 'alice'}`);
    await advance(1_000_000);
    for (const s of [room, c, a]) expect(contents(s)).toEqual(contents(room));
    expect(contents(room).length).toBe(3);
  });
});
