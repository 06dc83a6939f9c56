// `npm run bench`: runs every package's benchmark one after another (they measure the machine,
// so never in parallel), then prints one table from the JSON each wrote.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = process.cwd();
const only = process.argv.slice(2);
const dirs = ['packages', 'apps']
  .flatMap((d) => (existsSync(d) ? readdirSync(d).map((p) => join(d, p)) : []))
  .filter((d) => existsSync(join(d, 'bench', 'run.ts')))
  .filter((d) => only.length === 0 || only.some((o) => d.endsWith(o)));
let failed = 0;
for (const dir of dirs) {
  console.log(`\n▶ bench ${dir}`);
  const r = spawnSync('tsx', ['--conditions=@elara/source', 'bench/run.ts'], {
    cwd: join(root, dir),
    stdio: 'inherit',
  });
  if (r.status !== 0) failed++;
}
const fmt = (n) =>
  n >= 1e6
    ? `${(n / 1e6).toFixed(2)} M/s`
    : n >= 1e3
      ? `${(n / 1e3).toFixed(1)} k/s`
      : `${n.toFixed(1)} /s`;
console.log('\n══ All benchmarks (each figure beside its raw limit measured in the same run) ══');
console.log('package | table | case | ours | baseline | ratio | target');
for (const dir of dirs) {
  const resultsDir = join(dir, 'bench-results');
  if (!existsSync(resultsDir)) continue;
  for (const file of readdirSync(resultsDir).filter((f) => f.endsWith('.json'))) {
    const { title, rows } = JSON.parse(readFileSync(join(resultsDir, file), 'utf8'));
    for (const row of rows) {
      const q = row.ratio;
      console.log(
        [
          dir.split('/')[1],
          title,
          row.name,
          // Rows in other units (latency, bytes) carry their own text; their ratio is still
          // "fraction of the raw limit" (baseline latency / ours).
          row.display?.ours ?? fmt(row.ours.medianOpsPerSec),
          row.display?.baseline ??
            (row.baseline ? `${fmt(row.baseline.medianOpsPerSec)} (${row.baseline.name})` : '—'),
          q == null ? '—' : `${q.toFixed(2)}×`,
          row.target == null
            ? ''
            : `≥ ${row.target}× ${q != null && q >= row.target ? 'met' : 'NOT met'}`,
        ].join(' | '),
      );
    }
  }
}
process.exit(failed ? 1 : 0);
