import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: image tests are CPU-bound, more workers only thrash.
    maxWorkers: 2,
    reporters: ['default', './test/_summary-reporter.ts'],
  },
});
