import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { OFFLINE_IMAGE } from '../../src/providers/dockerImages.js';
import type { RunResult } from '../../src/result/result.js';
import { dockerReady } from '../helpers/docker.js';

const run = promisify(execFile);
const CLI = path.resolve('src/cli/main.ts');
const PROJECT = 'session-bench-test';

/** `docker compose` (v2 plugin) or `docker-compose` (v1, Debian's package), whichever is here. */
async function composeCommand(): Promise<string[] | undefined> {
  for (const command of [['docker', 'compose'], ['docker-compose']]) {
    try {
      await run(command[0]!, [...command.slice(1), 'version']);
      return command;
    } catch {
      // try the next one
    }
  }
  return undefined;
}

const dockerOk = await dockerReady();
const compose = dockerOk ? await composeCommand() : undefined;
if (dockerOk && !compose && process.env.CI) {
  throw new Error('docker compose / docker-compose is missing (.ci/setup-docker.sh installs it)');
}

/** The default services (redis, memcached, mysql, postgres) on the offline image. */
const env = {
  ...process.env,
  SESSION_BENCH_IMAGE_REDIS: OFFLINE_IMAGE,
  SESSION_BENCH_IMAGE_MEMCACHED: OFFLINE_IMAGE,
  SESSION_BENCH_IMAGE_MYSQL: OFFLINE_IMAGE,
  SESSION_BENCH_IMAGE_POSTGRES: OFFLINE_IMAGE,
};

function composeRun(...args: string[]) {
  const [file, ...pre] = compose!;
  return run(file!, [...pre, '-p', PROJECT, ...args], { env, timeout: 180_000 });
}

describe.skipIf(!compose)('docker-compose.yml with the external provider', () => {
  afterAll(async () => {
    await composeRun('down', '-v', '-t', '5');
  });

  it('runs every backend against compose; node faults are skipped, app faults happen', async () => {
    await composeRun('up', '-d');
    const out = await mkdtemp(path.join(os.tmpdir(), 'session-bench-compose-'));
    const child = spawn(
      process.execPath,
      [
        ...['--import', 'tsx', CLI, 'run', '--provider', 'external'],
        ...['--backends', 'redis,memcached,mysql,postgres', '--scenario', 'smoke'],
        ...['--users', '200', '--rate', '100', '--duration', '3s', '--out', out],
        ...['--target', 'redis=redis://127.0.0.1:6379', '--target', 'memcached=127.0.0.1:11211'],
        ...['--target', 'mysql=mysql://root:session-bench@127.0.0.1:3306/session_bench'],
        ...['--target', 'postgres=postgres://postgres:session-bench@127.0.0.1:5432/postgres'],
        ...['--fault', 'kill:node0@1s', '--fault', 'kill:app@2s'],
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code, stderr).toBe(0);
    const file = (await readdir(out))[0]!;
    const result = JSON.parse(await readFile(path.join(out, file), 'utf8')) as RunResult;
    expect(result.results.map((r) => r.variant)).toEqual([
      'redis',
      'memcached',
      'mysql',
      'postgres',
    ]);
    for (const variant of result.results) {
      expect(variant.status, `${variant.variant}: ${variant.reason}`).toBe('completed');
      expect(variant.provider).toBe('external');
      expect(variant.requests.ok, variant.variant).toBeGreaterThan(100);
      const [node, app] = variant.faults;
      expect(node).toMatchObject({ target: 'node0', status: 'skipped' });
      expect(node!.reason).toMatch(/external server .* nobody here to kill it/);
      expect(app).toMatchObject({ target: 'app', status: 'done' });
      expect(variant.audit.wrongUserSessions).toBe(0);
    }
  });
});
