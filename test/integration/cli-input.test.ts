import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/result/result.js';
import { runCli as cli } from '../helpers/cliProcess.js';

describe('session-bench run refuses bad input before the run (exit 2, on stderr)', () => {
  it.each([
    [
      ['--threshold', 'p99{nosuch}<20ms', '--backends', 'memory'],
      /no variant "nosuch" in this run/,
    ],
    [['--backends', 'mysql', '--nodes', '3'], /mysql runs a single node; --nodes 3/],
    [
      [
        '--provider',
        'external',
        '--backends',
        'redis',
        '--target',
        'redis=redis://127.0.0.1:99999',
      ],
      /port 99999 is out of range/,
    ],
    [['--target', 'redis=notaurl', '--backends', 'redis'], /not a URL or host:port/],
    [['--target', 'nosuch=tcp://127.0.0.1:1'], /"nosuch" is not a backend that runs as a server/],
    [['--backends', 'memory,memory'], /--backends lists memory twice/],
    [
      ['--scenario', 'smoke', '--backends', 'memory', '--fault', 'kill:app7@2s'],
      /no app7 in this run/,
    ],
    [['--scenario', 'smoke', '--backends', 'memory', '--fault', 'kill:node0@2s'], /no server node/],
    [['--mode', 'saturation', '--rate', '500'], /saturation mode .* has no rate/],
    [['--duration', '0s'], /load\.duration \(--duration\).*from 1s to 24h/],
    [['--fault', 'kill:app@3'], /a number needs a unit/],
  ])('%j', async (args, message) => {
    // --quiet must not hide why: the message is on stderr, the run never starts.
    const run = await cli(['run', ...args, '--quiet', '--out', os.tmpdir()]);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('a credential in --target never reaches stderr', async () => {
    const run = await cli(['run', '--target', 'mysql=mysql://root:hunter2@127.0.0.1:0/db']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('mysql://root:***@127.0.0.1:0/db');
    expect(run.stderr).not.toContain('hunter2');
  });
});

describe('session-bench run says what it will do, and marks a compressed day', () => {
  it('prints the plan and estimate first; the result carries the caveat and no password', async () => {
    const out = await mkdtemp(path.join(os.tmpdir(), 'session-bench-out-'));
    const run = await cli([
      'run',
      ...['--scenario', 'day', '--compress', '2s', '--faults', 'none', '--users', '100'],
      ...['--backends', 'memory', '--target', 'redis=redis://user:hunter2@127.0.0.1:6379'],
      ...['--json', '--out', out],
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(
      /^plan: scenario day, a day around 115\.74 req\/s for 2s, 100 users; faults: none\nvariants \(1\): memory\nestimated time: about \d+s/,
    );
    expect(run.stderr).toMatch(/\nnote: Time ran 43200x faster than a real day/);
    const printed = JSON.parse(run.stdout) as RunResult;
    expect(printed.results[0]!.durabilityCaveat).toMatch(/^Time ran 43200x faster/);
    expect(printed.scenario.targets).toEqual({ redis: ['redis://user:***@127.0.0.1:6379'] });
    const [file] = await readdir(out);
    const written = await readFile(path.join(out, file!), 'utf8');
    expect(run.stdout + run.stderr + written).not.toContain('hunter2');
  });
});
