import { defineConfig } from 'vitest/config';

/**
 * The test set `npm run mutate` runs against each mutant: the unit tests of the mapping-heavy modules named in
 * stryker.config.json, nothing that starts a server or decodes photos (Stryker runs them once per mutant).
 * MASKEDIT_MUTATE=1 shrinks the property tests' case counts (they still run, on fewer random cases).
 */
export default defineConfig({
  test: {
    include: [
      'test/core/codes.test.ts',
      'test/server/errors.test.ts',
      'test/server/edit-options.test.ts',
      'test/providers/errors.test.ts',
      'test/providers/_openai.test.ts',
      'test/core/edit-math.test.ts',
      'test/cli/options.test.ts',
      'test/core/choices.test.ts',
      'test/cli/options-generic.test.ts',
      'test/core/doctor.test.ts',
      'test/core/doctor-messages.test.ts',
      'test/core/sizing.test.ts',
      'test/core/size-rule.test.ts',
      'test/core/edt.test.ts',
    ],
    env: { MASKEDIT_MUTATE: '1' },
    testTimeout: 60_000,
    maxWorkers: 1,
  },
});
