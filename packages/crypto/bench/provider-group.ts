import { type BenchCase, type BenchRow, measureInterleaved } from '@elara/bench-kit';
import { Prng } from '@elara/core/sim';
import { type CryptoProvider, nativeCryptoProvider, portableCryptoProvider } from '../src/index.ts';

/** Native and portable providers side by side, on one seeded random source each (repeatable). */
export function benchProviders(): readonly CryptoProvider[] {
  return [
    nativeCryptoProvider({ random: new Prng(1) }),
    portableCryptoProvider({ random: new Prng(1) }),
  ];
}

/** Options of {@link measureProviderGroup}. */
export interface ProviderGroupOptions {
  /** Target ratio for the native provider's row. */
  readonly target?: number;
  /** Further cases measured in the same rounds (reported beside the same baseline). */
  readonly extra?: readonly BenchCase[];
  readonly sliceMs?: number;
  readonly rounds?: number;
}

/**
 * Measures `raw` and one case per provider in shared rounds, and appends one row per provider
 * (and per extra case) to `rows`, each beside the raw baseline of the same run. Short slices in
 * many rounds: the machine is shared and its speed drifts within seconds.
 */
export function measureProviderGroup(
  rows: BenchRow[],
  providers: readonly CryptoProvider[],
  what: string,
  raw: BenchCase['run'],
  ours: (p: CryptoProvider) => BenchCase['run'],
  options: ProviderGroupOptions = {},
): void {
  const cases: BenchCase[] = [
    { name: `raw node:crypto ${what}`, run: raw },
    ...providers.map((p) => ({ name: `${what} (${p.name})`, run: ours(p) })),
    ...(options.extra ?? []),
  ];
  const [baseline, ...results] = measureInterleaved(cases, {
    rounds: options.rounds ?? 21,
    sliceMs: options.sliceMs ?? 40,
  });
  for (const [i, result] of results.entries()) {
    const native = cases[i + 1]?.name.endsWith('(native)') ?? false;
    rows.push({
      name: result.name,
      ours: result,
      baseline: baseline!,
      ...(options.target !== undefined && native ? { target: options.target } : {}),
    });
  }
}
