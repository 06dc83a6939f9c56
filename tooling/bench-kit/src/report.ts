import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CaseResult } from './case-result.ts';
import { type RatioEstimate, ratioEstimate } from './ratio.ts';

/** One reported figure: our rate beside the raw limit measured in the same run. */
export interface BenchRow {
  readonly name: string;
  readonly ours: CaseResult;
  /** The raw baseline (the machine's limit for this operation), measured in the same run. */
  readonly baseline?: CaseResult;
  /** Target ratio ours/baseline, if the issue names one. */
  readonly target?: number;
  /** Free-form note (e.g. units other than ops/s). */
  readonly note?: string;
}

/** The row's {@link ratioEstimate}, or undefined without a baseline. */
export function rowRatio(row: BenchRow): RatioEstimate | undefined {
  return row.baseline ? ratioEstimate(row.ours, row.baseline) : undefined;
}

/**
 * ours/baseline, or undefined without a baseline: the median of the per-round ratios when both
 * come from the same interleaved run, else the ratio of medians (see {@link ratioEstimate}).
 */
export function ratio(row: BenchRow): number | undefined {
  return rowRatio(row)?.value;
}

function fmt(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M/s`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k/s`;
  return `${n.toFixed(1)} /s`;
}

function spread(r: CaseResult): string {
  return `±${((100 * (r.maxOpsPerSec - r.minOpsPerSec)) / 2 / r.medianOpsPerSec).toFixed(0)}%`;
}

function ratioText(q: RatioEstimate): string {
  const iqr = q.iqr ? `, IQR ${q.iqr[0].toFixed(2)}–${q.iqr[1].toFixed(2)}` : '';
  return `${q.value.toFixed(2)}× (${q.basis}${iqr})`;
}

/**
 * Formats rows as a table: ours and baseline (wall-clock median ops/s and spread), the ratio
 * with its basis and the interquartile range of the per-round ratios, the target.
 */
export function formatTable(title: string, rows: readonly BenchRow[]): string {
  const lines = [
    `\n${title}`,
    'case | ours (wall median, spread) | raw baseline | ratio (basis, IQR of rounds) | target',
  ];
  for (const row of rows) {
    const q = rowRatio(row);
    lines.push(
      [
        row.name,
        `${fmt(row.ours.medianOpsPerSec)} ${spread(row.ours)}`,
        row.baseline
          ? `${fmt(row.baseline.medianOpsPerSec)} ${spread(row.baseline)} (${row.baseline.name})`
          : '—',
        q === undefined ? '—' : ratioText(q),
        row.target === undefined
          ? ''
          : `≥ ${row.target}× ${q !== undefined && q.value >= row.target ? 'met' : 'NOT met'}`,
      ].join(' | ') + (row.note ? ` (${row.note})` : ''),
    );
  }
  return lines.join('\n');
}

/**
 * Prints the table and writes `bench-results/<name>.json` in the current package (the root
 * `pnpm bench` gathers these into one table): each row with its `ratio`, `ratioBasis` and
 * `ratioIqr`, and the per-round samples behind them.
 */
export function report(name: string, title: string, rows: readonly BenchRow[]): void {
  console.log(formatTable(title, rows));
  mkdirSync('bench-results', { recursive: true });
  const json = rows.map((r) => {
    const q = rowRatio(r);
    return { ...r, ratio: q?.value, ratioBasis: q?.basis, ratioIqr: q?.iqr };
  });
  writeFileSync(
    join('bench-results', `${name}.json`),
    JSON.stringify({ title, when: new Date().toISOString(), rows: json }, null, 2),
  );
}
