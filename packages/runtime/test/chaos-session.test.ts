import type { LinkConfig } from '@elara/core/sim';
import { STATISTICAL_SEEDS } from '@elara/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import type { Node, NodeConfig, Session } from '../src/index.ts';
import { contents } from './session-views.ts';
import { fulfilled, simNodes, type SimNodes } from './sim-nodes.ts';

let sim: SimNodes;
afterEach(async () => {
  await sim.close();
});

const calm: LinkConfig = { latencyUs: 20_000 };
/**
 * The network, on every path both ways: 10 % random loss with Gilbert-Elliott bursts
 * (good → bad 0.05, bad → good 0.3, 50 % lost in bad: 15.7 % lost in all), 100 ms of
 * exponential jitter, reordering (5 % held back 150 ms more) and duplication (2 %).
 */
const chaos: LinkConfig = {
  latencyUs: 20_000,
  jitter: { distribution: 'exponential', meanUs: 100_000 },
  loss: {
    model: 'gilbert-elliott',
    pGoodToBad: 0.05,
    pBadToGood: 0.3,
    lossGood: 0.1,
    lossBad: 0.5,
  },
  reorder: { p: 0.05, delayUs: 150_000 },
  duplicate: 0.02,
};

const MEMBERS = 8;
const CHAOS_US = 120_000_000;
const QUIET_US = 10_000_000;
/** Time part 2's bound on the τs of every pair of honest members (p99, its README). */
const TAU_BOUND_US = 5_000;

const config: NodeConfig = {
  // A handshake of six datagrams through 16 % loss needs more than the default 5 attempts.
  limits: { initiator: { maxAttempts: 40 } },
  // A clock-sync slot every 200 ms per peer over an 8 s window: about as many samples per window
  // as time's default (100 ms over 4 s), for fewer datagrams.
  timeSync: { requestIntervalUs: 200_000, windowUs: 8_000_000 },
};

/** Repair overhead of all seeds: bytes of repair per byte of events, and per byte of text. */
const overhead: { perEventByte: number; perTextByte: number }[] = [];

describe('8 members through loss, bursts, jitter, reordering and duplication', () => {
  it.each(STATISTICAL_SEEDS)(
    'every message reaches every member in one order, τs within the bound, seed %i',
    async (seed) => {
      sim = simNodes(seed, calm);
      const rng = sim.world.rng.fork('chaos');
      const nodes: Node[] = [];
      for (let i = 0; i < MEMBERS; i++) {
        // Each member's own clock: up to ±100 ms off, up to ±100 ppm fast or slow.
        const clock = sim.world.clockFromStart({
          offsetUs: Math.round((rng.next() - 0.5) * 200_000),
          skewPpm: Math.round((rng.next() - 0.5) * 200),
        });
        nodes.push(await sim.add({ ...config, clock }));
      }
      const room = await (nodes[0] as Node).createSession();
      const sessions: Session[] = [room];
      for (const node of nodes.slice(1)) {
        sessions.push(fulfilled(await sim.settle(node.joinSession(room.invite()))));
      }
      for (const s of sessions) s.presence().join();
      await sim.world.scheduler.advanceBy(3_000_000);
      const before = nodes.map((n) => n.counters());
      sim.net.setDefaultLink(chaos);

      const sent: string[] = [];
      const spreads: number[] = [];
      const pairs: number[] = [];
      const end = sim.world.scheduler.now() + CHAOS_US;
      let nextSample = sim.world.scheduler.now();
      while (sim.world.scheduler.now() < end) {
        // One message every 2.5 s per member on average, at random moments, from a random member.
        await sim.world.scheduler.advanceBy(Math.round(-Math.log(1 - rng.next()) * 312_500));
        const who = Math.floor(rng.next() * MEMBERS);
        const text = `${who}:${sent.length}`;
        (sessions[who] as Session).text('general').send(text);
        sent.push(text);
        while (sim.world.scheduler.now() >= nextSample) {
          nextSample += 1_000_000;
          const taus = sessions.map((s) => s.time.now());
          for (let i = 0; i < MEMBERS; i++) {
            for (let j = i + 1; j < MEMBERS; j++) {
              pairs.push(Math.abs((taus[i] as number) - (taus[j] as number)));
            }
          }
          spreads.push(Math.max(...taus) - Math.min(...taus));
        }
      }
      sim.net.setDefaultLink(calm);
      await sim.world.scheduler.advanceBy(QUIET_US);

      // Every message, on every member, in one order.
      const reference = contents(room);
      expect([...reference].sort()).toEqual([...sent].sort());
      for (const s of sessions) expect(contents(s)).toEqual(reference);
      // No member dropped: all in the log, all connected, every pair on its own channel.
      for (const [i, s] of sessions.entries()) {
        expect(s.membership.members().length).toBe(MEMBERS);
        for (const n of nodes) expect(s.participants.get(n.nodeId)?.connected).toBe(true);
        expect((nodes[i] as Node).counters().peers).toBe(MEMBERS - 1);
      }
      // τs, read every second on every member: time part 2's bound holds for the p99 of every
      // pair's difference; the widest spread of the eight is reported beside it.
      pairs.sort((a, b) => a - b);
      const p99 = pairs[Math.floor(pairs.length * 0.99)] as number;
      expect(p99).toBeLessThanOrEqual(TAU_BOUND_US);
      const widest = Math.max(...spreads);

      const after = nodes.map((n) => n.counters());
      let repair = 0;
      let events = 0;
      for (const [i, c] of after.entries()) {
        const b = before[i] as (typeof before)[number];
        repair += c.repair.bytesOut - b.repair.bytesOut;
        events += c.eventBytesOut - b.eventBytesOut;
      }
      const textBytes = sent.reduce((a, t) => a + t.length, 0) * (MEMBERS - 1);
      const datagrams = after.reduce((a, c) => a + c.datagramsOut, 0);
      overhead.push({ perEventByte: repair / events, perTextByte: repair / textBytes });
      console.log(
        `seed ${seed}: ${sent.length} messages; τs pairs p99 ${(p99 / 1000).toFixed(2)} ms, ` +
          `widest spread ${(widest / 1000).toFixed(2)} ms; repair ${repair} B for ` +
          `${events} B of events (${(repair / events).toFixed(3)}) and ${textBytes} B of text ` +
          `delivered (${(repair / textBytes).toFixed(1)}); ${datagrams} datagrams sent`,
      );
    },
  );
});
