import { describe, expect, it } from 'vitest';
import {
  LinkModel,
  Prng,
  skewedClock,
  stationaryLoss,
  VirtualScheduler,
  type LinkConfig,
} from '../../src/sim/index.ts';

const SEEDS = Array.from({ length: 10 }, (_, i) => 1000 + i);
const N = 100_000;
const SPACING_US = 1_000;

function run(config: LinkConfig, seed: number) {
  const link = new LinkModel(config, new Prng(seed));
  const arrivals: number[] = [];
  let delaySum = 0;
  let delivered = 0;
  for (let i = 0; i < N; i++) {
    const sent = i * SPACING_US;
    const a = link.transmit(sent, 100);
    arrivals.push(a[0] ?? Number.NaN);
    for (const t of a) {
      delaySum += t - sent;
      delivered++;
    }
  }
  return { link, arrivals, meanDelay: delaySum / delivered };
}

describe('LinkModel statistics over 10⁵ datagrams on 10 seeds', () => {
  it('random loss: |p̂ − p| ≤ 4·√(p(1−p)/n)', () => {
    for (const p of [0.01, 0.1, 0.3]) {
      for (const seed of SEEDS) {
        const { link } = run({ latencyUs: 10_000, loss: { model: 'random', p } }, seed);
        const pHat = link.stats.lost / N;
        expect(Math.abs(pHat - p)).toBeLessThanOrEqual(4 * Math.sqrt((p * (1 - p)) / N));
      }
    }
  });

  it('Gilbert-Elliott loss: within 15 % of the stationary rate', () => {
    const loss = {
      model: 'gilbert-elliott',
      pGoodToBad: 0.05,
      pBadToGood: 0.3,
      lossGood: 0,
      lossBad: 0.5,
    } as const;
    const expected = stationaryLoss(loss);
    expect(expected).toBeCloseTo((0.05 / 0.35) * 0.5, 12);
    for (const seed of SEEDS) {
      const { link } = run({ latencyUs: 10_000, loss }, seed);
      expect(Math.abs(link.stats.lost / N - expected) / expected).toBeLessThanOrEqual(0.15);
    }
  });

  it('Gilbert-Elliott losses come in bursts (mean burst ≈ 1/pBadToGood in the bad state)', () => {
    const loss = {
      model: 'gilbert-elliott',
      pGoodToBad: 0.01,
      pBadToGood: 0.2,
      lossGood: 0,
      lossBad: 1,
    } as const;
    const { arrivals } = run({ latencyUs: 1, loss }, 5);
    let bursts = 0;
    let lostCount = 0;
    for (let i = 0; i < arrivals.length; i++) {
      if (Number.isNaN(arrivals[i])) {
        lostCount++;
        if (i === 0 || !Number.isNaN(arrivals[i - 1])) bursts++;
      }
    }
    expect(lostCount / bursts).toBeGreaterThan(4);
    expect(lostCount / bursts).toBeLessThan(6);
  });

  it('mean delay within 2 % of latency + mean exponential jitter', () => {
    for (const seed of SEEDS) {
      const config: LinkConfig = {
        latencyUs: 40_000,
        jitter: { distribution: 'exponential', meanUs: 20_000 },
      };
      const { meanDelay } = run(config, seed);
      expect(Math.abs(meanDelay - 60_000) / 60_000).toBeLessThanOrEqual(0.02);
    }
  });

  it('reordering: a held-back packet is overtaken by its successor with probability p(1−p)', () => {
    const p = 0.05;
    const q = p * (1 - p);
    for (const seed of SEEDS) {
      const { arrivals } = run({ latencyUs: 5_000, reorder: { p, delayUs: 3 * SPACING_US } }, seed);
      let inversions = 0;
      for (let i = 0; i + 1 < arrivals.length; i++)
        if ((arrivals[i] as number) > (arrivals[i + 1] as number)) inversions++;
      const qHat = inversions / (N - 1);
      // Adjacent pairs are weakly dependent; 5σ of the binomial estimate leaves room for that.
      expect(Math.abs(qHat - q)).toBeLessThanOrEqual(5 * Math.sqrt((q * (1 - q)) / N));
    }
  });

  it('duplication: p̂ within 4σ', () => {
    const p = 0.02;
    for (const seed of SEEDS) {
      const { link } = run({ latencyUs: 1_000, duplicate: p }, seed);
      expect(Math.abs(link.stats.duplicated / N - p)).toBeLessThanOrEqual(
        4 * Math.sqrt((p * (1 - p)) / N),
      );
    }
  });

  it('bandwidth cap: packets queue behind each other and the queue tail-drops', () => {
    // 1 Mbit/s, 1250-byte packets take 10 ms each; send 100 at once with room for 10 in the queue.
    const link = new LinkModel(
      { latencyUs: 0, bandwidthBps: 1e6, queueBytes: 12_500 },
      new Prng(1),
    );
    const out = Array.from({ length: 100 }, () => link.transmit(0, 1250));
    const delivered = out.filter((a) => a.length > 0).map((a) => a[0] as number);
    expect(delivered).toEqual(Array.from({ length: 10 }, (_, i) => (i + 1) * 10_000));
    expect(link.stats.queueDropped).toBe(90);
    expect(link.transmit(100_000, 1250)).toEqual([110_000]);
  });
});

describe('skewedClock', () => {
  it('applies an offset and a rate error to true time', () => {
    const s = new VirtualScheduler();
    const c = skewedClock(s, { offsetUs: 2_000_000, skewPpm: 200 });
    expect(c.now()).toBe(2_000_000);
    s.advanceBySync(10_000_000);
    expect(c.now()).toBe(2_000_000 + 10_000_000 + 2_000);
  });
});
