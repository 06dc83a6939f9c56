// The layering check: declared @elara dependencies (devDependencies included) follow
// ARCHITECTURE.md's arrows, then dependency-cruiser checks the real imports (no forbidden
// arrows, no cycles, no deep imports, no RxJS in synchronous layers, no node:* in core).
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const allowed = createRequire(import.meta.url)('./layers.cjs');
const problems = [];
for (const dir of readdirSync('packages')) {
  const file = join('packages', dir, 'package.json');
  if (!existsSync(file)) continue;
  const pkg = JSON.parse(readFileSync(file, 'utf8'));
  const name = pkg.name.replace(/^@elara\//, '');
  if (!(name in allowed)) {
    problems.push(`${pkg.name} is not a package of ARCHITECTURE.md`);
    continue;
  }
  const deps = {
    ...pkg.dependencies,
    ...pkg.peerDependencies,
    ...pkg.devDependencies,
    ...pkg.optionalDependencies,
  };
  for (const dep of Object.keys(deps)) {
    const target = dep.replace(/^@elara\//, '');
    if (dep.startsWith('@elara/') && target in allowed && !allowed[name].includes(target)) {
      problems.push(`${pkg.name} declares ${dep}, which ARCHITECTURE.md does not allow`);
    }
  }
}
if (problems.length) {
  for (const p of problems) console.error(`layering: ${p}`);
  process.exit(1);
}
const targets = ['packages', 'apps', 'tooling'].filter((d) => existsSync(d));
const r = spawnSync(
  'depcruise',
  ['--config', '.dependency-cruiser.cjs', '--output-type', 'err', ...targets],
  {
    stdio: 'inherit',
    shell: process.platform === 'win32',
  },
);
process.exit(r.status ?? 1);
