import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The studio's web app imports maskedit as `maskedit/client` (web/vite.config.ts has the same alias).
  resolve: { alias: { 'maskedit/client': fileURLToPath(new URL('./src/client.ts', import.meta.url)) } },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: image tests are CPU-bound, more workers only thrash.
    maxWorkers: 2,
    reporters: ['default', './test/_summary-reporter.ts'],
  },
});
