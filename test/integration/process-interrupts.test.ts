import { readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AppProcess } from '../../src/app/appProcess.js';
import { memoryBackend } from '../../src/backends/memory.js';
import { mysqlBackend } from '../../src/backends/mysql.js';
import { redisBackend } from '../../src/backends/redis.js';
import { InterruptedError } from '../../src/errors.js';
import { EventLog } from '../../src/lifecycle/eventLog.js';
import { freePort } from '../../src/lifecycle/freePort.js';
import { sleep } from '../../src/lifecycle/sleep.js';
import { findBinary, processProvider } from '../../src/providers/process.js';
import { PID_FILE_NAME, ProcessNode } from '../../src/providers/processNode.js';
import { isGone, missingServers, skipServerTests } from '../helpers/processServers.js';

const missing = await missingServers([['redis-server'], ['mariadbd', 'mysqld']]);

/** Everything a test started, stopped whatever happens. */
const stops: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (stops.length) await stops.pop()!();
});

interface Target {
  node: ProcessNode | AppProcess;
  events: EventLog;
  controller: AbortController;
  dir: string;
}

async function redisNode(ready?: () => Promise<void>): Promise<Target> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sb-interrupt-'));
  const port = await freePort();
  const spec = redisBackend.serverSpec!('redis:none', { nodes: 1 });
  const events = new EventLog();
  const controller = new AbortController();
  const node = new ProcessNode({
    name: 'node0',
    binary: (await findBinary(['redis-server']))!,
    args: spec.args({ index: 0, port, dataDir: dir, runDir: dir }, 'redis-server'),
    port,
    wrapper: [],
    nodeDir: dir,
    ready: ready ?? (() => spec.ready(`127.0.0.1:${port}`, {})),
    stopSignal: 'SIGTERM',
    startTimeoutMs: 20_000,
    restartInNextSecond: false,
    events,
    signal: controller.signal,
  });
  stops.push(
    () => rm(dir, { recursive: true, force: true }),
    () => node.stop(),
  );
  return { node, events, controller, dir };
}

async function app(): Promise<Target> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sb-interrupt-app-'));
  const events = new EventLog();
  const controller = new AbortController();
  const node = new AppProcess(
    'app0',
    {
      port: await freePort(),
      storeModule: memoryBackend.storeModule.href,
      store: { variant: 'memory', ttlMs: 3_600_000, secret: 'test', dataDir: dir },
      payloadBytes: 64,
      storeTimeoutMs: 2_000,
    },
    events,
    controller.signal,
  );
  stops.push(
    () => rm(dir, { recursive: true, force: true }),
    () => node.stop(),
  );
  return { node, events, controller, dir };
}

/** The call's error (or 'resolved') and how long it took. */
async function timed(call: Promise<unknown>): Promise<{ error: unknown; tookMs: number }> {
  const startMs = performance.now();
  const error = await call.then(
    () => 'resolved',
    (e: unknown) => e,
  );
  return { error, tookMs: performance.now() - startMs };
}

const starts = (events: EventLog) => events.events.filter((e) => e.event === 'start').length;

/** "T" while stopped by SIGSTOP (field 3 of /proc/<pid>/stat). */
function processState(pid: number): string | undefined {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
}

/** Pids whose command line names `text`. */
function processesMentioning(text: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text);
      } catch {
        return false;
      }
    })
    .map(Number);
}

const targets = [
  ['a redis-server node', redisNode],
  ['the app', app],
] as const;

describe.skipIf(skipServerTests(missing))('after an interrupt nothing is started again', () => {
  for (const [what, make] of targets) {
    for (const fault of ['kill', 'restart'] as const) {
      it(`${what}: a ${fault} whose target is down when the run aborts leaves it down`, async () => {
        const { node, events, controller } = await make();
        await node.start();
        const pid = node.pid!;
        const { error, tookMs } = await timed(node[fault](() => controller.abort()));
        expect(error).toBeInstanceOf(InterruptedError);
        expect((error as Error).message).toMatch(/not started again: the run was interrupted/);
        expect(tookMs).toBeLessThan(3_000);
        expect(starts(events)).toBe(1);
        expect(isGone(pid)).toBe(true);
        expect(node.pid).toBe(pid);
        await node.stop();
        expect(starts(events)).toBe(1);
      });
    }

    it(`${what}: a 60 s pause ends at once on an interrupt, with the target resumed`, async () => {
      const { node, events, controller } = await make();
      await node.start();
      const pausing = timed(node.pause(60_000));
      await sleep(200);
      expect(processState(node.pid!)).toBe('T');
      controller.abort();
      const { error, tookMs } = await pausing;
      expect(error).toBeInstanceOf(InterruptedError);
      expect(tookMs).toBeLessThan(3_000);
      expect(processState(node.pid!)).not.toBe('T');
      expect(events.events.map((e) => e.event)).toEqual(['start', 'ready', 'paused', 'resumed']);
    });

    it(`${what}: a start in progress gives up at once, and none begins after`, async () => {
      const { node, events, controller } = await make();
      const starting = timed(node.start());
      // Before the first readiness answer: redis-server can be ready within 30 ms, and a
      // finished start is not what this case is about.
      await sleep(0);
      controller.abort();
      const { error, tookMs } = await starting;
      expect(error).toBeInstanceOf(InterruptedError);
      expect((error as Error).message).toMatch(/interrupted while starting/);
      expect(tookMs).toBeLessThan(3_000);
      await expect(node.start()).rejects.toBeInstanceOf(InterruptedError);
      expect(starts(events)).toBe(1);
    });
  }

  it('a redis node that never answers is given up within 1 s of the interrupt, pid file removed', async () => {
    const { node, controller, dir } = await redisNode(() => Promise.reject(new Error('not yet')));
    const starting = timed(node.start());
    await sleep(500);
    const pid = node.pid!;
    controller.abort();
    const { error, tookMs } = await starting;
    expect(error).toBeInstanceOf(InterruptedError);
    expect(tookMs).toBeLessThan(3_500);
    expect(isGone(pid)).toBe(true);
    expect(await readdir(dir)).not.toContain(PID_FILE_NAME);
  });
});

describe.skipIf(skipServerTests(missing))('an interrupted MariaDB start', () => {
  it('stops its data-dir initialisation at once, and starts no server', async () => {
    const workDir = await mkdtemp(path.join(os.tmpdir(), 'sb-interrupt-mysql-'));
    stops.push(() => rm(workDir, { recursive: true, force: true }));
    const events = new EventLog();
    const controller = new AbortController();
    const starting = timed(
      processProvider.start(mysqlBackend.serverSpec!('mysql', { nodes: 1 }), {
        runId: 'interrupt-test',
        workDir,
        events,
        signal: controller.signal,
      }),
    );
    while (!events.events.some((e) => e.event === 'prepare')) await sleep(10);
    await sleep(300);
    const abortedAtMs = performance.now();
    controller.abort();
    const { error } = await starting;
    expect(error).toBeInstanceOf(InterruptedError);
    expect(performance.now() - abortedAtMs).toBeLessThan(1_500);
    expect(events.events.map((e) => e.event)).toEqual(['prepare']);
    // The bootstrap mariadbd that mariadb-install-db started is gone with it.
    await sleep(100);
    expect(processesMentioning(workDir)).toEqual([]);
  });
});

describe.skipIf(skipServerTests(missing))('a child that dies unasked is a "died" event', () => {
  for (const [what, make] of targets) {
    it(`${what}: killed from outside -> died with its signal; a planned kill -> none`, async () => {
      const { node, events } = await make();
      await node.start();
      await node.kill();
      expect(events.events.filter((e) => e.event === 'died')).toEqual([]);
      process.kill(node.pid!, 'SIGKILL');
      for (let i = 0; i < 100 && !events.events.some((e) => e.event === 'died'); i++)
        await sleep(20);
      expect(events.events.filter((e) => e.event === 'died')).toEqual([
        { tMs: expect.any(Number), target: node.name, event: 'died', detail: 'SIGKILL' },
      ]);
    });
  }
});
