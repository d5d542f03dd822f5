import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resultsIn, runCli, tempFoldersOf, until } from '../helpers/cliProcess.js';

const made: string[] = [];
const tempDir = async (prefix: string) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
};
afterAll(async () => {
  for (const dir of made.reverse()) {
    try {
      execFileSync('umount', [dir], { stdio: 'ignore' });
    } catch {
      // not a mount point
    }
    await rm(dir, { recursive: true, force: true });
  }
});

const run = (out: string, backends: string, ...more: string[]) =>
  runCli(['run', '--scenario', 'smoke', '--backends', backends, '--out', out, ...more], {
    timeoutMs: 30_000,
  });

describe('result files', () => {
  it('a run killed in its 3rd variant leaves its first two, marked partial; report says so', async () => {
    const out = await tempDir('sb-partial-');
    const killed = await runCli(
      ['run', '--scenario', 'smoke', '--backends', 'memory,disk,cookie', '--duration', '2s'].concat(
        ['--out', out, '--quiet'],
      ),
      {
        signalAfter: {
          signal: 'SIGKILL',
          when: () =>
            until(async () =>
              (await resultsIn(out).catch(() => [])).some((r) => r.result.results.length === 2),
            ),
        },
      },
    );
    expect(killed.signal).toBe('SIGKILL');
    const [written] = await resultsIn(out);
    expect(written!.result.status).toBe('partial');
    expect(written!.result.results.map((r) => r.variant)).toEqual(['memory', 'disk']);
    const report = await runCli(['report', written!.file, '--format', 'md']);
    expect(report.code, report.stderr).toBe(0);
    expect(report.stderr).toMatch(/this run did not finish \(status partial\): 2 variant/);
    expect(report.stdout).toMatch(/partial/);
    // What `clean` would remove: a SIGKILLed run leaves its temp folder.
    for (const folder of await tempFoldersOf(written!.result.runId)) {
      await rm(path.join(os.tmpdir(), folder), { recursive: true, force: true });
    }
  });

  it('three runs started in the same second with the same --out leave three files', async () => {
    const out = await tempDir('sb-same-second-');
    const runs = await Promise.all(
      [1, 2, 3].map(() => run(out, 'memory', '--duration', '1s', '--quiet')),
    );
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const written = await resultsIn(out);
    expect(written).toHaveLength(3);
    expect(new Set(written.map((w) => w.result.runId)).size).toBe(3);
    for (const { file, result } of written) expect(path.basename(file)).toContain(result.runId);
  });

  it.each([
    ['', /--out is empty/],
    ['package.json', /--out package\.json is not a folder \(it is a file\)/],
    ['package.json/sub', /--out package\.json\/sub cannot be created/],
    ['/proc/x', /--out \/proc\/x is on proc, not a regular filesystem/],
    ['/sys/kernel/x', /--out \/sys\/kernel\/x is on sysfs, not a regular filesystem/],
  ])('--out %j is refused before anything starts (exit 2)', async (out, message) => {
    const started = performance.now();
    const refused = await run(out, 'memory', '--duration', '1s');
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toMatch(message);
    expect(refused.stderr).not.toMatch(/\n\s+at |starting the app/);
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it('a result that cannot be written says so in one line and is kept in the temp folder', async () => {
    const out = await tempDir('sb-full-');
    const root = process.getuid?.() === 0;
    // Root writes through file modes: a one-page tmpfs (4 kB) is full before the result (~6 kB) fits.
    if (root) execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4k', 'tmpfs', out]);
    const failed = await runCli(
      ['run', '--scenario', 'smoke', '--backends', 'memory', '--duration', '2s', '--out', out],
      root
        ? {}
        : {
            signalAfter: {
              signal: 'SIGCONT', // harmless: only the moment matters, once --out was checked
              when: async (stderr) => {
                await until(async () => stderr().includes('warming up'));
                await chmod(out, 0o555);
              },
            },
          },
    );
    expect(failed.code, failed.stderr).toBe(1);
    const line = /^error: could not write (\S+): (.+); the result is kept in (\S+)$/m.exec(
      failed.stderr,
    );
    expect(line, failed.stderr).not.toBeNull();
    expect(failed.stderr).not.toMatch(/\n\s+at /);
    expect(await readdir(out)).toEqual([]); // no temp file, no half a file, no stale partial one
    const kept = line![3]!;
    made.push(kept);
    const [saved] = await resultsIn(path.dirname(kept)).then((all) =>
      all.filter((r) => r.file === kept),
    );
    expect(saved!.result).toMatchObject({ status: 'completed' });
    expect(saved!.result.results[0]!.requests.total).toBe(200);
  });

  it("a failed variant's server output is on stderr, not only in the JSON", async () => {
    const out = await tempDir('sb-taken-');
    const bin = await tempDir('sb-fake-redis-');
    await writeFile(
      path.join(bin, 'redis-server'),
      '#!/bin/sh\n' +
        'if [ "$1" = --version ]; then echo "Redis server v=9.9.9 sha=0"; exit 0; fi\n' +
        'echo "# Warning: Could not create server TCP listening socket 127.0.0.1:6379: bind: Address already in use" >&2\n' +
        'exit 1\n',
    );
    await chmod(path.join(bin, 'redis-server'), 0o755);
    const failed = await runCli(
      ['run', '--scenario', 'smoke', '--backends', 'redis', '--provider', 'process'].concat([
        '--duration',
        '1s',
        '--out',
        out,
        '--quiet',
      ]),
      { env: { PATH: `${bin}${path.delimiter}${process.env.PATH}` } },
    );
    expect(failed.code, failed.stderr).toBe(1);
    expect(failed.stderr).toMatch(/redis failed: .*exited \(code 1\) while starting/);
    expect(failed.stderr).toMatch(/last lines of its output:\n.*Address already in use/);
  });
});
