import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * Where the Rust reference's vectors live: `ELARA_VECTORS` if set, else `../shared/vectors`
 * beside the clone (as CI lays it out). They are read in place, never copied.
 */
export function vectorsDir(): string {
  return process.env['ELARA_VECTORS'] ?? join(repoRoot, '..', 'shared', 'vectors');
}

/**
 * Why a vector file cannot be read, or `undefined` when it is there. Vector suites register a
 * single test that states the reason instead of failing on a user's clone; under CI (`CI=true`)
 * that test fails, because CI always provides the vectors.
 */
export function vectorsAbsentReason(file: string): string | undefined {
  const path = join(vectorsDir(), file);
  return existsSync(path) ? undefined : `reference vectors are not present at ${path}`;
}

/** Parses one vector file (e.g. `headers.json`). Throws if it is absent; check first. */
export function readVectors<T = unknown>(file: string): T {
  return JSON.parse(readFileSync(join(vectorsDir(), file), 'utf8')) as T;
}
