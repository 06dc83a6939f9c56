import { defineConfig } from 'vitest/config';
import { networkProject, sourceResolve } from '@elara/vitest-preset';

// One run for the whole repository: each package's own project plus the serial network one.
export default defineConfig({
  ...sourceResolve,
  test: {
    projects: [
      'packages/*/vitest.config.ts',
      'apps/*/vitest.config.ts',
      'tooling/*/vitest.config.ts',
      networkProject(import.meta.dirname),
    ],
  },
});
