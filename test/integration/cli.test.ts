import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { childPidsOf, isAlive } from '../../src/lifecycle/processTree.js';
import type { RunResult } from '../../src/result/result.js';
import { afterPrinted, runCli, until } from '../helpers/cliProcess.js';

describe('session-bench run (CLI)', () => {
  it('prints the result JSON on stdout with --json and writes it under --out', async () => {
    const out = await mkdtemp(path.join(os.tmpdir(), 'session-bench-out-'));
    const run = await runCli([
      'run',
      '--scenario',
      'smoke',
      '--backends',
      'memory',
      '--duration',
      '2s',
      '--json',
      '--out',
      out,
    ]);
    expect(run.code, run.stderr).toBe(0);
    const printed = JSON.parse(run.stdout) as RunResult;
    expect(printed.schemaVersion).toBe(2);
    expect(printed.results[0]).toMatchObject({
      variant: 'memory',
      status: 'completed',
      provider: 'embedded',
    });
    expect(printed.results[0]!.requests.total).toBe(200);
    // The summary table is borderless since issue 9 item 13 (it was a box).
    expect(run.stderr).toMatch(/^memory +\d+ /m);
    const files = await readdir(out);
    expect(files).toHaveLength(1);
    // The run id (start time + a random part) in the name: runs in one second do not collide.
    expect(files[0]).toBe(`${printed.runId}-smoke.json`);
    expect(files[0]).toMatch(/^\d{8}T\d{6}-[0-9a-f]{6}-smoke\.json$/);
    const written = JSON.parse(await readFile(path.join(out, files[0]!), 'utf8')) as RunResult;
    expect(written).toEqual(printed);
  });

  it.each([
    [
      ['run', '--backends', 'memory,nosuch'],
      /unknown backend variant "nosuch".*memory, disk, disk:fsync, cookie/,
    ],
    [
      ['run', '--fault', 'kill-the-app'],
      /--fault "kill-the-app" is malformed: expected <action>:<target>@<at>/,
    ],
    [['run', '--rate', '-5'], /load\.rateRps \(--rate\): .*got "-5"/],
    [['run', '--scenario', 'nope'], /scenario "nope" not found/],
    [['run', '--colour', 'blue'], /unknown option '--colour'/],
    [['launch'], /unknown command 'launch'/],
    [['run', '--compress', '1m'], /--compress applies to a diurnal curve/],
    [['run', '--scenario', 'day', '--seed', 'x'], /load\.seed \(--seed\).*got "x"/],
  ])('exits 2 on bad input: %j', async (args, message) => {
    const run = await runCli(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('Ctrl-C writes what was measured as aborted, exits 130 and leaves no app behind', async () => {
    const out = await mkdtemp(path.join(os.tmpdir(), 'session-bench-out-'));
    let apps: number[] = [];
    let descendants: number[] = [];
    const printed = afterPrinted('warming up', 1500);
    // Into the load, however long the CLI took to start (a fixed 4 s was not, beside
    // another test file): the smoke warm-up is over 1.5 s after it began.
    const run = await runCli(
      [
        'run',
        '--scenario',
        'smoke',
        '--backends',
        'memory,disk',
        '--duration',
        '10s',
        '--out',
        out,
      ],
      {
        signalAfter: {
          signal: 'SIGINT',
          when: async (stderr, pid) => {
            await printed(stderr);
            descendants = descendantsOf(pid);
            apps = descendants.filter((p) => commandLine(p).includes('src/app/main'));
          },
        },
      },
    );
    expect(run.code, run.stderr).toBe(130);
    const files = await readdir(out);
    const result = JSON.parse(await readFile(path.join(out, files[0]!), 'utf8')) as RunResult;
    expect(result.status).toBe('aborted');
    expect(result.results[0]!.status).toBe('aborted');
    expect(result.results[0]!.requests.total).toBeGreaterThan(0);
    expect(result.results[1]).toMatchObject({ variant: 'disk', status: 'skipped' });
    expect(apps.length).toBeGreaterThan(0);
    for (const app of apps) expect(isAlive(app), `app pid ${app}`).toBe(false);
    // tsx's esbuild service (the CLI's and the app's) ends by itself once its parent
    // has: gone soon after the exit, not left running.
    await until(async () => descendants.every((p) => !isAlive(p)), 5_000);
  });
});

describe('session-bench list', () => {
  it('lists variants, providers and scenarios', async () => {
    const run = await runCli(['list', '--json']);
    expect(run.code).toBe(0);
    const listing = JSON.parse(run.stdout) as {
      backends: { variants: { id: string }[] }[];
      scenarios: { name: string }[];
    };
    const variants = listing.backends.flatMap((b) => b.variants.map((v) => v.id));
    expect(variants).toEqual(expect.arrayContaining(['memory', 'disk', 'disk:fsync', 'cookie']));
    expect(listing.scenarios.map((s) => s.name)).toEqual(
      expect.arrayContaining(['default', 'smoke']),
    );
  });
});

/** Every descendant of a process: its children, theirs, and so on. */
function descendantsOf(pid: number): number[] {
  return childPidsOf(pid).flatMap((child) => [child, ...descendantsOf(child)]);
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}
