import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { redisBackend } from '../../src/backends/redis.js';
import { RuntimeError } from '../../src/errors.js';
import { sleep } from '../../src/lifecycle/sleep.js';
import { EventLog } from '../../src/lifecycle/eventLog.js';
import { freePort } from '../../src/lifecycle/freePort.js';
import { findBinary } from '../../src/providers/process.js';
import { cleanLeftovers } from '../../src/providers/processLeftovers.js';
import { processStartTime } from '../../src/lifecycle/runOwner.js';
import { PID_FILE_NAME, ProcessNode, type PidFile } from '../../src/providers/processNode.js';
import {
  SHORT_LOAD,
  expectNobodyLost,
  expectServersGone,
  isGone,
  missingServers,
  skipServerTests,
} from '../helpers/processServers.js';
import { resultFor, runSmoke } from '../helpers/runScenario.js';

const missing = await missingServers([['redis-server'], ['memcached']]);
const CLI = path.resolve('src/cli/main.ts');

/** Folders and processes a test made, removed whatever happens. */
const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  // A child of a SIGKILLed run may still be writing (tsx cache under TMPDIR) as it exits.
  cleanups.push(() => rm(dir, { recursive: true, force: true, maxRetries: 5 }));
  return dir;
}

function track(child: ChildProcess): ChildProcess {
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return child;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, ms = 20_000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** session-bench folders in a temp root (tsx keeps its own cache there too). */
async function runFolders(root: string): Promise<string[]> {
  return (await readdir(root)).filter((name) => name.startsWith('session-bench-')).sort();
}

/** Runs with PATH changed (the provider looks binaries up on each start). */
async function withPath<T>(value: string, run: () => Promise<T>): Promise<T> {
  const saved = process.env.PATH;
  process.env.PATH = value;
  try {
    return await run();
  } finally {
    process.env.PATH = saved;
  }
}

describe.skipIf(skipServerTests(missing))(
  'process provider: faults, bad configuration, crashes',
  () => {
    it('has redis-server and memcached installed', () => {
      expect(missing, 'install them with .ci/setup-servers.sh').toEqual([]);
    });

    it('a 2 s pause of a node shows in unavailableMs and the latency tail, and loses nobody', async () => {
      const run = await runSmoke({
        ...SHORT_LOAD,
        backends: 'redis,memcached',
        faults: ['pause:node0@1500ms:2s'],
      });
      for (const variant of ['redis', 'memcached']) {
        const result = resultFor(run, variant);
        const pause = result.faults[0]!;
        expect(pause.status, variant).toBe('done');
        expect(pause.unavailableMs, variant).toBeGreaterThan(1000);
        expect(result.latencyUs.max, variant).toBeGreaterThan(1_000_000);
        expect(result.latencyUs.p99, variant).toBeGreaterThan(500_000);
        expect(result.events.map((e) => e.event)).toEqual(
          expect.arrayContaining(['paused', 'resumed']),
        );
        expectNobodyLost(result);
        expectServersGone(result);
      }
    });

    it('a server that exits at start, or a missing binary, fails that variant; the others run', async () => {
      const fakeBin = await tempDir('sb-fake-bin-');
      await writeFile(
        path.join(fakeBin, 'redis-server'),
        '#!/bin/sh\n' +
          'if [ "$1" = --version ]; then echo "Redis server v=9.9.9 sha=0"; exit 0; fi\n' +
          'echo "FATAL fake redis: cannot open the data dir" >&2\nexit 3\n',
      );
      await chmod(path.join(fakeBin, 'redis-server'), 0o755);
      const exits = await withPath(`${fakeBin}${path.delimiter}${process.env.PATH}`, () =>
        runSmoke({ ...SHORT_LOAD, duration: '2s', backends: 'redis,memcached' }),
      );
      const redis = exits.results.find((r) => r.variant === 'redis')!;
      expect(redis.status).toBe('failed');
      expect(redis.reason).toMatch(/node0: redis-server exited \(code 3\) while starting/);
      expect(redis.logTail).toContain('FATAL fake redis: cannot open the data dir');
      expect(resultFor(exits, 'memcached').requests.ok).toBeGreaterThan(200);

      const emptyBin = await tempDir('sb-empty-bin-');
      const absent = await withPath(emptyBin, () =>
        runSmoke({ ...SHORT_LOAD, duration: '2s', backends: 'memcached,memory' }),
      );
      const memcached = absent.results.find((r) => r.variant === 'memcached')!;
      expect(memcached.status).toBe('failed');
      expect(memcached.reason).toMatch(/memcached not found on PATH/);
      expect(resultFor(absent, 'memory').requests.ok).toBeGreaterThan(200);
    });

    it('a port already taken fails the start with the server own words, and nothing stays', async () => {
      const holder = createServer();
      holder.listen(0, '127.0.0.1');
      await once(holder, 'listening');
      cleanups.push(() => holder.close());
      const port = (holder.address() as { port: number }).port;
      const dir = await tempDir('sb-port-');
      const placement = { index: 0, port, dataDir: dir, runDir: dir };
      const spec = redisBackend.serverSpec!('redis:none', { nodes: 1 });
      const node = new ProcessNode({
        name: 'node0',
        binary: (await findBinary(['redis-server']))!,
        args: spec.args(placement, 'redis-server'),
        port,
        wrapper: [],
        nodeDir: dir,
        ready: () => spec.ready(`127.0.0.1:${port}`, {}),
        stopSignal: 'SIGTERM',
        startTimeoutMs: 10_000,
        restartInNextSecond: false,
        events: new EventLog(),
      });
      const error = await node.start().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RuntimeError);
      expect((error as RuntimeError).message).toMatch(/exited \(code 1\) while starting/);
      expect((error as RuntimeError).logTail.join('\n')).toMatch(/Address already in use/);
      expect(await readdir(dir)).not.toContain(PID_FILE_NAME);
    });

    it('clean kills a leftover server (only if its pid still is that server) and removes its run folder', async () => {
      const root = await tempDir('sb-clean-root-');
      const redisBinary = (await findBinary(['redis-server']))!;
      // An owner that is certainly dead: a process that has exited.
      const gone = spawn('true');
      await once(gone, 'exit');
      const deadOwner = { pid: gone.pid!, startTime: 1 };

      const nodeDir = path.join(
        root,
        'session-bench-20200101T000000-abcdef-left1',
        'redis-x',
        'node0',
      );
      await mkdir(nodeDir, { recursive: true });
      const leftover = track(
        spawn(
          redisBinary,
          [
            '--port',
            String(await freePort()),
            '--bind',
            '127.0.0.1',
            '--save',
            '',
            '--dir',
            nodeDir,
          ],
          {
            stdio: 'ignore',
            detached: true,
          },
        ),
      );
      const impostor = track(spawn('sleep', ['60'], { stdio: 'ignore' }));
      await sleep(200);
      const record = (pid: number): PidFile => ({
        pid,
        binary: redisBinary,
        port: 1,
        startTime: processStartTime(pid),
        owner: deadOwner,
      });
      await writeFile(path.join(nodeDir, PID_FILE_NAME), JSON.stringify(record(leftover.pid!)));
      const otherNode = path.join(path.dirname(nodeDir), 'node1');
      await mkdir(otherNode);
      // A pid file whose pid is now another program: clean must leave it alone.
      await writeFile(
        path.join(otherNode, PID_FILE_NAME),
        JSON.stringify({ ...record(impostor.pid!), startTime: undefined }),
      );
      // A folder of a run still in progress (this process is its owner).
      const live = path.join(root, 'session-bench-20200101T000001-abcdef-live1');
      await mkdir(live);
      await writeFile(
        path.join(live, 'owner.json'),
        JSON.stringify({ pid: process.pid, startTime: processStartTime(process.pid) }),
      );

      const dry = await cleanLeftovers({ roots: [root], dryRun: true });
      expect(dry.find((o) => o.dir.endsWith('left1'))?.action).toBe('would remove');
      expect(isGone(leftover.pid!)).toBe(false);

      const outcomes = await cleanLeftovers({ roots: [root] });
      const left = outcomes.find((o) => o.dir.endsWith('left1'))!;
      expect(left.action).toBe('removed');
      expect(left.killed).toEqual([{ pid: leftover.pid, binary: redisBinary }]);
      expect(left.spared).toEqual([
        { pid: impostor.pid, binary: redisBinary, why: 'the pid now belongs to another process' },
      ]);
      expect(left.problems).toEqual([]);
      expect(isGone(leftover.pid!)).toBe(true);
      expect(isGone(impostor.pid!)).toBe(false);
      const kept = outcomes.find((o) => o.dir.endsWith('live1'))!;
      expect(kept.action).toBe('kept');
      expect(kept.reason).toContain(`pid ${process.pid}`);
      expect((await readdir(root)).sort()).toEqual(['session-bench-20200101T000001-abcdef-live1']);
    });

    it('servers die with a SIGKILLed session-bench, and `clean` removes the folder it left', async () => {
      const root = await tempDir('sb-crash-root-');
      const out = await tempDir('sb-crash-out-');
      const cli = track(
        spawn(
          process.execPath,
          [
            '--import',
            'tsx',
            CLI,
            'run',
            '--provider',
            'process',
            '--backends',
            'redis:none',
          ].concat(['--scenario', 'smoke', '--duration', '60s', '--quiet', '--out', out]),
          { env: { ...process.env, TMPDIR: root }, stdio: 'ignore' },
        ),
      );
      const pidFile = await waitFor('a pid file of the run', async () => {
        const runs = await runFolders(root);
        for (const run of runs) {
          const variants = await readdir(path.join(root, run)).catch(() => []);
          for (const variant of variants) {
            const file = path.join(root, run, variant, 'node0', PID_FILE_NAME);
            const text = await readFile(file, 'utf8').catch(() => undefined);
            if (text) return JSON.parse(text) as PidFile;
          }
        }
        return undefined;
      });
      expect(pidFile.owner.pid).toBe(cli.pid);
      expect(isGone(pidFile.pid)).toBe(false);

      cli.kill('SIGKILL');
      await waitFor('redis-server to die with session-bench', async () =>
        isGone(pidFile.pid) ? true : undefined,
      );
      const [outcome] = await cleanLeftovers({ roots: [root] });
      expect(outcome).toMatchObject({ action: 'removed', killed: [], problems: [] });
      expect(await runFolders(root)).toEqual([]);
    });

    it('`session-bench clean --dry-run --json` reports without touching anything', async () => {
      const root = await tempDir('sb-clean-cli-');
      await mkdir(path.join(root, 'session-bench-20200101T000002-abcdef-old1'));
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', CLI, 'clean', '--dry-run', '--json'],
        {
          env: { ...process.env, TMPDIR: root },
        },
      );
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d));
      const [code] = (await once(child, 'exit')) as [number];
      expect(code).toBe(0);
      const report = JSON.parse(stdout) as { process: { dir: string; action: string }[] };
      const mine = report.process.filter((o) => o.dir.startsWith(root));
      // No owner recorded and just created: a run may be starting in it.
      expect(mine).toEqual([
        expect.objectContaining({
          dir: path.join(root, 'session-bench-20200101T000002-abcdef-old1'),
          action: 'kept',
        }),
      ]);
      expect(await runFolders(root)).toEqual(['session-bench-20200101T000002-abcdef-old1']);
    });
  },
);
