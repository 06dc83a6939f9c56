import { afterAll, describe, expect, it } from 'vitest';
import { isSlowRun } from '@elara/test-env';
import { STATISTICAL_SEEDS } from '@elara/testkit';
import { runWorld, type SimNode } from './sync-world.ts';

/**
 * Skew (drift rate) after 300 virtual seconds, against the clocks' true skews. Conditions as the
 * issue's: skews up to ±200 ppm, paths of 20–200 ms, exponential jitter, 10 % loss, 10 exchanges
 * per second.
 */

const FIVE_MINUTES = 300_000_000;
const TOLERANCE_PPM = 20;
const notes: string[] = [];

afterAll(() =>
  console.log(['clock sync skew after 300 s (worst seed of ten)', ...notes].join('\n')),
);

describe('relative skew', () => {
  // The peer's clock is a fixed reference (it answers but never corrects), so the truth is exact:
  // its rate relative to ours, (1 + s_peer) / (1 + s_self) − 1.
  for (const jitterUs of [20_000, 100_000]) {
    it(`peer minus self within ±20 ppm with ${jitterUs / 1000} ms of mean jitter on every seed`, () => {
      let worst = 0;
      let worstErr = 0;
      for (const seed of STATISTICAL_SEEDS) {
        const world = runWorld({
          seed,
          nodes: 2,
          durationUs: FIVE_MINUTES,
          passive: [1],
          maxJitterUs: jitterUs,
          worstJitter: true,
        });
        const [self, peer] = world.nodes as [SimNode, SimNode];
        const truth = (peer.skewPpm - self.skewPpm) / (1 + self.skewPpm * 1e-6);
        const status = self.sync.status(peer.id);
        expect(status?.skewConfident).toBe(true);
        const error = (status?.skewPpm ?? Number.NaN) - truth;
        expect(Math.abs(error)).toBeLessThanOrEqual(TOLERANCE_PPM);
        // The fit's own standard error is honest: the error stays within five of them.
        const stdErr = status?.skewStdErrPpm ?? 0;
        expect(Math.abs(error)).toBeLessThanOrEqual(5 * stdErr);
        worst = Math.max(worst, Math.abs(error));
        worstErr = Math.max(worstErr, stdErr);
      }
      notes.push(
        `2 nodes, jitter ${jitterUs / 1000} ms: |error| ≤ ${worst.toFixed(1)} ppm (standard error ≤ ${worstErr.toFixed(1)} ppm)`,
      );
    });
  }

  // In a session every node steers its τs rate to the median of its peers' (after their own
  // steering): what each node estimates is the session's rate minus its own. The truth is each
  // node's true rate (skew plus the frequency correction it applies) against the session's mean.
  it('8 nodes: every τs runs within ±20 ppm of the session rate (skew + frequency, true values)', () => {
    let worst = 0;
    const variants = isSlowRun() ? [false, true] : [false];
    for (const worstJitter of variants) {
      for (const seed of STATISTICAL_SEEDS) {
        const world = runWorld({
          seed,
          nodes: 8,
          durationUs: FIVE_MINUTES,
          worstJitter,
          sampleFromUs: FIVE_MINUTES - 1_000_000,
        });
        const rates = world.nodes.map((n) => n.skewPpm + n.state.frequencyPpm);
        const session = rates.reduce((a, b) => a + b, 0) / rates.length;
        for (const [i, rate] of rates.entries()) {
          expect(Math.abs(rate - session), `node ${i}`).toBeLessThanOrEqual(TOLERANCE_PPM);
          worst = Math.max(worst, Math.abs(rate - session));
        }
        // The frequency correction did the work: uncorrected, skews up to ±200 ppm spread wider.
        const raw = world.nodes.map((n) => n.skewPpm);
        expect(Math.max(...raw) - Math.min(...raw)).toBeGreaterThan(2 * TOLERANCE_PPM);
        expect(Array.from(world.disagreement).every((d) => d <= 5_000)).toBe(true);
      }
    }
    notes.push(`8 nodes: |τs rate − session rate| ≤ ${worst.toFixed(1)} ppm`);
  });
});

describe('a liar whose clock drifts', () => {
  // Three members, one answering with a clock that runs 200 ppm fast against its own τs (which
  // follows the session, since it asks too). The frequency used to follow the median of the two
  // peers' rates — with two, their mean — so each honest node moved halfway to the liar's rate,
  // whose answers then moved on by as much: the honest frequencies ran away toward the 1 000 ppm
  // clamp (520 and 830 ppm at 300 s on seed 11). Now our own rate is one of the values and a
  // rate 50 ppm from their median is left out: the liar's never counts, and the frequency moves
  // no further than the two honest rates ask, while the offset loop keeps the pair together.
  it('3 members: the honest frequencies are not dragged, and the honest pair agrees', () => {
    let worst = 0;
    for (const seed of STATISTICAL_SEEDS) {
      const world = runWorld({
        seed,
        nodes: 3,
        durationUs: FIVE_MINUTES,
        liar: 'drift-200ppm',
        liarAsks: true,
      });
      const honest = world.nodes.slice(0, 2);
      // What it takes to bring one honest crystal to the other's rate, and no more.
      const needed = Math.abs((honest[0] as SimNode).skewPpm - (honest[1] as SimNode).skewPpm);
      for (const node of honest) {
        expect(Math.abs(node.state.frequencyPpm)).toBeLessThanOrEqual(needed + TOLERANCE_PPM);
        worst = Math.max(worst, Math.abs(node.state.frequencyPpm));
      }
      const d = world.disagreement.slice().sort();
      expect(d[Math.floor(0.99 * d.length)]).toBeLessThanOrEqual(5_000);
    }
    notes.push(`3 nodes, liar drifting 200 ppm: honest |frequency| ≤ ${worst.toFixed(1)} ppm`);
  });
});
