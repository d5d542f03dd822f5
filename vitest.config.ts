import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests start real processes and servers; one file at a time keeps
    // their timing honest on a 2-core machine.
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // CI also keeps a JSON report, from which .ci/run prints "N passed, N failed".
    reporters: process.env.VITEST_JSON_REPORT
      ? ['default', ['json', { outputFile: process.env.VITEST_JSON_REPORT }]]
      : ['default'],
  },
});
