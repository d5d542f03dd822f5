import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // A suite-wide TMPDIR, removed at the end (test/globalSetup.ts).
    globalSetup: ['test/globalSetup.ts'],
    // Integration tests start real processes and servers; one file at a time keeps
    // their timing honest on a 2-core machine.
    fileParallelism: false,
    testTimeout: 180_000,
    // Nothing leaves the machine: the Docker daemon is asked about registries on
    // 127.0.0.1 only (the pull tests run their own); Docker Hub is never looked up.
    env: { SESSION_BENCH_REGISTRIES: 'loopback' },
    hookTimeout: 180_000,
    // CI also keeps a JSON report, from which .ci/run prints "N passed, N failed".
    reporters: process.env.VITEST_JSON_REPORT
      ? ['default', ['json', { outputFile: process.env.VITEST_JSON_REPORT }]]
      : ['default'],
  },
});
