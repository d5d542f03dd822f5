/* eslint-disable no-control-regex -- these tests are about control characters */
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cliProcess.js';
import { FIXTURE } from '../helpers/reportFixture.js';

// No colour settings inherited: a pipe alone must mean no colour.
const cli = (args: string[], env: Record<string, string> = {}) =>
  runCli(args, { env, withoutEnv: ['NO_COLOR', 'FORCE_COLOR'] });

describe('run in CI (issue 9 item 12)', () => {
  it('appends its Markdown to GITHUB_STEP_SUMMARY, closes each variant with one line, verdicts last', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'session-bench-ci-'));
    const summary = path.join(dir, 'step-summary.md');
    await writeFile(summary, '# earlier step\n');
    const run = await cli(
      [
        'run',
        '--scenario',
        'smoke',
        '--backends',
        'memory',
        '--duration',
        '2s',
        '--users',
        '40',
        '--rate',
        '40',
        '--fault',
        'kill:app@1s',
        '--out',
        dir,
        '--threshold',
        'wrongUserSessions==0',
      ],
      { GITHUB_STEP_SUMMARY: summary },
    );
    expect(run.code, run.stderr).toBe(0);
    const appended = await readFile(summary, 'utf8');
    expect(appended.startsWith('# earlier step\n## session-bench: smoke\n')).toBe(true);
    expect(appended).toContain('| `memory` |');
    // stderr is not a terminal here: the variant ends with one summary line. On a busy
    // machine one request of these ~80 may leave late in a stall of the generator's
    // loop, and the line then rightly says so: that is not what this test is about.
    expect(run.stderr).toMatch(
      /\nmemory: (ok|generator behind), \d+ req\/s, p50 [\d.]+ ms, p99 [\d.]+ ms, \d+ errors, logged out \d+\/40/,
    );
    const lines = run.stderr.trimEnd().split('\n');
    const verdicts = lines.findIndex((l) => l.startsWith('thresholds:'));
    expect(verdicts).toBeGreaterThan(lines.findIndex((l) => l.startsWith('result: ')));
    expect(lines.findIndex((l) => l.startsWith('step summary: '))).toBeLessThan(verdicts);
    expect(lines.slice(verdicts)).toEqual([
      'thresholds: 1 passed',
      expect.stringMatching(/^ {2}✓ wrongUserSessions==0 {2}memory: /),
    ]);
    expect(run.stderr).not.toContain('\x1b[');
    const json = (await readdir(dir)).filter((f) => f.endsWith('.json'));
    expect(json).toHaveLength(1);
  });
});

/** BEL or ESC: what a crafted name would send to the terminal. */
const TERMINAL_CONTROL = /[\x07\x1b]/;

describe('report and compare on a crafted result (issue 10 item 13)', () => {
  it('never send the escape sequences of a result file to the terminal', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'session-bench-escape-'));
    const result = structuredClone(FIXTURE);
    result.results[0]!.variant = 'memory\x1b]0;pwned\x07\x1b[2J';
    result.scenario.scenario.name = 'smoke\x1b[31m';
    const file = path.join(dir, 'crafted.json');
    await writeFile(file, JSON.stringify(result));
    for (const format of ['table', 'md', 'csv']) {
      const report = await cli(['report', file, '--format', format]);
      expect(report.code, report.stderr).toBe(0);
      expect(report.stdout, format).not.toMatch(TERMINAL_CONTROL);
      expect(report.stdout, format).toContain('memory\\u001b]0;pwned\\u0007\\u001b[2J');
    }
    const compare = await cli(['compare', file, file, '--format', 'table']);
    expect(compare.code, compare.stderr).toBe(0);
    expect(compare.stdout).not.toMatch(TERMINAL_CONTROL);
    const noise = await cli(['compare', file, file, '--noise', 'lots']);
    expect(noise.code).toBe(2);
    expect(noise.stderr).toContain('--noise "lots": expected a percentage from 0 to 100');
  });
});
