/**
 * Shared vitest settings. Every package's `vitest.config.ts` calls {@link elaraProject};
 * the root config gathers them into one run plus the serial `network` project.
 */
import { basename } from 'node:path';

/** The export condition that maps workspace packages to their TypeScript sources. */
export const SOURCE_CONDITION = '@elara/source';

const conditions = [SOURCE_CONDITION, 'module', 'node', 'import', 'default'];

/** Folder (relative to a package) whose suites use real sockets and run serially. */
export const NETWORK_TESTS = 'test/network/**/*.test.ts';

/** Resolve options shared by all projects, so imports resolve to sources. */
export const sourceResolve = {
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: conditions } },
};

/**
 * The unit-test project of one package or app: `test/**` except the network suites.
 *
 * @example
 * // packages/core/vitest.config.ts
 * export default elaraProject(import.meta.dirname);
 */
export function elaraProject(root, options = {}) {
  return {
    ...sourceResolve,
    test: {
      name: basename(root),
      root,
      include: ['test/**/*.test.ts'],
      exclude: [NETWORK_TESTS, '**/node_modules/**'],
      testTimeout: options.testTimeout ?? 120_000,
      hookTimeout: 60_000,
    },
  };
}

/**
 * The `network` project: every package's real-socket suites, one file at a time, so they
 * never compete for ports, CPU or the shared coturn instance.
 */
export function networkProject(repoRoot) {
  return {
    ...sourceResolve,
    test: {
      name: 'network',
      root: repoRoot,
      include: [
        `packages/*/${NETWORK_TESTS}`,
        `apps/*/${NETWORK_TESTS}`,
        `tooling/*/${NETWORK_TESTS}`,
      ],
      exclude: ['**/node_modules/**'],
      fileParallelism: false,
      maxWorkers: 1,
      testTimeout: 120_000,
      hookTimeout: 120_000,
    },
  };
}
