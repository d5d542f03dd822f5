import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { backendOf } from '../../src/backends/registry.js';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/result/result.js';
import type { DockerCleanReport } from '../../src/providers/dockerClean.js';
import { OWNER_LABEL, RUN_ID_LABEL } from '../../src/providers/docker/labels.js';
import { docker, dockerReady, labelled } from '../helpers/docker.js';

const CLI = path.resolve('src/cli/main.ts');
const available = await dockerReady();

const OFFLINE = ['--provider', 'docker', '--image-set', 'offline', '--docker-network', 'host'];
const SMALL = ['--scenario', 'smoke', '--users', '200', '--rate', '100', '--duration', '4s'];

interface Interrupt {
  /** A progress line on stderr to wait for. */
  after: RegExp;
  /** Then wait this long before SIGINT. */
  delayMs: number;
}

interface CliRun {
  pid: number;
  code: number | null;
  stderr: string;
  stdout: string;
  /** The result file written under --out. */
  result?: RunResult;
  interrupted: boolean;
}

async function cli(
  args: string[],
  options: {
    interrupt?: Interrupt;
    env?: NodeJS.ProcessEnv;
    signal?: NodeJS.Signals;
    /** Runs just before the signal is sent, with the run's pid. */
    beforeSignal?: (pid: number) => Promise<void>;
  } = {},
): Promise<CliRun> {
  const out = await mkdtemp(path.join(os.tmpdir(), 'session-bench-docker-cli-'));
  const outFlags = args[0] === 'run' ? ['--out', out] : [];
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args, ...outFlags], {
    stdio: 'pipe',
    env: { ...process.env, ...options.env },
  });
  let stdout = '';
  let stderr = '';
  let interrupted = false;
  child.stdout.on('data', (d: Buffer) => (stdout += d));
  child.stderr.on('data', (d: Buffer) => {
    stderr += d;
    const wanted = options.interrupt;
    if (wanted && !interrupted && wanted.after.test(stderr)) {
      interrupted = true;
      setTimeout(() => {
        void (options.beforeSignal?.(child.pid!) ?? Promise.resolve()).then(() =>
          child.kill(options.signal ?? 'SIGINT'),
        );
      }, wanted.delayMs);
    }
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  const files = await readdir(out);
  const result = files[0]
    ? (JSON.parse(await readFile(path.join(out, files[0]), 'utf8')) as RunResult)
    : undefined;
  return { pid: child.pid!, code, stdout, stderr, result, interrupted };
}

/** Pids of the docker watchdogs a process started (its children running watchdogMain). */
function watchdogsOf(parent: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        return (
          ppid === parent && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('watchdogMain')
        );
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** The run id on the containers a (dead) session-bench process created. */
async function runIdOwnedBy(pid: number): Promise<string> {
  const owner = `${os.hostname()}:${pid}:`;
  const all = await docker.listContainers({ all: true, filters: { label: [RUN_ID_LABEL] } });
  return all.find((c) => c.Labels[OWNER_LABEL]?.startsWith(owner))?.Labels[RUN_ID_LABEL] ?? '';
}

describe.skipIf(!available)('session-bench with docker (CLI)', () => {
  it('a missing image with no registry fails the variant with the offline hint, no stack trace', async () => {
    // A machine without a registry: the tests let the daemon ask none but 127.0.0.1
    // (SESSION_BENCH_REGISTRIES=loopback), so no traffic leaves the machine.
    const run = await cli(
      ['run', '--provider', 'docker', '--backends', 'redis:none', ...SMALL, '--json'],
      { env: { SESSION_BENCH_IMAGE_REDIS: 'registry.invalid/session-bench/absent:1' } },
    );
    expect(run.code, run.stderr).toBe(1);
    const variant = run.result!.results[0]!;
    expect(variant.status).toBe('failed');
    expect(variant.reason).toMatch(/registry\.invalid\/session-bench\/absent:1 is not present/);
    expect(variant.reason).toMatch(/session-bench images build-offline/);
    expect(variant.reason).toMatch(/--image-set offline/);
    expect(run.stderr).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/);
    expect(await labelled(run.result!.runId)).toEqual({
      containers: [],
      volumes: [],
      networks: [],
    });
  });

  it('a SIGKILLed run leaves no container: the watchdog removes them', async () => {
    let runId = '';
    const run = await cli(['run', ...OFFLINE, ...SMALL, '--backends', 'redis:none'], {
      interrupt: { after: /warming up/, delayMs: 0 },
      signal: 'SIGKILL',
      beforeSignal: async (pid) => {
        runId = await runIdOwnedBy(pid);
      },
    });
    expect(run.code).toBe(null);
    expect(runId, run.stderr).toBeTruthy();
    expect((await labelled(runId)).containers.length, 'the run had started its container').toBe(1);
    // No cleanup stack and no exit hook ran; the watchdog saw the pipe close.
    const deadline = performance.now() + 20_000;
    let left = await labelled(runId);
    while (left.containers.length + left.volumes.length > 0 && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      left = await labelled(runId);
    }
    expect(left).toEqual({ containers: [], volumes: [], networks: [] });
  });

  it('clean removes what a SIGKILLed run left behind when its watchdog died too', async () => {
    const run = await cli(['run', ...OFFLINE, ...SMALL, '--backends', 'redis:none,memcached'], {
      interrupt: { after: /warming up/, delayMs: 0 },
      signal: 'SIGKILL',
      // As if the watchdog had died too (e.g. the machine rebooted).
      beforeSignal: async (pid) => {
        for (const watchdog of watchdogsOf(pid)) process.kill(watchdog, 'SIGKILL');
      },
    });
    expect(run.code).toBe(null);
    // Nothing ran its cleanup: the container and volume of the first variant are left.
    const owner = `${os.hostname()}:${run.pid}:`;
    const left = await docker.listContainers({ all: true, filters: { label: [RUN_ID_LABEL] } });
    const mine = left.filter((c) => c.Labels[OWNER_LABEL]?.startsWith(owner));
    expect(mine.map((c) => c.Labels['session-bench.variant'])).toEqual(['redis:none']);
    const runId = mine[0]!.Labels[RUN_ID_LABEL]!;
    expect((await labelled(runId)).volumes).toHaveLength(1);

    const clean = await cli(['clean', '--json']);
    expect(clean.code, clean.stderr).toBe(0);
    const report = JSON.parse(clean.stdout) as { docker: DockerCleanReport };
    const removed = report.docker.removed.filter((i) => i.runId === runId);
    expect(removed.map((i) => i.kind).sort()).toEqual(['container', 'volume']);
    expect(await labelled(runId)).toEqual({ containers: [], volumes: [], networks: [] });
  });

  it('`list` counts the variants docker can start with the offline images present', async () => {
    const run = await cli(['list', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const listing = JSON.parse(run.stdout) as {
      backends: { kind: string; variants: { id: string; providers?: string[] }[] }[];
      providers: { name: string; available: boolean; reason: string }[];
    };
    const servers = listing.backends.flatMap((b) => (b.kind === 'server' ? b.variants : []));
    expect(servers.length).toBeGreaterThan(0);
    // Replicated topologies talk over their members' addresses: docker runs them only
    // with host networking, not on the default bridge that `list` asks about.
    const replicated = (id: string) => backendOf(id).serverSpec!(id, { nodes: 1 }).topology;
    const single = servers.filter((v) => !replicated(v.id));
    expect(single.length).toBeLessThan(servers.length);
    for (const variant of servers) {
      if (replicated(variant.id)) expect(variant.providers, variant.id).not.toContain('docker');
      else expect(variant.providers, variant.id).toContain('docker');
    }
    const dockerLine = listing.providers.find((p) => p.name === 'docker')!;
    expect(dockerLine).toEqual({
      name: 'docker',
      available: true,
      reason: `can start ${single.length} of ${servers.length} server variants here`,
    });
  });

  it('`images list` shows the offline image as present', async () => {
    const run = await cli(['images', 'list', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const listing = JSON.parse(run.stdout) as {
      daemon: string;
      images: { backend: string; imageSet: string; image: string; present: boolean }[];
    };
    expect(listing.daemon).toBe('answers');
    expect(listing.images).toContainEqual({
      backend: 'redis',
      imageSet: 'offline',
      image: 'session-bench/offline:bookworm',
      present: true,
    });
    expect(listing.images).toContainEqual(
      expect.objectContaining({
        backend: 'mysql',
        imageSet: 'official-mysql',
        image: 'mysql:8.4.4',
      }),
    );
  });

  // Ctrl-C at ten moments of a run; each must leave zero labelled containers and
  // volumes, and a result file saying "aborted".
  const moments: { name: string; backends: string; faults?: string[]; interrupt: Interrupt }[] = [
    {
      name: 'as the server starts (image probe)',
      backends: 'redis:none',
      interrupt: { after: /\[redis:none\] starting redis/, delayMs: 0 },
    },
    {
      name: 'while the container is created and started',
      backends: 'redis:none',
      interrupt: { after: /\[redis:none\] starting redis/, delayMs: 900 },
    },
    {
      name: "during MariaDB's data dir initialisation",
      backends: 'mysql',
      interrupt: { after: /\[mysql\] starting mysql/, delayMs: 1_800 },
    },
    {
      name: 'while MariaDB starts',
      backends: 'mysql',
      interrupt: { after: /\[mysql\] starting mysql/, delayMs: 5_000 },
    },
    {
      name: 'as the app starts',
      backends: 'memcached',
      interrupt: { after: /starting the app/, delayMs: 0 },
    },
    {
      name: 'during the warm-up',
      backends: 'redis:aof-always',
      interrupt: { after: /warming up/, delayMs: 50 },
    },
    {
      name: 'during the load',
      backends: 'redis:none',
      interrupt: { after: /warming up/, delayMs: 1_500 },
    },
    {
      name: 'while a killed node restarts',
      backends: 'redis:aof-always',
      faults: ['kill:node0@1s'],
      interrupt: { after: /warming up/, delayMs: 1_550 },
    },
    {
      name: 'while a node is paused',
      backends: 'memcached',
      faults: ['pause:node0@1s:2s'],
      interrupt: { after: /warming up/, delayMs: 2_000 },
    },
    {
      name: 'during the final sweep',
      backends: 'redis:none',
      interrupt: { after: /final sweep/, delayMs: 0 },
    },
  ];

  it.each(moments)('Ctrl-C $name leaves no container and an aborted result', async (moment) => {
    const faults = (moment.faults ?? []).flatMap((f) => ['--fault', f]);
    const run = await cli(['run', ...OFFLINE, ...SMALL, '--backends', moment.backends, ...faults], {
      interrupt: moment.interrupt,
    });
    expect(run.interrupted, `never saw ${moment.interrupt.after}:\n${run.stderr}`).toBe(true);
    expect(run.code, run.stderr).toBe(130);
    expect(run.result, run.stderr).toBeDefined();
    expect(run.result!.status).toBe('aborted');
    expect(await labelled(run.result!.runId)).toEqual({
      containers: [],
      volumes: [],
      networks: [],
    });
  });
});
