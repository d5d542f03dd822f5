import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/result/result.js';
import { validateAgainstJsonSchema } from '../helpers/reportFixture.js';

const CLI = path.resolve('src/cli/main.ts');

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
      stdio: 'pipe',
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A short real run: 2 s of the smoke scenario per variant. */
const SHORT = ['--scenario', 'smoke', '--duration', '2s', '--users', '50', '--rate', '50'];

async function onlyResult(dir: string): Promise<{ file: string; result: RunResult }> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json'));
  expect(files).toHaveLength(1);
  const file = path.join(dir, files[0]!);
  return { file, result: JSON.parse(await readFile(file, 'utf8')) as RunResult };
}

describe('run --format and --threshold', () => {
  it('writes the reports next to the JSON and exits 0 when every threshold holds', async () => {
    const out = await mkdtemp(path.join(os.tmpdir(), 'session-bench-reports-'));
    const run = await cli([
      'run',
      ...SHORT,
      '--backends',
      'memory,disk',
      '--out',
      out,
      '--format',
      'md,html,csv',
      '--threshold',
      'loggedOutUsers==0',
      '--threshold',
      'wrongUserSessions==0',
      '--threshold',
      'p99<30s',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const { file, result } = await onlyResult(out);
    expect(validateAgainstJsonSchema(result)).toEqual([]);
    const stem = file.replace(/\.json$/, '');
    for (const ext of ['md', 'html', 'csv', 'timeline.csv']) {
      expect(existsSync(`${stem}.${ext}`), ext).toBe(true);
      expect(run.stderr).toContain(`report: ${stem}.${ext}`);
    }
    expect(result.thresholds?.map((v) => `${v.expression} ${v.variant} ${v.status}`)).toEqual([
      'loggedOutUsers==0 memory passed',
      'loggedOutUsers==0 disk passed',
      'wrongUserSessions==0 memory passed',
      'wrongUserSessions==0 disk passed',
      'p99<30s memory passed',
      'p99<30s disk passed',
    ]);
    expect(await readFile(`${stem}.md`, 'utf8')).toContain('### Thresholds: all passed');
    const timeline = (await readFile(`${stem}.timeline.csv`, 'utf8')).trimEnd().split('\r\n');
    expect(timeline.length).toBe(1 + result.results.reduce((n, r) => n + r.timeline.length, 0));
  });

  it('exits 99 when a threshold fails, saying which, for which variant, the value and the limit', async () => {
    const out = await mkdtemp(path.join(os.tmpdir(), 'session-bench-reports-'));
    const run = await cli([
      'run',
      ...SHORT,
      '--backends',
      'memory',
      '--fault',
      'kill:app@1s',
      '--out',
      out,
      '--no-color',
      '--threshold',
      'loggedOutUsers==0',
    ]);
    expect(run.code, run.stderr).toBe(99);
    expect(run.stderr).toMatch(
      /✗ loggedOutUsers==0 {2}memory: loggedOutUsers = \d+, limit == 0: FAILED/,
    );
    expect(run.stderr).not.toContain('\x1b[');
    const { result } = await onlyResult(out);
    expect(result.thresholds?.[0]).toMatchObject({ variant: 'memory', status: 'failed', limit: 0 });
    expect(result.thresholds![0]!.value).toBeGreaterThan(0);
  });

  it('takes thresholds from the scenario file too', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'session-bench-reports-'));
    const scenario = path.join(dir, 'guarded.yaml');
    await writeFile(
      scenario,
      'name: guarded\nload: { rateRps: 50, duration: 2s, users: 50 }\nthresholds: ["p99<1us"]\n',
    );
    const run = await cli(['run', '--scenario', scenario, '--backends', 'memory', '--out', dir]);
    expect(run.code, run.stderr).toBe(99);
    expect(run.stderr).toMatch(/✗ p99<1us {2}memory: p99 = .* ms, limit < 1 µs: FAILED/);
  });

  it('exits 2 on a malformed threshold before anything starts, with the reason', async () => {
    const out = await mkdtemp(path.join(os.tmpdir(), 'session-bench-reports-'));
    const started = Date.now();
    const run = await cli([
      'run',
      ...SHORT,
      '--backends',
      'memory',
      '--out',
      out,
      '--threshold',
      'p99<<5ms',
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--threshold: threshold "p99<<5ms": cannot read the value "<5ms"');
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(await readdir(out)).toEqual([]);

    const relative = await cli(['run', ...SHORT, '--out', out, '--threshold', 'p99<+10%']);
    expect(relative.code).toBe(2);
    expect(relative.stderr).toContain(
      'is a change against a base; use it with session-bench compare',
    );

    const scenario = path.join(out, 'bad.yaml');
    await writeFile(scenario, 'name: bad\nthresholds: ["lostUpdates<5ms"]\n');
    const fromFile = await cli(['run', '--scenario', scenario, '--out', out]);
    expect(fromFile.code).toBe(2);
    expect(fromFile.stderr).toContain(`scenario ${scenario}: threshold "lostUpdates<5ms"`);
  });
});

describe('report and compare on two real short runs', () => {
  let base: string;
  let head: string;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'session-bench-compare-'));
    const runs = [];
    for (const [name, backends] of [
      ['base', 'memory,disk'],
      ['head', 'memory,cookie'],
    ] as const) {
      const out = path.join(dir, name);
      const run = await cli(['run', ...SHORT, '--backends', backends, '--out', out, '--quiet']);
      expect(run.code, run.stderr).toBe(0);
      runs.push((await onlyResult(out)).file);
    }
    [base, head] = runs as [string, string];
  });

  it('report renders a result in each format', async () => {
    const md = await cli(['report', head, '--format', 'md']);
    expect(md.code, md.stderr).toBe(0);
    expect(md.stdout).toContain('## session-bench: smoke');
    expect(md.stdout).toContain('| `cookie` |');

    const table = await cli(['report', head, '--format', 'table']);
    // A borderless 80-column table since issue 9 item 13 (it was a box).
    expect(table.stdout).toMatch(/^memory +\d+ /m);

    const html = path.join(dir, 'report.html');
    const written = await cli(['report', head, '--format', 'html', '--out', html]);
    expect(written.code, written.stderr).toBe(0);
    expect(await readFile(html, 'utf8')).toContain('<canvas id="chart-p99"');

    const csv = path.join(dir, 'runs.csv');
    await cli(['report', head, '--format', 'csv', '--out', csv]);
    expect(await readFile(csv, 'utf8')).toMatch(/^runId,scenario,variant/);
    expect(await readFile(path.join(dir, 'runs.timeline.csv'), 'utf8')).toMatch(/^variant,tMs,rps/);
  });

  it('report refuses another schemaVersion and a file that is not a result (exit 2)', async () => {
    const result = JSON.parse(await readFile(head, 'utf8')) as Record<string, unknown>;
    const future = path.join(dir, 'future.json');
    await writeFile(future, JSON.stringify({ ...result, schemaVersion: 3 }));
    const run = await cli(['report', future, '--format', 'md']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      `${future} has schemaVersion 3; this session-bench reads schemaVersion 2`,
    );

    const broken = path.join(dir, 'broken.json');
    await writeFile(broken, JSON.stringify({ ...result, results: [{ variant: 'x' }] }));
    const invalid = await cli(['report', broken]);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/not a valid session-bench result[\s\S]*results\.0\.latencyUs/);

    const unknown = await cli(['report', head, '--format', 'pdf']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown format "pdf"');
  });

  it('report and compare refuse --out <a folder> (exit 2) and leave no temp file beside it', async () => {
    const folder = await mkdtemp(path.join(dir, 'a-folder-'));
    const report = await cli(['report', head, '--format', 'md', '--out', folder]);
    expect(report.code, report.stderr).toBe(2);
    expect(report.stderr).toContain(`--out ${folder} is a folder: give a file name`);
    const compare = await cli(['compare', base, head, '--format', 'md', '--out', folder]);
    expect(compare.code, compare.stderr).toBe(2);
    expect(compare.stderr).toContain(`--out ${folder} is a folder: give a file name`);
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(await readdir(folder)).toEqual([]);
  });

  it('compare shows both runs per variant with directions, and appends to GITHUB_STEP_SUMMARY', async () => {
    const summary = path.join(dir, 'step-summary.md');
    await writeFile(summary, '# earlier step\n');
    const run = await cli(
      ['compare', base, head, '--format', 'md', '--threshold', 'wrongUserSessions<=+0%'],
      { GITHUB_STEP_SUMMARY: summary },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('## session-bench compare: smoke');
    expect(run.stdout).toContain('<summary><code>memory</code>: every figure</summary>');
    expect(run.stdout).toMatch(/\| `disk \(only in the base\)` \| [\d.]+ (ms|s) → — \|/);
    expect(run.stdout).toMatch(/\| `cookie \(only in the head\)` \| [\d.]+ (ms|s) \|/);
    expect(run.stdout).toMatch(
      /\| p99 \| [\d.]+ (ms|s) \| [\d.]+ (ms|s) \| [-+]?[\d.]+% \| (🟢 better|🔴 worse|same) \|/,
    );
    expect(run.stdout).toContain('| ✅ passed | `wrongUserSessions<=+0%` | memory |');
    const appended = await readFile(summary, 'utf8');
    expect(appended.startsWith('# earlier step\n## session-bench compare: smoke')).toBe(true);
  });

  it('compare exits 99 when a threshold against the base fails, and 2 on a malformed one', async () => {
    // At a fixed arrival rate the throughput cannot double.
    const failed = await cli([
      'compare',
      base,
      head,
      '--format',
      'table',
      '--threshold',
      'throughputRps>+100%',
    ]);
    expect(failed.code, failed.stderr).toBe(99);
    expect(failed.stderr).toMatch(
      /throughputRps>\+100% {2}memory: throughputRps = [\d.]+ req\/s, [-+][\d.]+% against the base [\d.]+ req\/s, limit > \+100% = [\d.]+ req\/s: FAILED/,
    );
    expect(failed.stdout).toContain(
      '- throughputRps>+100%  cookie: skipped, no such variant in the base',
    );

    const malformed = await cli(['compare', base, head, '--threshold', 'p99<+10']);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain(
      'threshold "p99<+10": a signed value is a change against the base and needs %',
    );
  });
});
