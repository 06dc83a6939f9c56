import { describe, expect, it } from 'vitest';
import {
  type CaseResult,
  formatTable,
  median,
  ratio,
  ratioEstimate,
  resultsOfRounds,
  scaled,
} from '../src/index.ts';

// The machine's speed drifts from round to round (×0.55 to ×1.9) and both cases follow it; our
// slice of rounds 0 and 2 was also preempted (half speed). Per round ours/raw is 0.6 in five
// rounds and 0.3 in two, so the paired median is exactly 0.6, while the ratio of medians
// (48 / 100 = 0.48) divides figures from different rounds, and so does pairing sorted samples
// or shifted rounds.
const RAW = [100, 55, 190, 80, 145, 60, 120];
const OURS = [30, 33, 57, 48, 87, 36, 72];

const pair = (ours: readonly number[], raw: readonly number[]): [CaseResult, CaseResult] =>
  resultsOfRounds(['ours', 'raw'], [ours, raw]) as [CaseResult, CaseResult];

describe('ratioEstimate', () => {
  it('pairs round with round: drift cancels, the ratio of medians does not', () => {
    const [ours, raw] = pair(OURS, RAW);
    const q = ratioEstimate(ours, raw);
    expect(q.basis).toBe('wall paired');
    expect(q.value).toBe(0.6);
    expect(ours.medianOpsPerSec / raw.medianOpsPerSec).toBeCloseTo(0.48, 12);
    expect(q.iqr?.[0]).toBeCloseTo(0.45, 12);
    expect(q.iqr?.[1]).toBeCloseTo(0.6, 12);
  });

  it('depends on which rounds go together (sorted or shifted samples give other values)', () => {
    const [ours, raw] = pair(OURS, RAW);
    const sorted = [...RAW].sort((a, b) => a - b);
    const [, rawSorted] = pair(OURS, sorted);
    const [oursSorted] = pair(
      [...OURS].sort((a, b) => a - b),
      sorted,
    );
    const [, rawShifted] = pair(OURS, [...RAW.slice(1), RAW[0] as number]);
    const paired = ratioEstimate(ours, raw).value;
    // Results from separate calls carry different runs, so build same-run pairs explicitly.
    const same = (o: CaseResult, b: CaseResult): number =>
      ratioEstimate({ ...o, run: 'x' }, { ...b, run: 'x' }).value;
    expect(same(ours, rawSorted)).not.toBeCloseTo(paired, 2);
    expect(same(oursSorted, rawSorted)).not.toBeCloseTo(paired, 2);
    expect(same(ours, rawShifted)).not.toBeCloseTo(paired, 2);
  });

  it('prefers CPU-time samples when both sides have them', () => {
    // Wall clock says 0.5 every round; CPU time (the other processes' share left out) 0.6.
    const [ours, raw] = resultsOfRounds(
      ['ours', 'raw'],
      [
        [50, 25, 100],
        [100, 50, 200],
      ],
      [
        [60, 66, 90],
        [100, 110, 150],
      ],
    ) as [CaseResult, CaseResult];
    expect(ratioEstimate(ours, raw)).toEqual({ value: 0.6, basis: 'cpu paired', iqr: [0.6, 0.6] });
    // One side without CPU samples (e.g. an asynchronous case): wall-clock pairs.
    const { cpuSamples: _dropped, ...oursWall } = ours;
    expect(ratioEstimate(oursWall, raw)).toMatchObject({ value: 0.5, basis: 'wall paired' });
  });

  it('falls back to the ratio of medians on unequal rounds', () => {
    const [ours, raw] = pair(OURS.slice(0, 5), RAW);
    expect(ours.run).toBe(raw.run);
    const q = ratioEstimate(ours, raw);
    expect(q.basis).toBe('medians');
    expect(q.iqr).toBeUndefined();
    expect(q.value).toBe(median(OURS.slice(0, 5)) / median(RAW));
  });

  it('falls back to the ratio of medians across runs and without samples', () => {
    const [ours] = pair(OURS, RAW);
    const [, raw] = pair(OURS, RAW); // same figures, another run: other moments
    expect(ours.run).not.toBe(raw.run);
    expect(ratioEstimate(ours, raw)).toEqual({ value: 48 / 100, basis: 'medians' });
    const handBuilt: CaseResult = {
      name: 'computed',
      medianOpsPerSec: 30,
      minOpsPerSec: 20,
      maxOpsPerSec: 40,
      rounds: 7,
    };
    expect(ratioEstimate(handBuilt, raw)).toEqual({ value: 30 / 100, basis: 'medians' });
    expect(ratioEstimate({ ...handBuilt, run: raw.run! }, raw).basis).toBe('medians');
  });

  it('keeps the pairing through scaling (ops to events)', () => {
    const [ours, raw] = pair(OURS, RAW);
    const perEvent = scaled(ours, 1000, 'per event');
    expect(perEvent.name).toBe('per event');
    expect(perEvent.samples).toEqual(OURS.map((x) => x * 1000));
    expect(perEvent.medianOpsPerSec).toBe(48_000);
    expect(ratioEstimate(perEvent, scaled(raw, 10))).toMatchObject({
      value: 60,
      basis: 'wall paired',
    });
  });

  it('scales CPU-time samples too, so a scaled result still pairs on CPU time', () => {
    // Wall clock says 0.5 every round, CPU time 0.6: scaling must keep (and scale) both.
    const [ours, raw] = resultsOfRounds(
      ['ours', 'raw'],
      [
        [50, 25, 100],
        [100, 50, 200],
      ],
      [
        [60, 66, 90],
        [100, 110, 150],
      ],
    ) as [CaseResult, CaseResult];
    const perEvent = scaled(ours, 4);
    expect(perEvent.cpuSamples).toEqual([240, 264, 360]);
    expect(perEvent.run).toBe(raw.run);
    expect(ratioEstimate(perEvent, scaled(raw, 2))).toEqual({
      value: 1.2,
      basis: 'cpu paired',
      iqr: [1.2, 1.2],
    });
  });
});

describe('ratio and formatTable', () => {
  it('judge the target on the paired ratio and print its basis and spread', () => {
    const [ours, raw] = pair(OURS, RAW);
    expect(ratio({ name: 'x', ours })).toBeUndefined();
    expect(ratio({ name: 'x', ours, baseline: raw })).toBe(0.6);
    // The ratio of medians (0.48) would miss 0.5; the paired ratio meets it.
    const table = formatTable('t', [{ name: 'x', ours, baseline: raw, target: 0.5 }]);
    expect(table).toContain('0.60× (wall paired, IQR 0.45–0.60)');
    expect(table).toContain('≥ 0.5× met');
    const [, other] = pair(OURS, RAW);
    const fallback = formatTable('t', [{ name: 'x', ours, baseline: other, target: 0.5 }]);
    expect(fallback).toContain('0.48× (medians)');
    expect(fallback).toContain('NOT met');
  });
});
