import type { PathConditions } from './path-conditions.ts';

/**
 * Where each condition alone puts the compression pressure at one half. The defaults: 50 ms
 * of jitter, 5 % loss, a reorder depth of 8 packets.
 */
export interface PressureConfig {
  readonly jitterHalfUs: number;
  readonly lossHalf: number;
  readonly reorderHalf: number;
}

/** The default {@link PressureConfig}. */
export const PRESSURE_DEFAULTS: PressureConfig = {
  jitterHalfUs: 50_000,
  lossHalf: 0.05,
  reorderHalf: 8,
};

/** One condition's share: `x / (x + half)`; 0 for x ≤ 0, and 1 for NaN or ∞ (unknown is worst). */
function share(x: number, half: number): number {
  if (x - x !== 0) return 1;
  return x > 0 ? x / (x + half) : 0;
}

/**
 * Compression pressure, 0–1: how hard streams should degrade on this path. Each condition maps
 * to `x / (x + half)` (0 when perfect, ½ at its half point, toward 1 beyond), and the pressure
 * is `1 − (1 − pJitter)(1 − pLoss)(1 − pReorder)`: any one bad condition raises it, and they
 * compound. RTT does not count: a long path is slow, not congested. A condition that is not a
 * finite number counts as 1, so the result is never NaN (a NaN would lose every comparison and
 * read as no pressure at all).
 *
 * @example
 * compressionPressure({ rttUs: 0, jitterUs: 0, lossRate: 0.05, reorderDepth: 0, intervalUs: 0 }); // 0.5
 */
export function compressionPressure(
  c: PathConditions,
  config: PressureConfig = PRESSURE_DEFAULTS,
): number {
  const j = share(c.jitterUs, config.jitterHalfUs);
  const l = share(c.lossRate, config.lossHalf);
  const r = share(c.reorderDepth, config.reorderHalf);
  return 1 - (1 - j) * (1 - l) * (1 - r);
}
