import { afterAll, describe, expect, it } from 'vitest';
import { STATISTICAL_SEEDS } from '@elara/testkit';
import { SyncFlag, SyncState } from '../src/index.ts';
import {
  quantile,
  runWorld,
  type Liar,
  type SimNode,
  type World,
  type WorldOptions,
} from './sync-world.ts';

/**
 * The issue's scenarios, each on the ten statistical seeds: eight nodes whose clocks start up to
 * ±2 s apart with skews up to ±200 ppm, paths of 20–200 ms one way, exponential jitter with a mean
 * drawn up to 100 ms per path (or 100 ms everywhere), 10 % loss each way, 10 exchanges per peer
 * per second. Every figure compares the nodes' true τs readings with each other, sampled every
 * 100 ms from 10 s to 60 s of virtual time (the disagreement is the p99 over all honest pairs
 * and instants), never an estimate with an estimate.
 */

const MINUTE = 60_000_000;
const BOUND_US = 5_000;

interface Row {
  readonly scenario: string;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}
const rows: Row[] = [];

function figures(world: World): { p50: number; p99: number; max: number } {
  const d = world.disagreement.slice().sort();
  return { p50: quantile(d, 0.5), p99: quantile(d, 0.99), max: d[d.length - 1] as number };
}

/** Runs a scenario on every seed; returns per-seed figures and records the worst of each. */
function scenario(name: string, options: Omit<WorldOptions, 'seed'>, check: (w: World) => void) {
  let p50 = 0;
  let p99 = 0;
  let max = 0;
  for (const seed of STATISTICAL_SEEDS) {
    const world = runWorld({ ...options, seed });
    const f = figures(world);
    p50 = Math.max(p50, f.p50);
    p99 = Math.max(p99, f.p99);
    max = Math.max(max, f.max);
    check(world);
  }
  rows.push({ scenario: name, p50, p99, max });
}

afterAll(() => {
  const ms = (us: number) => (us / 1000).toFixed(2);
  console.log(
    [
      'clock sync, worst seed of ten (ms): scenario | p50 | p99 | max',
      ...rows.map((r) => `${r.scenario} | ${ms(r.p50)} | ${ms(r.p99)} | ${ms(r.max)}`),
    ].join('\n'),
  );
});

/** Every honest node aligned once, before 10 s, and τs then only slewed forward. */
function joinedAndSlewedOnly(world: World): void {
  world.nodes.forEach((node, i) => {
    if (!node.honest) return;
    expect(world.alignments[i]).toBe(1);
    expect(world.alignedAtUs[i]).toBeLessThan(10_000_000);
    expect(node.sync.joined).toBe(true);
    expect(node.sync.state).toBe(SyncState.Converged);
  });
  expect(world.backward).toBe(0);
  // StateClock's bound (10 000 ppm) plus the 1 µs rounding the sampling divides in.
  expect(world.maxSlewPpm).toBeLessThanOrEqual(10_000 + 1e-6);
}

/**
 * The honest nodes hold the no-liar bound, joined once and only slewed since, and every one of
 * them flags the liar (the last node; with `flag` if given) and nobody else.
 */
function liarLeftOut(world: World, flag?: SyncFlag): void {
  expect(figures(world).p99).toBeLessThanOrEqual(BOUND_US);
  joinedAndSlewedOnly(world);
  const liarNode = world.nodes.at(-1) as SimNode;
  for (const node of world.nodes) {
    if (!node.honest) continue;
    if (flag !== undefined) expect(node.sync.status(liarNode.id)?.flag).toBe(flag);
    expect(node.sync.flagged()).toEqual([liarNode.id]);
  }
}

describe('8 nodes, symmetric paths', () => {
  it('disagree by at most 5 ms (p99, 10–60 s) on every seed; τs never goes back after alignAtJoin', () => {
    scenario('8 nodes, symmetric, jitter ≤ 100 ms', { nodes: 8, durationUs: MINUTE }, (world) => {
      expect(figures(world).p99).toBeLessThanOrEqual(BOUND_US);
      joinedAndSlewedOnly(world);
    });
  });

  it('hold the bound with 100 ms of mean jitter on every path (the worst the issue allows)', () => {
    scenario(
      '8 nodes, symmetric, jitter = 100 ms everywhere',
      { nodes: 8, durationUs: MINUTE, worstJitter: true },
      (world) => {
        expect(figures(world).p99).toBeLessThanOrEqual(BOUND_US);
        joinedAndSlewedOnly(world);
      },
    );
  });
});

describe('asymmetric paths', () => {
  it('8 nodes disagree by at most 5 ms plus the largest one-way difference', () => {
    scenario(
      '8 nodes, asymmetric ≤ 60 ms',
      { nodes: 8, durationUs: MINUTE, asymmetryUs: 60_000 },
      (world) => {
        expect(world.maxAsymmetryUs).toBeGreaterThan(30_000); // the draw really is asymmetric
        expect(figures(world).p99).toBeLessThanOrEqual(BOUND_US + world.maxAsymmetryUs);
        joinedAndSlewedOnly(world);
      },
    );
  });

  // Two-way exchanges cannot see asymmetry: with forward − backward = A, each side's estimate is
  // biased by A/2, so the pair settles A/2 apart, and no closer. The sweep checks it is exactly
  // that floor, not worse (and not suspiciously better).
  for (const asymmetryUs of [0, 10_000, 30_000, 60_000]) {
    it(`2 nodes with ${asymmetryUs / 1000} ms of asymmetry settle asymmetry/2 apart (±2 ms at 60 s)`, () => {
      let worst = 0;
      for (const seed of STATISTICAL_SEEDS) {
        const world = runWorld({
          seed,
          nodes: 2,
          durationUs: MINUTE,
          fixedAsymmetryUs: asymmetryUs,
          maxJitterUs: 20_000,
          worstJitter: true,
        });
        const [a, b] = world.nodes as [SimNode, SimNode];
        const truth = world.tau(1) - world.tau(0); // B's τs minus A's, read at 60 s
        // Path A→B is slower by `asymmetryUs`: A believes B is A/2 further ahead than it is, so
        // the pair rests where B is A/2 behind.
        const error = truth + asymmetryUs / 2;
        expect(Math.abs(error)).toBeLessThanOrEqual(2_000);
        // The estimate itself errs by the same physical floor.
        const estimate = a.sync.status(b.id)?.sessionOffsetUs ?? Number.NaN;
        expect(Math.abs(estimate - truth - asymmetryUs / 2)).toBeLessThanOrEqual(2_000);
        worst = Math.max(worst, Math.abs(error));
      }
      rows.push({
        scenario: `2 nodes, asymmetry ${asymmetryUs / 1000} ms: |error − A/2|`,
        p50: Number.NaN,
        p99: Number.NaN,
        max: worst,
      });
    });
  }
});

describe('one liar among 8', () => {
  const liars: readonly Liar[] = ['plus-10s', 'minus-10s', 'two-faced', 'random'];
  for (const liar of liars) {
    it(`answering ${liar}: honest nodes stay within the no-liar bound and all flag the liar`, () => {
      scenario(`7 honest + liar (${liar})`, { nodes: 8, durationUs: MINUTE, liar }, (world) => {
        expect(figures(world).p99).toBeLessThanOrEqual(BOUND_US);
        joinedAndSlewedOnly(world);
        const liarNode = world.nodes[7];
        for (const node of world.nodes) {
          if (!node.honest || liarNode === undefined) continue;
          const flag = node.sync.status(liarNode.id)?.flag;
          // A liar answering with random values contradicts itself; one that is consistently
          // 10 s off is an outlier from the consensus.
          expect(flag).toBe(liar === 'random' ? SyncFlag.Inconsistent : SyncFlag.Outlier);
          // …and nobody honest is flagged.
          expect(node.sync.flagged()).toEqual([liarNode.id]);
          if (liar !== 'random') {
            // The lie was seen (about 10 s, give or take the liar's own ±2 s clock) and left out
            // by the 5 s outlier rule, which is why these three runs agree to the microsecond.
            const seen = node.sync.status(liarNode.id)?.sessionOffsetUs ?? 0;
            expect(Math.abs(seen)).toBeGreaterThan(5_000_000);
          }
        }
      });
    });
  }
});

describe('one liar among 8 answering random values within ±300 ms', () => {
  // Inside the honest clocks' ±2 s spread before anyone has aligned, so no outlier rule can tell
  // it apart; it ranked differently at different nodes and split the join by one honest gap
  // (p99 296 ms on seed 41). It contradicts itself, though: it steps again and again, and the
  // join leaves out peers that stepped twice and waits for a stable offset.
  for (const liarAsks of [false, true]) {
    const who = liarAsks ? 'syncing its own clock' : 'not asking';
    it(`${who}: honest nodes stay within the no-liar bound and flag it`, () => {
      scenario(
        `7 honest + random ±300 ms liar, ${who}`,
        { nodes: 8, durationUs: MINUTE, liar: 'random-300ms', liarAsks },
        (world) => liarLeftOut(world),
      );
    });
  }
});

describe('one liar among 8 answering random values within ±150 ms, syncing its own clock', () => {
  // Its answers wander by less than most round trips, so a reply rarely contradicts the last:
  // paths where it did saw it step and left it out, the others counted it, and the join split
  // (p99 ≈ 350 ms on seed 41, 540 ms on seed 97). The spread of its exchanges (far more than
  // their round trips allow) now gives it away on every path, and the join counts a peer with a
  // high spread only once its window is full enough to tell.
  it('honest nodes stay within the no-liar bound from 10 s, and all flag it inconsistent', () => {
    scenario(
      '7 honest + random ±150 ms liar, syncing its own clock',
      { nodes: 8, durationUs: MINUTE, liar: 'random-150ms', liarAsks: true },
      (world) => liarLeftOut(world, SyncFlag.Inconsistent),
    );
  });
});

describe('f = 1: the smallest sessions that tolerate one liar', () => {
  // Answering everyone alike (consistently wrong), one liar needs 2f + 1 = 3 members: the median
  // of three is always between the two honest clocks.
  it('3 members, a liar 150 ms ahead of its own clock for everyone: the two honest agree, and flag it', () => {
    scenario(
      '2 honest + liar 150 ms ahead, syncing its own clock (n = 3)',
      { nodes: 3, durationUs: MINUTE, liar: 'plus-150ms', liarAsks: true },
      (world) => liarLeftOut(world, SyncFlag.Outlier),
    );
  });

  // Telling different members different things takes 3f + 1 = 4: with four, each honest node's
  // trimmed mean drops one value at each end and keeps moving toward the others, so even a join
  // split by the lie heals (with three, the liar could show each honest node its own clock and
  // hold them apart for good).
  // The join may split (see "the limit of a one-step join" below), by up to 460 ms on these
  // seeds, and the group that moves slews at 10 ms/s: the check starts at 100 s.
  it('4 members, a two-faced liar (±300 ms): the three honest converge, within 5 ms from 100 s', () => {
    scenario(
      '3 honest + two-faced ±300 ms liar (n = 4), from 100 s',
      {
        nodes: 4,
        durationUs: 2 * MINUTE,
        liar: 'two-faced-300ms',
        sampleFromUs: 100_000_000,
      },
      (world) => {
        expect(figures(world).p99).toBeLessThanOrEqual(BOUND_US);
        joinedAndSlewedOnly(world);
      },
    );
  });
});

describe('a partition and the rejoin', () => {
  // Three of eight cut off from 15 s to 135 s: each side keeps its own consensus (the three know
  // they are a minority: Isolated), the two drift apart at the difference of the groups' rates,
  // and when the paths come back the peers' histories start afresh (no skew line spans a
  // two-minute gap) and the minority slews onto the majority, which barely moves.
  it('the minority reports Isolated; all are Converged again within 10 s and agree within 5 ms from 145 s', () => {
    const groups = [0, 0, 0, 0, 0, 1, 1, 1];
    const healUs = 135_000_000;
    let worstGap = 0;
    let worstBack = 0;
    scenario(
      '8 nodes, 3 cut off 15–135 s, from 145 s',
      {
        nodes: 8,
        durationUs: 165_000_000,
        partition: { groups, fromUs: 15_000_000, untilUs: healUs },
        sampleFromUs: 145_000_000,
        onSample: (elapsed, world) => {
          if (elapsed === healUs - 5_000_000) {
            world.nodes.forEach((node, i) => {
              const state = groups[i] === 0 ? SyncState.Converged : SyncState.Isolated;
              expect(node.sync.state).toBe(state);
            });
            worstGap = Math.max(worstGap, Math.abs(world.tau(0) - world.tau(7)));
          }
          if (elapsed > healUs && elapsed - healUs > worstBack) {
            if (!world.nodes.every((node) => node.sync.converged)) worstBack = elapsed - healUs;
          }
        },
      },
      (world) => {
        expect(figures(world).p99).toBeLessThanOrEqual(BOUND_US);
        for (const node of world.nodes) {
          expect(node.sync.state).toBe(SyncState.Converged);
          expect(node.sync.flagged()).toEqual([]);
        }
        expect(world.backward).toBe(0);
      },
    );
    // The groups really drifted apart while cut off, else the rejoin would prove nothing.
    expect(worstGap).toBeGreaterThan(2 * BOUND_US);
    expect(worstBack).toBeLessThan(10_000_000);
    rows.push({
      scenario: `  (partition: groups up to ${(worstGap / 1000).toFixed(1)} ms apart; all Converged ${(worstBack / 1e6).toFixed(1)} s after the heal)`,
      p50: Number.NaN,
      p99: Number.NaN,
      max: Number.NaN,
    });
  });
});

describe('a late joiner', () => {
  it('steps once onto a running session at 30 s and agrees within 5 ms from 40 s', () => {
    scenario(
      '6 nodes + one joining at 30 s, from 40 s',
      {
        nodes: 7,
        durationUs: MINUTE,
        startAtUs: [0, 0, 0, 0, 0, 0, 30_000_000],
        sampleFromUs: 40_000_000,
      },
      (world) => {
        expect(figures(world).p99).toBeLessThanOrEqual(BOUND_US);
        expect(world.alignments).toEqual([1, 1, 1, 1, 1, 1, 1]);
        expect(world.alignedAtUs[6]).toBeGreaterThan(30_000_000);
        expect(world.alignedAtUs[6]).toBeLessThan(40_000_000);
        expect(world.backward).toBe(0);
        // Nobody took the newcomer for a liar while it was still on its own clock.
        for (const node of world.nodes) expect(node.sync.flagged()).toEqual([]);
      },
    );
  });
});

describe('the limit of a one-step join', () => {
  // Not one of the liars: one whose two faces (+300 ms to some, −300 ms to others) fall
  // inside the honest clocks' spread before anyone has aligned. No outlier rule can tell it from
  // an honest clock then, so it can move the lower median by one gap between honest clocks for
  // some nodes and not others, and the join may split. What matters is that the split heals:
  // Outlier flags do not exclude, so the groups slew together (up to 2 × 10 ms/s).
  it('a two-faced liar inside the pre-join spread can split the join, and slewing heals it by 40 s', () => {
    scenario(
      '7 honest + two-faced ±300 ms liar, from 40 s',
      { nodes: 8, durationUs: MINUTE, liar: 'two-faced-300ms', sampleFromUs: 40_000_000 },
      (world) => {
        expect(figures(world).p99).toBeLessThanOrEqual(BOUND_US);
        joinedAndSlewedOnly(world);
      },
    );
  });
});
