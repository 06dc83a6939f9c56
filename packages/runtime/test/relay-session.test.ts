import { type Endpoint, endpointEquals } from '@elara/core';
import { afterEach, describe, expect, it } from 'vitest';
import type { Node, NodeConfig, Session } from '../src/index.ts';
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

  it('a relayed channel goes back to the direct path once it works again, nothing lost or doubled', async () => {
    sim = simNodes(63, { latencyUs: 10_000 });
    relay = simTurnRelay(sim.net);
    const bob = await sim.add(fast);
    const alice = await sim.add({
      ...withTurn(),
      directProbeIntervalUs: 1_000_000,
      directProbeCeilingUs: 4_000_000,
    });
    await until(alice, () => alice.relayedAddress !== undefined);
    const room = await bob.createSession();
    const joined = fulfilled(await sim.settle(alice.joinSession(room.invite())));
    const pathOf = (s: Session, n: Node) => s.participants.get(n.nodeId)?.path;
    expect(pathOf(joined, bob)).toEqual({ kind: 'direct', remote: bob.localAddress });
    const sent: string[] = [];
    const say = (round: number): void => {
      for (const [s, who] of [
        [room, 'bob'],
        [joined, 'alice'],
      ] as const) {
        s.text('general').send(`${who} ${round}`);
        sent.push(`${who} ${round}`);
      }
    };
    say(1);
    await advance(1_000_000);
    // The direct path fails: the channel goes silent, Alice dials again and reaches Bob only
    // through the relay.
    sim.net.partition([alice.localAddress], [bob.localAddress]);
    say(2);
    await until(alice, () => pathOf(joined, bob)?.kind === 'relayed');
    expect(pathOf(joined, bob)?.remote).toEqual(bob.localAddress);
    expect(pathOf(room, alice)?.remote).toEqual(alice.relayedAddress);
    say(3);
    await advance(3_000_000);
    expect(pathOf(joined, bob)?.kind).toBe('relayed');
    // The direct path works again: probed, validated, and used.
    sim.net.heal();
    say(4);
    await until(alice, () => pathOf(joined, bob)?.kind === 'direct');
    expect(pathOf(joined, bob)).toEqual({ kind: 'direct', remote: bob.localAddress });
    await advance(500_000);
    expect(pathOf(room, alice)).toEqual({ kind: 'direct', remote: alice.localAddress });
    say(5);
    await advance(2_000_000);
    // Nothing crosses the relay any more.
    const relayedBefore = relay.relayed.count;
    await advance(3_000_000);
    expect(relay.relayed.count).toBe(relayedBefore);
    // Every message on both sides, once each, in one order.
    expect(contents(room)).toEqual(contents(joined));
    expect([...contents(room)].sort()).toEqual([...sent].sort());
    expect(joined.participants.get(bob.nodeId)?.connected).toBe(true);
    expect(room.participants.get(alice.nodeId)?.connected).toBe(true);
  });

  it('frames from a third address do not move a relayed path, even genuine ones', async () => {
    sim = simNodes(64, { latencyUs: 10_000 });
    relay = simTurnRelay(sim.net);
    const bob = await sim.add(fast);
    const alice = await sim.add({ ...withTurn(), directProbeIntervalUs: 500_000 });
    await until(alice, () => alice.relayedAddress !== undefined);
    sim.net.partition([alice.localAddress], [bob.localAddress]);
    const room = await bob.createSession();
    const joined = fulfilled(await sim.settle(alice.joinSession(room.invite())));
    const relayedPath = { kind: 'relayed', remote: bob.localAddress };
    expect(joined.participants.get(bob.nodeId)?.path).toEqual(relayedPath);
    // Mallory, on a third address that reaches Alice, takes every sealed frame Bob sends her
    // (through the relay, the only way) and delivers it to Alice's socket instead: genuine and
    // fresh, on the direct socket, while Alice's probes wait for an answer. With each, a copy
    // with a flipped bit and junk.
    const mallory = sim.net.bind();
    sim.transports.push(mallory);
    const send = bob.transport.send.bind(bob.transport);
    let taken = 0;
    bob.transport.send = (bytes: Uint8Array, to: Endpoint) => {
      if (!endpointEquals(to, alice.relayedAddress as Endpoint) || bytes[1] === 0x80) {
        return send(bytes, to);
      }
      taken++;
      mallory.send(bytes, alice.localAddress);
      const flipped = bytes.slice();
      flipped[flipped.length - 1] = (flipped.at(-1) as number) ^ 1;
      mallory.send(flipped, alice.localAddress);
      mallory.send(Uint8Array.of(0xe1, 0, 1, 2), alice.localAddress);
      return 'sent';
    };
    const relayedBefore = relay.relayed.count;
    const before = { ...alice.counters().rejected };
    // Long enough for many probes (they go nowhere) and their windows.
    await advance(10_000_000);
    expect(taken).toBeGreaterThan(50);
    // Alice opened Bob's frames (the channel is his), but her path did not move: her frames
    // still go through the relay to Bob's own address.
    expect(joined.participants.get(bob.nodeId)?.path).toEqual(relayedPath);
    expect(joined.participants.get(bob.nodeId)?.connected).toBe(true);
    expect(relay.relayed.count).toBeGreaterThan(relayedBefore + 50);
    const rejected = alice.counters().rejected;
    const more = (name: string): number => (rejected[name] ?? 0) - (before[name] ?? 0);
    // The flipped copies: refused as replays of the frame Mallory forwarded just before.
    expect(more('DuplicateFrameError')).toBe(taken);
    expect(more('UnknownDatagram')).toBe(taken);
    joined.text('general').send('still relayed');
    await advance(1_000_000);
    expect(contents(room)).toEqual(['still relayed']);
  });
});
