import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CLI = path.resolve('src/cli/main.ts');

/**
 * A DOCKER_HOST that accepts connections and never answers: every command that
 * talks to Docker must give up after its timeout and exit, not hang on the socket.
 */
describe('a Docker daemon that accepts and never answers', () => {
  let listener: Server;
  const sockets: Socket[] = [];
  let dockerHost = '';

  beforeAll(async () => {
    listener = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const address = listener.address() as { port: number };
    dockerHost = `tcp://127.0.0.1:${address.port}`;
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => listener.close(resolve));
  });

  async function cli(args: string[]): Promise<{ code: number | null; ms: number; output: string }> {
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
      stdio: 'pipe',
      env: { ...process.env, DOCKER_HOST: dockerHost },
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d));
    child.stderr.on('data', (d: Buffer) => (output += d));
    // Far above the 3 s ping timeout; before the fix each of these never exited.
    const killer = setTimeout(() => child.kill('SIGKILL'), 25_000);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    clearTimeout(killer);
    return { code, ms: performance.now() - started, output };
  }

  it.each([
    { args: ['list'], code: 0, says: /docker +unavailable/ },
    { args: ['images', 'list'], code: 0, says: /docker ping timed out after 3000 ms/ },
    { args: ['clean'], code: 0, says: /docker ping timed out after 3000 ms/ },
    {
      args: ['run', '--provider', 'docker', '--scenario', 'smoke', '--backends', 'redis:none'],
      code: 1,
      says: /docker ping timed out after 3000 ms/,
    },
  ])('`$args` exits after the ping timeout', async ({ args, code, says }) => {
    const out =
      args[0] === 'run'
        ? [
            '--duration',
            '2s',
            '--users',
            '10',
            '--out',
            await mkdtemp(path.join(os.tmpdir(), 'sb-')),
          ]
        : [];
    const run = await cli([...args, ...out]);
    expect(run.code, run.output).toBe(code);
    expect(run.ms, run.output).toBeLessThan(15_000);
    expect(run.output).toMatch(says);
  });
});
