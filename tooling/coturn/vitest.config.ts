import { defineConfig } from 'vitest/config';
import { elaraProject } from '@elara/vitest-preset';

export default defineConfig(elaraProject(import.meta.dirname));
