import { describe, expect, it } from 'vitest';
import { nodeId } from '@elara/core';
import { LinkModel, type LinkConfig } from '@elara/core/sim';
import { STATISTICAL_SEEDS, simWorld } from '@elara/testkit';
import {
  NETWORK_MODEL_DEFAULTS,
  NetworkModel,
  PacketVerdict,
  type PeerStats,
} from '../src/index.ts';

/**
 * The network model on traces of core's link model, compared with the same statistics computed
 * from the trace's ground truth (true send times, true arrival times, which packets the link
 * dropped) over the estimator's own window. The model only sees what a receiver sees: 12-bit
 * sequence numbers (so they wrap within the trace), the sender's timestamps on the sender's
 * skewed clock and arrival times on the receiver's.
 */

const PEER = nodeId(7n);
const WINDOW = 1024;
const SEQ_BITS = 12;
const INTERVAL_US = 20_000;

interface Phase {
  readonly link: LinkConfig;
  readonly packets: number;
}

interface Trace {
  readonly net: NetworkModel;
  /** True send time of packet i. */
  readonly sent: Float64Array;
  /** 1 if the link dropped packet i (every copy). */
  readonly dropped: Uint8Array;
  /** First arrivals, in arrival order: packet index and true arrival time. */
  readonly order: number[];
  readonly arrivedAt: number[];
}

/** Runs `phases` back to back, calling `check` every `every` packets sent. */
function runTrace(
  seed: number,
  phases: readonly Phase[],
  every: number,
  check: (trace: Trace, sentSoFar: number) => void,
): Trace {
  const world = simWorld(seed);
  const sched = world.scheduler;
  const senderClock = world.clock({ offsetUs: 3_141_592, skewPpm: 85 });
  const receiverClock = world.clock({ offsetUs: -2_718_281, skewPpm: -60 });
  const total = phases.reduce((n, p) => n + p.packets, 0);
  const link = new LinkModel(phases[0]!.link, world.rng.fork('link'));
  const net = new NetworkModel({ windowPackets: WINDOW, sequenceBits: SEQ_BITS, maxDropout: 1000 });
  const trace: Trace = {
    net,
    sent: new Float64Array(total),
    dropped: new Uint8Array(total),
    order: [],
    arrivedAt: [],
  };
  const stamp = new Float64Array(total);
  const seen = new Uint8Array(total);
  const start = sched.now();
  let i = 0;
  for (const phase of phases) {
    const first = i;
    for (let k = 0; k < phase.packets; k++, i++) {
      const index = i;
      sched.at(start + index * INTERVAL_US, () => {
        if (index === first) link.reconfigure(phase.link);
        trace.sent[index] = sched.now();
        stamp[index] = senderClock.now();
        const arrivals = link.transmit(sched.now(), 200);
        if (arrivals.length === 0) trace.dropped[index] = 1;
        for (const a of arrivals) {
          sched.at(a, () => {
            const verdict = net.onPacket(
              PEER,
              index % 2 ** SEQ_BITS,
              stamp[index]!,
              receiverClock.now(),
            );
            expect(verdict).toBe(seen[index] ? PacketVerdict.Duplicate : PacketVerdict.Accepted);
            if (!seen[index]) {
              seen[index] = 1;
              trace.order.push(index);
              trace.arrivedAt.push(sched.now());
            }
          });
        }
      });
    }
  }
  for (let sentSoFar = every; sentSoFar <= total; sentSoFar += every) {
    sched.advanceBySync(start + sentSoFar * INTERVAL_US - sched.now() - 1);
    check(trace, sentSoFar);
  }
  return trace;
}

/** Ground truth over the estimator's windows. */
function truth(trace: Trace, s: PeerStats) {
  const { order, arrivedAt, sent, dropped } = trace;
  // The extended numbering is offset from the packet index by a constant; find it.
  const maxIndex = order.reduce((m, x) => Math.max(m, x), -1);
  const offset = s.highestSeq - maxIndex;
  let lost = 0;
  const first = s.lossWindowFirst - offset;
  const last = s.lossWindowLast - offset;
  for (let k = first; k <= last; k++) lost += dropped[k]!;
  const loss = last >= first ? lost / (last - first + 1) : 0;

  // Mean |D| with each |D| clamped, as the model's definition says (maxDelayVariationUs).
  let dSum = 0;
  const n = order.length;
  for (let k = n - s.jitterSamples; k < n; k++) {
    const a = order[k]!;
    const b = order[k - 1]!;
    const d = Math.abs(arrivedAt[k]! - arrivedAt[k - 1]! - (sent[a]! - sent[b]!));
    dSum += Math.min(d, NETWORK_MODEL_DEFAULTS.maxDelayVariationUs);
  }
  const jitter = s.jitterSamples > 0 ? dSum / s.jitterSamples : 0;

  // Displacements of the last WINDOW arrivals: the exact maximum, and the 99th percentile (the
  // smallest d with at most ⌊n / 100⌋ arrivals displaced further).
  let highest = -1;
  const from = n - Math.min(WINDOW, n);
  const displacements: number[] = [];
  for (let k = 0; k < n; k++) {
    const x = order[k]!;
    if (k >= from) displacements.push(highest > x ? highest - x : 0);
    highest = Math.max(highest, x);
  }
  displacements.sort((a, b) => b - a);
  const depth = displacements[0] ?? 0;
  const robustDepth = displacements[Math.floor(displacements.length * 0.01)] ?? 0;
  return { loss, jitter, depth, robustDepth, first, last };
}

function expectWithinBounds(trace: Trace, label: string) {
  const s = trace.net.stats(PEER)!;
  const t = truth(trace, s);
  expect(
    Math.abs(s.lossRate - t.loss),
    `${label}: loss ${s.lossRate} vs ${t.loss}`,
  ).toBeLessThanOrEqual(Math.max(0.1 * t.loss, 0.005));
  expect(
    Math.abs(s.jitterUs - t.jitter),
    `${label}: jitter ${s.jitterUs} vs ${t.jitter}`,
  ).toBeLessThanOrEqual(0.1 * t.jitter);
  expect(s.maxReorderDepth, `${label}: reorder depth (exact)`).toBe(t.depth);
  expect(s.reorderDepth, `${label}: reorder depth (99th percentile)`).toBe(t.robustDepth);
  return { s, t };
}

const SCENARIOS: Record<string, LinkConfig> = {
  'random loss, exponential jitter, reordering, duplicates': {
    latencyUs: 50_000,
    jitter: { distribution: 'exponential', meanUs: 30_000 },
    loss: { model: 'random', p: 0.03 },
    reorder: { p: 0.02, delayUs: 80_000 },
    duplicate: 0.01,
  },
  'bursty (Gilbert-Elliott) loss, uniform jitter': {
    latencyUs: 30_000,
    jitter: { distribution: 'uniform', maxUs: 40_000 },
    loss: {
      model: 'gilbert-elliott',
      pGoodToBad: 0.02,
      pBadToGood: 0.3,
      lossGood: 0.005,
      lossBad: 0.5,
    },
  },
  'heavy: 15 % loss, 100 ms jitter, deep reordering': {
    latencyUs: 80_000,
    jitter: { distribution: 'exponential', meanUs: 100_000 },
    loss: { model: 'random', p: 0.15 },
    reorder: { p: 0.05, delayUs: 150_000 },
  },
  'clean: 0.5 % loss, 2 ms jitter': {
    latencyUs: 10_000,
    jitter: { distribution: 'exponential', meanUs: 2_000 },
    loss: { model: 'random', p: 0.005 },
  },
};

describe('network model on link-model traces, against the truth over its own window (10 seeds)', () => {
  for (const [name, link] of Object.entries(SCENARIOS)) {
    it(name, () => {
      for (const seed of STATISTICAL_SEEDS) {
        runTrace(seed, [{ link, packets: 5_000 }], 250, (trace, sentSoFar) => {
          if (sentSoFar < 500) return;
          expectWithinBounds(trace, `seed ${seed} @${sentSoFar}`);
        });
      }
    });
  }

  it('random loss: the windowed estimate is within 4σ of the link loss rate (binomial over the window)', () => {
    const p = 0.03;
    for (const seed of STATISTICAL_SEEDS) {
      runTrace(
        seed,
        [{ link: { latencyUs: 20_000, loss: { model: 'random', p } }, packets: 6_000 }],
        1_000,
        (trace, n) => {
          if (n < 2_000) return;
          const s = trace.net.stats(PEER)!;
          const span = s.lossWindowLast - s.lossWindowFirst + 1;
          expect(span).toBe(WINDOW);
          expect(Math.abs(s.lossRate - p)).toBeLessThanOrEqual(4 * Math.sqrt((p * (1 - p)) / span));
        },
      );
    }
  });

  it('recovers: 2000 packets after the link improves, the estimates meet the same bounds on the new conditions', () => {
    const bad = SCENARIOS['heavy: 15 % loss, 100 ms jitter, deep reordering']!;
    const good = SCENARIOS['clean: 0.5 % loss, 2 ms jitter']!;
    for (const seed of STATISTICAL_SEEDS) {
      let atSwitch: PeerStats | undefined;
      const trace = runTrace(
        seed,
        [
          { link: bad, packets: 3_000 },
          { link: good, packets: 2_000 },
        ],
        1_000,
        (tr, n) => {
          if (n === 3_000) atSwitch = tr.net.stats(PEER);
        },
      );
      const { s, t } = expectWithinBounds(trace, `seed ${seed} after recovery`);
      // Everything the windows hold comes from the good phase: the bad one is forgotten.
      expect(t.first).toBeGreaterThanOrEqual(3_000);
      const goodArrivals = trace.order.slice(trace.order.length - s.jitterSamples - 1);
      expect(Math.min(...goodArrivals)).toBeGreaterThanOrEqual(3_000);
      expect(s.jitterUs).toBeLessThan(0.1 * atSwitch!.jitterUs);
      expect(s.lossRate).toBeLessThan(0.2 * atSwitch!.lossRate);
      expect(s.maxReorderDepth).toBeLessThan(atSwitch!.maxReorderDepth);
    }
  });
});
