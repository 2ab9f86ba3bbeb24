import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    // Two cores on CI: forks keep WASM instances and memory isolated per file.
    pool: 'forks',
  },
});
