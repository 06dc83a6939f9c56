import { describe, expect, it } from 'vitest';
import { OutOfRangeError } from '../../src/index.ts';
import {
  LinkModel,
  meanJitter,
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

  it('Gilbert-Elliott losses come in bursts of mean 1/pBadToGood (4σ of the estimator, 10 seeds)', () => {
    const pBG = 0.2;
    const loss = {
      model: 'gilbert-elliott',
      pGoodToBad: 0.01,
      pBadToGood: pBG,
      lossGood: 0,
      lossBad: 1,
    } as const;
    for (const seed of SEEDS) {
      const { arrivals } = run({ latencyUs: 1, loss }, seed);
      let bursts = 0;
      let lostCount = 0;
      for (let i = 0; i < arrivals.length; i++) {
        if (Number.isNaN(arrivals[i])) {
          lostCount++;
          if (i === 0 || !Number.isNaN(arrivals[i - 1])) bursts++;
        }
      }
      // With lossBad = 1 and lossGood = 0 a burst is one stay in the bad state: geometric with
      // mean 1/p and variance (1 − p)/p². The mean of `bursts` such lengths has variance
      // (1 − p)/(p²·bursts); about 950 bursts per run give σ ≈ 0.145 around 5.
      const sigma = Math.sqrt((1 - pBG) / (pBG * pBG * bursts));
      expect(Math.abs(lostCount / bursts - 1 / pBG)).toBeLessThanOrEqual(4 * sigma);
    }
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
      // Inversion i needs packet i+1 not held, inversion i+1 needs it held: adjacent indicators
      // never both fire, so Cov = −q² and Var(Σ) = n·q(1−q) − 2n·q² = n·q(1−3q).
      expect(Math.abs(qHat - q)).toBeLessThanOrEqual(4 * Math.sqrt((q * (1 - 3 * q)) / (N - 1)));
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

/** Sample mean and (population-form) variance of the first-copy delays. */
function delayMoments(config: LinkConfig, seed: number) {
  const link = new LinkModel(config, new Prng(seed));
  let sum = 0;
  let sumSq = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < N; i++) {
    const d = (link.transmit(i * SPACING_US, 100)[0] as number) - i * SPACING_US;
    sum += d;
    sumSq += d * d;
    if (d < min) min = d;
    if (d > max) max = d;
  }
  const mean = sum / N;
  return { mean, variance: sumSq / N - mean * mean, min, max };
}

describe('LinkModel jitter distributions', () => {
  it('exponential jitter has variance mean² (4σ of the sample variance, 10 seeds)', () => {
    const m = 5_000;
    for (const seed of SEEDS) {
      const { mean, variance, min } = delayMoments(
        { latencyUs: 10_000, jitter: { distribution: 'exponential', meanUs: m } },
        seed,
      );
      expect(min).toBeGreaterThanOrEqual(10_000);
      // Var(s²) ≈ (μ₄ − σ⁴)/n; for an exponential μ₄ = 9m⁴ and σ⁴ = m⁴.
      expect(Math.abs(variance - m * m)).toBeLessThanOrEqual(4 * Math.sqrt((8 * m ** 4) / N));
      expect(Math.abs(mean - 10_000 - m)).toBeLessThanOrEqual((4 * m) / Math.sqrt(N));
    }
  });

  it('uniform jitter stays in [0, max] with mean max/2 and variance max²/12 (4σ, 10 seeds)', () => {
    const w = 8_000;
    for (const seed of SEEDS) {
      const { mean, variance, min, max } = delayMoments(
        { latencyUs: 2_000, jitter: { distribution: 'uniform', maxUs: w } },
        seed,
      );
      expect(min).toBeGreaterThanOrEqual(2_000);
      expect(max).toBeLessThanOrEqual(2_000 + w);
      expect(Math.abs(mean - 2_000 - w / 2)).toBeLessThanOrEqual(4 * Math.sqrt((w * w) / 12 / N));
      // For U(0, w): μ₄ = w⁴/80 and σ⁴ = w⁴/144.
      expect(Math.abs(variance - (w * w) / 12)).toBeLessThanOrEqual(
        4 * Math.sqrt(((1 / 80 - 1 / 144) * w ** 4) / N),
      );
    }
  });

  it('duplicate copies draw their own jitter and never arrive before send time + latency', () => {
    const link = new LinkModel(
      {
        latencyUs: 3_000,
        jitter: { distribution: 'exponential', meanUs: 1_000 },
        duplicate: 0.5,
      },
      new Prng(9),
    );
    let pairs = 0;
    let differing = 0;
    let early = 0;
    for (let i = 0; i < 10_000; i++) {
      const sent = i * SPACING_US;
      const a = link.transmit(sent, 100);
      for (const t of a) if (t < sent + 3_000) early++;
      if (a.length === 2) {
        pairs++;
        if (a[0] !== a[1]) differing++;
      }
    }
    expect(early).toBe(0);
    expect(pairs).toBe(link.stats.duplicated);
    expect(pairs).toBeGreaterThan(4_000);
    expect(differing).toBe(pairs);
  });

  it('expectedLossRate and meanJitter follow the parameters', () => {
    expect(meanJitter({ distribution: 'none' })).toBe(0);
    expect(meanJitter({ distribution: 'exponential', meanUs: 700 })).toBe(700);
    expect(meanJitter({ distribution: 'uniform', maxUs: 700 })).toBe(350);
    const link = new LinkModel(
      {
        latencyUs: 1_000,
        jitter: { distribution: 'uniform', maxUs: 400 },
        reorder: { p: 0.1, delayUs: 1_000 },
        loss: { model: 'random', p: 0.25 },
      },
      new Prng(1),
    );
    expect(link.expectedLossRate()).toBe(0.25);
    expect(link.expectedMeanDelayUs()).toBe(1_000 + 200 + 100);
    expect(new LinkModel({ latencyUs: 0 }, new Prng(1)).expectedLossRate()).toBe(0);
    const ge = {
      model: 'gilbert-elliott',
      pGoodToBad: 0.1,
      pBadToGood: 0.3,
      lossGood: 0.02,
      lossBad: 0.6,
    } as const;
    expect(stationaryLoss(ge)).toBeCloseTo(0.25 * 0.6 + 0.75 * 0.02, 12);
    // A chain that never moves stays in its start state, good.
    expect(stationaryLoss({ ...ge, pGoodToBad: 0, pBadToGood: 0 })).toBe(0.02);
    const stuck = new LinkModel(
      { latencyUs: 0, loss: { ...ge, pGoodToBad: 0, pBadToGood: 0, lossGood: 0 } },
      new Prng(1),
    );
    for (let i = 0; i < 1_000; i++) stuck.transmit(i, 10);
    expect(stuck.stats.lost).toBe(0);
  });

  it('reconfigure changes later packets and keeps the queue', () => {
    const link = new LinkModel({ latencyUs: 1_000, bandwidthBps: 8e6 }, new Prng(2));
    // 1000 bytes at 8 Mbit/s take 1 ms on the wire.
    expect(link.transmit(0, 1_000)).toEqual([2_000]);
    link.reconfigure({ latencyUs: 5_000, bandwidthBps: 8e6 });
    expect(link.parameters.latencyUs).toBe(5_000);
    // Sent at 0 too, it queues behind the first packet (busy until 1 ms).
    expect(link.transmit(0, 1_000)).toEqual([7_000]);
    link.reconfigure({ latencyUs: 5_000, loss: { model: 'random', p: 1 } });
    expect(link.transmit(10_000, 100)).toEqual([]);
    expect(link.stats.lost).toBe(1);
    expect(() => link.reconfigure({ latencyUs: Number.NaN })).toThrow(OutOfRangeError);
    // A rejected configuration leaves the previous one in place.
    expect(link.parameters.loss).toEqual({ model: 'random', p: 1 });
  });

  it('an asymmetric path: each direction measured separately matches its own parameters', () => {
    const forward: LinkConfig = {
      latencyUs: 10_000,
      jitter: { distribution: 'exponential', meanUs: 2_000 },
      loss: { model: 'random', p: 0.01 },
    };
    const backward: LinkConfig = {
      latencyUs: 30_000,
      jitter: { distribution: 'uniform', maxUs: 8_000 },
      loss: { model: 'random', p: 0.1 },
    };
    for (const seed of SEEDS) {
      const rng = new Prng(seed);
      const ab = new LinkModel(forward, rng.fork('a→b'));
      const ba = new LinkModel(backward, rng.fork('b→a'));
      const sums = { ab: 0, ba: 0 };
      for (let i = 0; i < N; i++) {
        const sent = i * SPACING_US;
        // Interleaved, as a real exchange would be: each direction keeps its own state.
        for (const t of ab.transmit(sent, 100)) sums.ab += t - sent;
        for (const t of ba.transmit(sent + 500, 100)) sums.ba += t - sent - 500;
      }
      for (const [link, sum] of [
        [ab, sums.ab],
        [ba, sums.ba],
      ] as const) {
        const p = link.expectedLossRate();
        expect(Math.abs(link.stats.lost / N - p)).toBeLessThanOrEqual(
          4 * Math.sqrt((p * (1 - p)) / N),
        );
        const mean = link.expectedMeanDelayUs();
        expect(Math.abs(sum / link.stats.delivered - mean) / mean).toBeLessThanOrEqual(0.02);
      }
    }
  });
});

describe('LinkModel input checks', () => {
  const bad: [string, LinkConfig][] = [
    ['NaN latency', { latencyUs: Number.NaN }],
    ['negative latency', { latencyUs: -1 }],
    ['infinite latency', { latencyUs: Number.POSITIVE_INFINITY }],
    [
      'negative exponential mean',
      { latencyUs: 0, jitter: { distribution: 'exponential', meanUs: -5 } },
    ],
    ['NaN uniform max', { latencyUs: 0, jitter: { distribution: 'uniform', maxUs: Number.NaN } }],
    ['negative uniform max', { latencyUs: 0, jitter: { distribution: 'uniform', maxUs: -1 } }],
    ['loss p > 1', { latencyUs: 0, loss: { model: 'random', p: 1.5 } }],
    ['loss p NaN', { latencyUs: 0, loss: { model: 'random', p: Number.NaN } }],
    [
      'GE probability < 0',
      {
        latencyUs: 0,
        loss: {
          model: 'gilbert-elliott',
          pGoodToBad: -0.1,
          pBadToGood: 0.2,
          lossGood: 0,
          lossBad: 1,
        },
      },
    ],
    [
      'GE loss NaN',
      {
        latencyUs: 0,
        loss: {
          model: 'gilbert-elliott',
          pGoodToBad: 0.1,
          pBadToGood: 0.2,
          lossGood: 0,
          lossBad: Number.NaN,
        },
      },
    ],
    ['reorder p NaN', { latencyUs: 0, reorder: { p: Number.NaN, delayUs: 10 } }],
    ['reorder delay < 0', { latencyUs: 0, reorder: { p: 0.1, delayUs: -10 } }],
    ['duplicate > 1', { latencyUs: 0, duplicate: 2 }],
    ['bandwidth NaN', { latencyUs: 0, bandwidthBps: Number.NaN }],
    ['queue < 0', { latencyUs: 0, bandwidthBps: 1e6, queueBytes: -1 }],
  ];

  it.each(bad)('rejects %s in the constructor and in reconfigure', (_name, config) => {
    expect(() => new LinkModel(config, new Prng(1))).toThrow(OutOfRangeError);
    const link = new LinkModel({ latencyUs: 1 }, new Prng(1));
    expect(() => link.reconfigure(config)).toThrow(OutOfRangeError);
  });

  it('rejects NaN or negative sizes and non-finite send times without poisoning the queue', () => {
    const link = new LinkModel({ latencyUs: 0, bandwidthBps: 8e6 }, new Prng(1));
    for (const size of [Number.NaN, -1, Number.POSITIVE_INFINITY])
      expect(() => link.transmit(0, size)).toThrow(OutOfRangeError);
    for (const t of [Number.NaN, Number.POSITIVE_INFINITY])
      expect(() => link.transmit(t, 100)).toThrow(OutOfRangeError);
    expect(link.stats.sent).toBe(0);
    expect(link.transmit(0, 1_000)).toEqual([1_000]);
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

  it('counts skew from a reference time when given one', () => {
    const start = 1_800_000_000_000_000;
    const s = new VirtualScheduler(start);
    const c = skewedClock(s, { offsetUs: 1_000, skewPpm: 50, referenceUs: start });
    expect(c.now()).toBe(start + 1_000);
    s.advanceBySync(10_000_000);
    expect(c.now()).toBe(start + 10_000_000 + 1_000 + 500);
    // Without a reference, 50 ppm counted from true time 0 is 25 h off at this start.
    expect(skewedClock(s, { offsetUs: 0, skewPpm: 50 }).now() - s.now()).toBe(
      Math.floor(((start + 10_000_000) * 50) / 1e6),
    );
  });
});
