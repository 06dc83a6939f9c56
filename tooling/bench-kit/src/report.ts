import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CaseResult } from './measure.ts';

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

/** ours/baseline, or undefined without a baseline. */
export function ratio(row: BenchRow): number | undefined {
  return row.baseline ? row.ours.medianOpsPerSec / row.baseline.medianOpsPerSec : undefined;
}

function fmt(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M/s`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k/s`;
  return `${n.toFixed(1)} /s`;
}

function spread(r: CaseResult): string {
  return `±${((100 * (r.maxOpsPerSec - r.minOpsPerSec)) / 2 / r.medianOpsPerSec).toFixed(0)}%`;
}

/** Formats rows as a table: ours, baseline, ratio, target. */
export function formatTable(title: string, rows: readonly BenchRow[]): string {
  const lines = [`\n${title}`, 'case | ours (median, spread) | raw baseline | ratio | target'];
  for (const row of rows) {
    const q = ratio(row);
    lines.push(
      [
        row.name,
        `${fmt(row.ours.medianOpsPerSec)} ${spread(row.ours)}`,
        row.baseline
          ? `${fmt(row.baseline.medianOpsPerSec)} ${spread(row.baseline)} (${row.baseline.name})`
          : '—',
        q === undefined ? '—' : `${q.toFixed(2)}×`,
        row.target === undefined
          ? ''
          : `≥ ${row.target}× ${q !== undefined && q >= row.target ? 'met' : 'NOT met'}`,
      ].join(' | ') + (row.note ? ` (${row.note})` : ''),
    );
  }
  return lines.join('\n');
}

/**
 * Prints the table and writes `bench-results/<name>.json` in the current package (the root
 * `pnpm bench` gathers these into one table).
 */
export function report(name: string, title: string, rows: readonly BenchRow[]): void {
  console.log(formatTable(title, rows));
  mkdirSync('bench-results', { recursive: true });
  const json = rows.map((r) => ({ ...r, ratio: ratio(r) }));
  writeFileSync(
    join('bench-results', `${name}.json`),
    JSON.stringify({ title, when: new Date().toISOString(), rows: json }, null, 2),
  );
}
