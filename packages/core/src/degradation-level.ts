/** The degradation ladder, L0 (full) to L5 (latent presence, the floor). Higher is worse. */
export const DegradationLevel = {
  L0FullPerception: 0,
  L1DistortedPerception: 1,
  L2FragmentedPerception: 2,
  L3SymbolicPresence: 3,
  L4MinimalPresence: 4,
  L5LatentPresence: 5,
} as const;
export type DegradationLevel = (typeof DegradationLevel)[keyof typeof DegradationLevel];

/**
 * Decoders map any byte ≥ 5 to L5, as the reference does. A value that is not a number
 * (NaN, which no decoded byte can be) also maps to L5: the most degraded level is the safe
 * reading of a level nobody can interpret.
 */
export function degradationLevelFromByte(byte: number): DegradationLevel {
  if (Number.isNaN(byte) || byte >= 5) return 5;
  return Math.max(0, Math.trunc(byte)) as DegradationLevel;
}

/** One step worse; L5 stays L5. */
export function degrade(level: DegradationLevel): DegradationLevel {
  return Math.min(5, level + 1) as DegradationLevel;
}

/** One step better; L0 stays L0. */
export function improve(level: DegradationLevel): DegradationLevel {
  return Math.max(0, level - 1) as DegradationLevel;
}
