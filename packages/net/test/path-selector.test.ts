import { Prng, VirtualScheduler } from '@elara/core/sim';
import { describe, expect, it } from 'vitest';
import {
  Demultiplexer,
  InvalidDestinationError,
  PathSelector,
  SimNetwork,
  StunClient,
  type SelectedPath,
} from '../src/index.ts';

describe('PathSelector on SimNetwork', () => {
  it('falls back to the relay when the direct path breaks, and returns when it heals', async () => {
    const scheduler = new VirtualScheduler(1_800_000_000_000_000);
    const net = new SimNetwork({ scheduler, seed: 4, defaultLink: { latencyUs: 15_000 } });
    const alice = net.bind();
    const bob = net.bind();
    // Stand-ins for the relayed transports: another pair of sockets (the selector only needs a
    // Transport and the peer's address on it).
    const aliceRelayed = net.bind();
    const bobRelayed = net.bind();
    const stun = (t: typeof alice, seed: number): StunClient =>
      new StunClient({
        transport: t,
        demux: new Demultiplexer(t.datagrams$),
        scheduler,
        random: new Prng(seed),
        answerBindingRequests: true,
      });
    const aliceStun = stun(alice, 1);
    const bobStun = stun(bob, 2);
    const paths = new PathSelector({
      stun: aliceStun,
      peer: bob.localAddress,
      relayed: { transport: aliceRelayed, remote: bobRelayed.localAddress },
      checkIntervalUs: 2_000_000,
    });
    const seen: SelectedPath['kind'][] = [];
    paths.path$.subscribe((p) => seen.push(p.kind));
    await scheduler.advanceBy(1_000_000);
    expect(seen).toEqual(['relayed', 'direct']);
    expect(paths.path).toMatchObject({ kind: 'direct', rttUs: 30_000 });

    // Data follows the path: direct now.
    const bobGot: string[] = [];
    bob.datagrams$.subscribe((d) => {
      if (d.data[0] === 0x10) bobGot.push('direct');
    });
    bobRelayed.datagrams$.subscribe(() => bobGot.push('relayed'));
    paths.send(Uint8Array.of(0x10, 1));
    await scheduler.advanceBy(100_000);

    net.partition([alice.localAddress], [bob.localAddress]);
    await scheduler.advanceBy(5_000_000);
    expect(seen).toEqual(['relayed', 'direct', 'relayed']);
    paths.send(Uint8Array.of(0x10, 2));

    net.heal();
    await scheduler.advanceBy(5_000_000);
    expect(seen).toEqual(['relayed', 'direct', 'relayed', 'direct']);
    expect(bobGot).toEqual(['direct', 'relayed']);
    expect(paths.counters.switches).toBe(3);
    expect(paths.counters.checkFailures).toBeGreaterThanOrEqual(1);
    // The checks were answered by bob's client on his traffic socket.
    expect(bobStun.counters.requestsAnswered).toBeGreaterThanOrEqual(3);

    let completed = false;
    paths.path$.subscribe({ complete: () => (completed = true) });
    paths.close();
    paths.close();
    expect(completed).toBe(true);
    aliceStun.close();
    bobStun.close();
    await scheduler.advanceBy(1_000_000);
    expect(scheduler.pending).toBe(0);
  });

  it('without a relay, a broken direct path is none, and send() says so by name', async () => {
    const scheduler = new VirtualScheduler();
    const net = new SimNetwork({ scheduler, seed: 5 });
    const alice = net.bind();
    const silent = net.bind();
    const aliceStun = new StunClient({
      transport: alice,
      demux: new Demultiplexer(alice.datagrams$),
      scheduler,
      random: new Prng(1),
    });
    const paths = new PathSelector({ stun: aliceStun, peer: silent.localAddress });
    expect(paths.path.kind).toBe('none');
    await scheduler.advanceBy(3_000_000);
    expect(paths.path.kind).toBe('none');
    expect(() => paths.send(Uint8Array.of(1))).toThrow(InvalidDestinationError);
    paths.close();
    aliceStun.close();
  });

  it('stops checking once its STUN client is closed', async () => {
    const scheduler = new VirtualScheduler(1_800_000_000_000_000);
    const net = new SimNetwork({ scheduler, seed: 5, defaultLink: { latencyUs: 15_000 } });
    const alice = net.bind();
    const stun = new StunClient({
      transport: alice,
      demux: new Demultiplexer(alice.datagrams$),
      scheduler,
      random: new Prng(1),
    });
    const paths = new PathSelector({
      stun,
      peer: net.bind().localAddress,
      checkIntervalUs: 1_000_000,
    });
    stun.close();
    await scheduler.advanceBy(10_000_000);
    expect(paths.counters.checks).toBe(1);
    expect(scheduler.pending).toBe(0);
    paths.close();
  });
});
