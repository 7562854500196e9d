import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the sources, not dist, so `npm test` needs no build.
    alias: {
      '@emporia/core': src('core'),
      '@emporia/adapters': src('adapters'),
      '@emporia/http': src('http'),
      '@emporia/cli': src('cli'),
    },
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'examples/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // vitest's default is one worker fewer than the cores: one on a 2-core machine, where most of a
    // test file's time is spent waiting on a database, a child process or a browser. Two files at
    // once keep both cores busy (VITEST_MAX_WORKERS or --maxWorkers overrides it).
    maxWorkers: 2,
    globalSetup: ['./test/support/global-setup.ts'],
  },
});
