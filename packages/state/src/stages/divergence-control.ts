import { StateType } from '@elara/core';

/** What divergence control does to one atom. */
export const DivergenceAction = {
  None: 'none',
  /** Core: never simplified; flagged (and reported) instead. */
  Flag: 'flag',
  /** Perceptual: its law drops the detail it can live without (e.g. all but the newest frame). */
  Simplify: 'simplify',
  /** Enhancement and Cosmetic: emptied. */
  Clear: 'clear',
} as const;
export type DivergenceAction = (typeof DivergenceAction)[keyof typeof DivergenceAction];

/** An action and the atom's entropy after it. */
export interface DivergenceDecision {
  readonly action: DivergenceAction;
  readonly entropy: number;
}

/**
 * The divergence control stage for one atom (the reference's `control_divergence`, same
 * threshold test and entropy steps): above `threshold`, Core is flagged (+0.05), Perceptual
 * simplified (+0.1), Enhancement and Cosmetic cleared. The reference leaves Perceptual values
 * as they are; we let the law simplify them.
 *
 * @example
 * divergenceAction(StateType.Core, 0.6, 0.5); // { action: 'flag', entropy: 0.65 }
 */
export function divergenceAction(
  type: StateType,
  entropy: number,
  threshold: number,
): DivergenceDecision {
  if (!(entropy > threshold)) return { action: DivergenceAction.None, entropy };
  switch (type) {
    case StateType.Core:
      return { action: DivergenceAction.Flag, entropy: Math.min(1, entropy + 0.05) };
    case StateType.Perceptual:
      return { action: DivergenceAction.Simplify, entropy: Math.min(1, entropy + 0.1) };
    default:
      return { action: DivergenceAction.Clear, entropy };
  }
}

/**
 * Entropy growth per second of idleness, by StateType: the reference's per-10 ms-tick steps
 * (0.03 / 0.05 / 0.07) for Perceptual, Enhancement and Cosmetic. Core does not age: its events
 * are durable and repaired, so idleness is no uncertainty; a Core atom's entropy comes from
 * its events waiting in or evicted from quarantine.
 */
export const ENTROPY_PER_IDLE_SECOND: readonly number[] = [0, 3, 5, 7];

/** Entropy a Core atom gains per event of it entering quarantine, and per eviction. */
export const CORE_ENTROPY_STEP = { quarantined: 0.05, evicted: 0.5 } as const;

/**
 * The entropy of an atom idle since `idleFrom` (its last event plus the stale delay) after
 * ageing from `from` to `to` (µs), capped at 1.
 *
 * @example
 * agedEntropy(StateType.Perceptual, 0, 0, 0, 100_000); // 0.3
 */
export function agedEntropy(
  type: StateType,
  entropy: number,
  idleFrom: number,
  from: number,
  to: number,
): number {
  const start = Math.max(from, idleFrom);
  const rate = ENTROPY_PER_IDLE_SECOND[type] as number;
  if (to <= start || rate === 0) return entropy;
  return Math.min(1, entropy + (rate * (to - start)) / 1_000_000);
}
