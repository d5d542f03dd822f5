import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ExternalApp } from '../../src/app/externalApp.js';
import { checkHealth } from '../../src/app/healthCheck.js';
import { EventLog } from '../../src/lifecycle/eventLog.js';
import { freePort } from '../../src/lifecycle/freePort.js';
import type { RunResult, VariantResult } from '../../src/result/result.js';
import { runCli, sleep, until } from '../helpers/cliProcess.js';
import { isGone, missingServers, skipServerTests } from '../helpers/processServers.js';

const EXAMPLE_APP = path.resolve('examples/own-app/server.mjs');
const missing = await missingServers([['redis-server']]);
const LOAD = ['--scenario', 'smoke', '--faults', 'none', '--duration', '6s', '--quiet'];

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'own-app-test-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function listens(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function killListed(pidFile: string): Promise<void> {
  for (const pid of await pidsIn(pidFile)) {
    if (!isGone(pid)) process.kill(pid, 'SIGKILL');
  }
}

/** The example app behind a shell that stays its parent; node's pid goes to $PIDS. */
const BEHIND_A_SHELL = `node ${EXAMPLE_APP} & echo $! >> "$PIDS"; wait`;

async function pidsIn(pidFile: string): Promise<number[]> {
  const text = await readFile(pidFile, 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean).map(Number);
}

/** The pids app0 was started with, from the event log (the shell, for --app-command). */
function appStartPids(result: VariantResult): number[] {
  return result.events
    .filter((e) => e.target === 'app0' && e.event === 'start')
    .map((e) => Number(/pid (\d+)/.exec(e.detail ?? '')?.[1]));
}

describe('your own app behind --app-url', () => {
  it.skipIf(skipServerTests(missing))(
    '--app-command: session-bench starts the example app, a kill:app kills and restarts it, nothing stays',
    async () => {
      const dir = await tempDir();
      const port = await freePort();
      // Should the test fail, the apps it made are ended by their pids, not left behind.
      cleanups.push(() => killListed(path.join(dir, 'pids')));
      // `& wait`: the shell stays the parent, so a kill that reached only the shell would
      // leave node on the port (the restart would then refuse to start over it).
      const command =
        `env | grep -E '^(PORT|SESSION_BENCH_)' | sort >> "$OWN_APP_DIR/env"; ` +
        `node ${EXAMPLE_APP} & echo $! >> "$OWN_APP_DIR/pids"; wait`;
      const run = await runCli(
        [
          'run',
          ...LOAD,
          '--backends',
          'memory,redis',
          '--provider',
          'process',
          '--app-url',
          `http://127.0.0.1:${port}`,
          '--app-command',
          command,
          '--fault',
          'kill:app@3s',
          '--out',
          dir,
          '--json',
        ],
        { env: { OWN_APP_DIR: dir }, timeoutMs: 45_000 },
      );
      expect(run.code, run.stderr).toBe(0);
      const result = JSON.parse(run.stdout) as RunResult;
      expect(result.scenario.app).toMatchObject({ flavour: 'external', command });
      for (const variant of result.results) {
        expect(variant.status, variant.reason).toBe('completed');
        expect(variant.app).toEqual({ flavour: 'external', options: {}, packages: [] });
        const [fault] = variant.faults;
        expect(fault?.status, fault?.reason).toBe('done');
        // The example keeps sessions in its memory: the kill logs out whoever was logged in.
        expect(fault?.loggedOutUsers).toBeGreaterThan(0);
        expect(variant.requests.ok).toBeGreaterThan(300);
        const events = variant.events.filter((e) => e.target === 'app0').map((e) => e.event);
        // Our memory store's documented loss says nothing of the user's app.
        expect(fault?.expectation).toBeUndefined();
        expect(events).toEqual([
          'start',
          'ready',
          'fault kill',
          'kill',
          'exited',
          'start',
          'ready',
          'stop',
          'exited',
        ]);
      }
      // Two variants, each started once and once more after the kill: every process is gone.
      const nodePids = (await readFile(path.join(dir, 'pids'), 'utf8'))
        .trim()
        .split('\n')
        .map(Number);
      const shellPids = result.results.flatMap(appStartPids);
      expect(nodePids).toHaveLength(4);
      expect(shellPids).toHaveLength(4);
      for (const pid of [...nodePids, ...shellPids]) expect(isGone(pid), `pid ${pid}`).toBe(true);
      expect(await listens(port)).toBe(false);
      // The app learns where the store session-bench started listens.
      const env = await readFile(path.join(dir, 'env'), 'utf8');
      expect(env).toContain(`PORT=${port}\n`);
      expect(env).toContain('SESSION_BENCH_BACKEND=memory\n');
      expect(env).toMatch(/SESSION_BENCH_BACKEND=redis\n/);
      expect(env).toMatch(/SESSION_BENCH_STORE_ENDPOINTS=127\.0\.0\.1:\d+\n/);
    },
    60_000,
  );

  it('--app-url alone: an app fault is skipped with the reason, the app keeps running', async () => {
    const dir = await tempDir();
    const port = await freePort();
    const app = spawn(process.execPath, [EXAMPLE_APP], {
      env: { ...process.env, PORT: String(port) },
      stdio: 'ignore',
    });
    cleanups.push(() => app.kill('SIGKILL'));
    await until(() => listens(port), 10_000);
    const run = await runCli([
      'run',
      ...LOAD,
      '--backends',
      'memory',
      '--app-url',
      `http://localhost:${port}`,
      '--fault',
      'kill:app@2s',
      '--out',
      dir,
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/kill:app@2s will be skipped/);
    const [variant] = (JSON.parse(run.stdout) as RunResult).results;
    expect(variant?.status).toBe('completed');
    const [fault] = variant!.faults;
    expect(fault?.status).toBe('skipped');
    expect(fault?.reason).toMatch(
      /app0 is your app at http:\/\/localhost:\d+, not started by session-bench: give --app-command/,
    );
    expect(variant!.audit.loggedOutUsers).toBe(0);
    expect(app.exitCode).toBeNull();
    expect(await listens(port)).toBe(true);
  }, 60_000);

  it.each([
    [
      ['--app-url', 'http://10.0.0.1:3000'],
      /app\.url \(--app-url\): 10\.0\.0\.1 is not this machine's loopback.*allowed: http:\/\/127\.0\.0\.1:<port>/,
    ],
    [
      ['--app', 'builtin', '--app-url', 'http://127.0.0.1:3000'],
      /app\.flavour \(--app\): flavour builtin and app\.url \(--app-url\) both given/,
    ],
  ])('refuses %j before the run (exit 2, naming the field)', async (args, message) => {
    const run = await runCli([
      'run',
      '--backends',
      'memory',
      ...args,
      '--quiet',
      '--out',
      os.tmpdir(),
    ]);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  it('pause, restart and kill reach the app behind its shell; stop leaves nothing', async () => {
    const dir = await tempDir();
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const pids = path.join(dir, 'pids');
    cleanups.push(() => killListed(pids));
    const events = new EventLog();
    const app = new ExternalApp(
      'app0',
      {
        url,
        host: '127.0.0.1',
        port,
        command: BEHIND_A_SHELL,
        env: { PORT: String(port), PIDS: pids },
      },
      events,
    );
    cleanups.push(() => app.stop());
    await app.start();
    const paused = app.pause(800);
    await sleep(100);
    await expect(checkHealth(url, 300)).rejects.toThrow(/no answer within 300 ms/);
    await paused;
    await checkHealth(url, 2_000);
    await app.restart();
    await checkHealth(url, 2_000);
    await app.kill();
    await checkHealth(url, 2_000);
    await app.stop();
    const started = await pidsIn(pids);
    expect(started).toHaveLength(3);
    for (const pid of started) expect(isGone(pid), `pid ${pid}`).toBe(true);
    expect(await listens(port)).toBe(false);
  }, 30_000);

  /** A run of your app behind a shell, sent `signal` 2 s after the app's shell started. */
  async function signalledDuringLoad(signal: NodeJS.Signals) {
    const dir = await tempDir();
    const port = await freePort();
    const pids = path.join(dir, 'pids');
    cleanups.push(() => killListed(pids));
    const run = await runCli(
      [
        'run',
        ...LOAD,
        '--backends',
        'memory',
        '--app-url',
        `http://127.0.0.1:${port}`,
        '--app-command',
        BEHIND_A_SHELL,
        '--out',
        dir,
      ],
      {
        env: { PIDS: pids },
        timeoutMs: 30_000,
        signalAfter: {
          signal,
          when: async () => {
            await until(async () => (await pidsIn(pids)).length > 0);
            await sleep(2_000);
          },
        },
      },
    );
    return { run, pids, port };
  }

  it('Ctrl-C during the load stops your app and everything its shell started', async () => {
    const { run, pids, port } = await signalledDuringLoad('SIGINT');
    expect(run.code, run.stderr).toBe(130);
    const started = await pidsIn(pids);
    expect(started).toHaveLength(1);
    expect(isGone(started[0]!)).toBe(true);
    expect(await listens(port)).toBe(false);
  }, 40_000);

  it('session-bench SIGKILLed: its guard kills your app and what its shell started', async () => {
    const { run, pids, port } = await signalledDuringLoad('SIGKILL');
    expect(run.signal).toBe('SIGKILL');
    const [pid] = await pidsIn(pids);
    await until(async () => isGone(pid!) && !(await listens(port)), 10_000);
  }, 40_000);

  it('a command that fails, or a port already taken, fails the start with the reason', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const options = { url, host: '127.0.0.1', port, env: { PORT: String(port) } };
    const failing = new ExternalApp(
      'app0',
      { ...options, command: 'echo no store here >&2; exit 3' },
      new EventLog(),
    );
    const failed = await failing.start().catch((error: unknown) => error);
    expect(String(failed)).toMatch(/exited \(code 3\) while starting on http:\/\/127\.0\.0\.1:\d+/);
    expect((failed as { logTail: string[] }).logTail).toContain('no store here');
    const squatter = net.createServer().listen(port, '127.0.0.1');
    cleanups.push(() => new Promise((resolve) => squatter.close(resolve)));
    await until(() => listens(port), 5_000);
    const second = new ExternalApp(
      'app0',
      { ...options, command: `node ${EXAMPLE_APP}` },
      new EventLog(),
    );
    await expect(second.start()).rejects.toThrow(
      /something already listens on http:\/\/127\.0\.0\.1:\d+/,
    );
  });
});
