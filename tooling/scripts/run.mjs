// The README's two commands. `npm run demo` and `npm test` need only Node.js 20 and npm:
// this script installs the pinned pnpm's workspace, then runs the demo or every check and test.
// `install` alone is the install step `npm run bench` (bench-all.mjs) shares.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { packageManager } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const bin = join(root, 'node_modules', '.bin');
const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
const [command, ...args] = process.argv.slice(2);

function run(step, cmd, cmdArgs, extraEnv = {}) {
  console.log(`\n▶ ${step}`);
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit', env: { ...env, ...extraEnv } });
  if (r.error) console.error(`✖ ${step}: ${r.error.message}`);
  return r.status ?? 1;
}

let summarise = false;

function must(step, cmd, cmdArgs, extraEnv) {
  const status = run(step, cmd, cmdArgs, extraEnv);
  if (status !== 0) {
    console.error(`\n✖ ${step} failed (exit ${status})`);
    // CI reads the last line: a failed check before the tests still ends with the summary.
    if (summarise) console.log('\nTests: 0 passed, 1 failed');
    process.exit(status || 1);
  }
}

function install() {
  const frozen = existsSync(join(root, 'pnpm-lock.yaml')) ? ['--frozen-lockfile'] : [];
  must('install dependencies', 'npx', [
    '-y',
    packageManager,
    'install',
    ...frozen,
    '--reporter=append-only',
  ]);
}

if (command === 'install') {
  install();
} else if (command === 'demo') {
  install();
  // Ctrl-C reaches the demo from the terminal: it stops its chat, prints the verdict so far and
  // exits 130 (a second Ctrl-C exits at once). This script waits for it meanwhile.
  process.on('SIGINT', () => {});
  const status = run('demo', 'node', [
    '--conditions=@elara/source',
    '--import',
    'tsx',
    join(root, 'apps/demo/src/main.ts'),
    ...args,
  ]);
  process.exit(status);
} else if (command === 'build') {
  install();
  // turbo finds the package manager on PATH; run it through the pinned pnpm.
  must('build (turbo)', 'npx', ['-y', packageManager, 'exec', 'turbo', 'run', 'build', ...args]);
} else if (command === 'test') {
  const quick = args.includes('--quick');
  summarise = true;
  install();
  must('system dependencies for real-network tests', 'bash', [
    join(root, 'tooling/scripts/setup-system.sh'),
    'coturn',
  ]);
  must('format check (prettier)', 'prettier', ['--check', '--log-level=warn', '.']);
  must('lint (eslint, type-checked rules)', 'eslint', ['--max-warnings=0', '.']);
  must('typecheck (tsc)', 'tsc', ['-p', 'tsconfig.json', '--noEmit']);
  must('layering (ARCHITECTURE.md arrows, dependency-cruiser)', 'node', [
    join(root, 'tooling/scripts/check-layers.mjs'),
  ]);
  mkdirSync(join(root, '.test-results'), { recursive: true });
  const report = join(root, '.test-results', 'vitest.json');
  // A stale report must never stand in for a run that crashed before writing one.
  rmSync(report, { force: true });
  const status = run(
    `tests (vitest, ${quick ? 'quick' : 'including slow suites'})`,
    'vitest',
    ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`],
    quick ? {} : { ELARA_SLOW: '1' },
  );
  let passed = 0;
  let failed = 0;
  if (existsSync(report)) {
    const r = JSON.parse(readFileSync(report, 'utf8'));
    passed = r.numPassedTests ?? 0;
    // Files that fail to load have no failed tests of their own: count failed files too.
    const failedFiles = (r.testResults ?? []).filter(
      (f) =>
        f.status === 'failed' && (f.assertionResults ?? []).every((a) => a.status !== 'failed'),
    ).length;
    failed = (r.numFailedTests ?? 0) + failedFiles;
    if (r.numPendingTests || r.numTodoTests) {
      console.error(`✖ ${r.numPendingTests + r.numTodoTests} skipped or todo tests: not allowed`);
      failed += r.numPendingTests + r.numTodoTests;
    }
  }
  if (status !== 0 && failed === 0) failed = 1;
  if (passed === 0 && failed === 0) failed = 1;
  console.log(`\nTests: ${passed} passed, ${failed} failed`);
  process.exit(failed === 0 && status === 0 ? 0 : 1);
} else {
  console.error('usage: node tooling/scripts/run.mjs install|demo|build|test [--quick]');
  process.exit(2);
}
