import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/**
 * One temporary folder for the whole suite: every test (and every session-bench run or
 * server a test starts, which inherit TMPDIR) writes below it, and it is removed when
 * the suite ends, so a run of the tests leaves nothing in the machine's /tmp.
 */
const SUITE_DIR = 'SESSION_BENCH_TEST_SUITE_DIR';

// A short name: server sockets live below it, and a socket's path has at most 107 bytes.
export default async function setup(): Promise<() => Promise<void>> {
  // Each project of vitest.config.ts runs this, in one process: the first makes the
  // folder, the others share it (not one below the other, which lengthens every path).
  if (process.env[SUITE_DIR]) return async () => {};
  const suiteDir = await mkdtemp(path.join(os.tmpdir(), 'sbt-'));
  process.env[SUITE_DIR] = suiteDir;
  // Servers that refuse root (PostgreSQL) run as an unprivileged user and must reach
  // their data folders below it: open to all, sticky like /tmp itself.
  await chmod(suiteDir, 0o1777);
  process.env.TMPDIR = suiteDir;
  return async () => {
    await rm(suiteDir, { recursive: true, force: true });
    delete process.env[SUITE_DIR];
  };
}
