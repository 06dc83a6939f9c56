// `npm run bench`: installs the workspace (the install step of `npm run demo`), runs every
// package's own `bench` script (its package.json) one after another (they measure the machine,
// so never in parallel), then prints one table from the JSON each wrote in this run.
// `npm run bench -- demo crypto` runs only the packages whose folder ends with those names.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const only = process.argv.slice(2);
const benchScript = (dir) =>
  JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')).scripts?.bench;
const dirs = ['packages', 'apps']
  .flatMap((d) =>
    existsSync(join(root, d)) ? readdirSync(join(root, d)).map((p) => join(d, p)) : [],
  )
  .filter((d) => existsSync(join(root, d, 'package.json')) && benchScript(d) !== undefined)
  .filter((d) => only.length === 0 || only.some((o) => d.endsWith(o)));
const unmatched = only.filter((o) => !dirs.some((d) => d.endsWith(o)));
if (unmatched.length > 0) {
  console.error(`✖ no package with a bench script matches: ${unmatched.join(', ')}`);
  process.exit(2);
}

const install = spawnSync('node', [join(root, 'tooling/scripts/run.mjs'), 'install'], {
  cwd: root,
  stdio: 'inherit',
});
if (install.error) console.error(`✖ install: ${install.error.message}`);
if (install.status !== 0) process.exit(install.status || 1);

const failures = [];
const startedAt = new Map();
for (const dir of dirs) {
  const script = benchScript(dir);
  console.log(`\n▶ bench ${dir}: ${script}`);
  // Results of an earlier run must never stand in for this one.
  rmSync(join(root, dir, 'bench-results'), { recursive: true, force: true });
  startedAt.set(dir, Date.now());
  const r = spawnSync(script, {
    cwd: join(root, dir),
    shell: true,
    stdio: 'inherit',
    env: {
      ...process.env,
      PATH: [join(root, dir, 'node_modules', '.bin'), join(root, 'node_modules', '.bin')]
        .concat(process.env.PATH ?? [])
        .join(':'),
    },
  });
  if (r.error) console.error(`✖ bench ${dir} could not start: ${r.error.message}`);
  if (r.status !== 0) {
    const how = r.status === null ? `killed by ${r.signal}` : `exit ${r.status}`;
    console.error(`✖ bench ${dir} failed (${how})`);
    failures.push(`${dir} (${how})`);
  }
}

const fmt = (n) =>
  n >= 1e6
    ? `${(n / 1e6).toFixed(2)} M/s`
    : n >= 1e3
      ? `${(n / 1e3).toFixed(1)} k/s`
      : `${n.toFixed(1)} /s`;
const rows = [];
for (const dir of dirs) {
  const resultsDir = join(root, dir, 'bench-results');
  const files = existsSync(resultsDir)
    ? readdirSync(resultsDir).filter((f) => f.endsWith('.json'))
    : [];
  if (files.length === 0) {
    console.error(`✖ bench ${dir} wrote no bench-results/*.json`);
    failures.push(`${dir} (no results)`);
  }
  for (const file of files) {
    const { title, when, rows: results } = JSON.parse(readFileSync(join(resultsDir, file), 'utf8'));
    const written = Date.parse(when);
    if (!(written >= (startedAt.get(dir) ?? Infinity))) {
      console.error(
        `✖ ${dir}/bench-results/${file} was written ${when}, before this run: left out`,
      );
      failures.push(`${dir}/${file} (stale)`);
      continue;
    }
    for (const row of results) {
      const q = row.ratio;
      rows.push(
        [
          dir.split('/')[1],
          title,
          row.name,
          // Rows in other units (latency, bytes) carry their own text; their ratio is still
          // "fraction of the raw limit" (baseline latency / ours).
          row.display?.ours ?? fmt(row.ours.medianOpsPerSec),
          row.display?.baseline ??
            (row.baseline ? `${fmt(row.baseline.medianOpsPerSec)} (${row.baseline.name})` : '—'),
          q == null ? '—' : `${q.toFixed(2)}×${ratioNote(row)}`,
          row.target == null
            ? ''
            : `≥ ${row.target}× ${q != null && q >= row.target ? 'met' : 'NOT met'}`,
          new Date(written).toISOString().slice(0, 19).replace('T', ' '),
        ].join(' | '),
      );
    }
  }
}
/**
 * What stands beside a ratio: the row's own text (rows in other units), else how it was estimated
 * (CPU- or wall-time, paired by round or medians) and the spread of the paired rounds.
 */
function ratioNote(row) {
  if (row.display?.ratio) return ` (${row.display.ratio})`;
  if (!row.ratioBasis) return '';
  const iqr = row.ratioIqr
    ? `, IQR ${row.ratioIqr[0].toFixed(2)}–${row.ratioIqr[1].toFixed(2)}`
    : '';
  return ` (${row.ratioBasis}${iqr})`;
}

console.log('\n══ All benchmarks (each figure beside its raw limit measured in the same run) ══');
console.log('package | table | case | ours | baseline | ratio | target | measured (UTC)');
for (const row of rows) console.log(row);
if (failures.length > 0) {
  console.error(`\n✖ ${failures.length} failed: ${failures.join(', ')}`);
  process.exit(1);
}
