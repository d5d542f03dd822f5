import { existsSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

/**
 * Files that run alone, after all the others: they measure how fast this machine is
 * (a rate held, a knee, a neighbour's cost, CPU figures) or bound how long the CLI
 * takes to stop, and a second test file beside them would be part of what they measure.
 */
const ALONE = [
  'test/integration/app-client.test.ts',
  'test/integration/capacity.test.ts',
  'test/integration/coordinated-omission.test.ts',
  'test/integration/docker-unanswered.test.ts',
  'test/integration/fault-proxy.test.ts',
  'test/integration/interrupted-sweep.test.ts',
  'test/integration/interrupts.test.ts',
  'test/integration/neighbor.test.ts',
  'test/integration/parallel.test.ts',
  'test/integration/process-interrupts.test.ts',
  'test/integration/rate-accuracy.test.ts',
  'test/integration/resources.test.ts',
  'test/integration/saturation.test.ts',
  'test/integration/shards.test.ts',
  'test/integration/stall.test.ts',
  'test/integration/unexpected-exit.test.ts',
  'test/integration/workers.test.ts',
];

// A renamed file would otherwise run side by side without a word.
const missing = ALONE.filter((file) => !existsSync(new URL(file, import.meta.url)));
if (missing.length > 0) {
  throw new Error(`vitest.config.ts: ALONE names files that do not exist: ${missing.join(', ')}`);
}

export default defineConfig({
  test: {
    // A suite-wide TMPDIR, removed at the end (test/globalSetup.ts).
    globalSetup: ['test/globalSetup.ts'],
    testTimeout: 180_000,
    // Nothing leaves the machine: the Docker daemon is asked about registries on
    // 127.0.0.1 only (the pull tests run their own); Docker Hub is never looked up.
    env: { SESSION_BENCH_REGISTRIES: 'loopback' },
    hookTimeout: 180_000,
    // CI also keeps a JSON report, from which .ci/run prints "N passed, N failed".
    reporters: process.env.VITEST_JSON_REPORT
      ? ['default', ['json', { outputFile: process.env.VITEST_JSON_REPORT }]]
      : ['default'],
    projects: [
      {
        extends: true,
        test: {
          name: 'side-by-side',
          include: ['test/**/*.test.ts'],
          exclude: ALONE,
          // Two files at a time: an integration file keeps about a quarter of this
          // 2-core machine busy (process-netfaults: 54% of one core over 149 s), and
          // each file's servers, ports, folders and containers are its own.
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'alone',
          include: ALONE,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
