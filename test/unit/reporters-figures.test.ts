/* eslint-disable no-control-regex -- these tests are about control characters */
import { describe, expect, it } from 'vitest';
import { colorAllowed, runEndText } from '../../src/cli/output.js';
import { compareResults, renderComparisonTable } from '../../src/report/compare.js';
import { renderCsv } from '../../src/report/reporters/csv.js';
import { renderDurability } from '../../src/report/reporters/durability.js';
import { EXTENSIONS, REPORTERS } from '../../src/report/reporters/index.js';
import { renderMarkdown } from '../../src/report/reporters/md.js';
import { stepSummaryReporter } from '../../src/report/reporters/stepSummary.js';
import { variantSummaryLine } from '../../src/report/reporters/summaryLine.js';
import { renderTable } from '../../src/report/reporters/table.js';
import { safeText } from '../../src/report/reporters/text.js';
import type { RunResult, VariantResult } from '../../src/result/result.js';
import { fixture } from '../helpers/reportFixture.js';

/** What `run` writes for a variant `auto` could not start: the provider's whole reason. */
const REDIS_REASON =
  'cannot start VARIANT: docker: image redis:7.4.2 is not present and cannot be pulled ' +
  '(registry unreachable: connect ECONNREFUSED 127.0.0.1:443); build the offline images with ' +
  '`session-bench images build-offline` (Debian packages, no registry needed) and run with ' +
  '`--image-set offline`; process: redis-server not found on PATH (or in /usr/sbin, /sbin); ' +
  'external: no --target redis=URL given';

function skipped(base: VariantResult, variant: string): VariantResult {
  return {
    ...structuredClone(base),
    variant,
    backend: 'redis',
    provider: 'none',
    server: null,
    status: 'skipped',
    reason: REDIS_REASON.replace('VARIANT', variant),
    requests: { total: 0, ok: 0, errors: 0, timeouts: 0, late: 0 },
    throughputRps: 0,
    latencyUs: { p50: 0, p90: 0, p99: 0, p999: 0, max: 0 },
    audit: { ...base.audit, loggedOutUsers: 0, loginWallHits: 0, resurrectedSessions: 0 },
    faults: [],
    timeline: [],
  };
}

/** The fixture plus three redis variants skipped for one missing binary. */
function withSkipped(): RunResult {
  const result = fixture();
  for (const v of ['redis', 'redis:aof-always', 'redis:aof-everysec']) {
    result.results.push(skipped(result.results[0]!, v));
  }
  return result;
}

/** memory's planned faults did not run (the default scenario's kill:node0 on an embedded store). */
function withNoFault(): RunResult {
  const result = fixture();
  const memory = result.results[0]!;
  memory.faults = memory.faults.map((f) => ({
    ...f,
    status: 'skipped',
    reason: 'memory has no node0',
    startedMs: null,
  }));
  memory.audit.loggedOutUsers = 0;
  return result;
}

const ESC = '\x1b]0;pwned\x07\x1b[2J\x1b[31m';
/** A control character other than a line break (CSV ends its lines with CRLF). */
const hasControl = (text: string) =>
  /[\x00-\x08\x0b-\x1f\x7f-\x9f]/.test(text.replace(/\r\n/g, '\n'));
/** The reporter's own colour codes. */
const SGR = /\x1b\[\d+m/g;

describe('a variant whose planned faults did not run (issue 9 item 6b)', () => {
  it('shows "no fault", not 0, in the logged-out cell of table and md, and csv says so', () => {
    const result = withNoFault();
    const memoryRow = (text: string) => text.split('\n').find((l) => /^\W*memory\W/.test(l))!;
    expect(memoryRow(renderTable(result))).toMatch(/131 +no fault +no fault +ok/);
    expect(memoryRow(renderMarkdown(result))).toContain('| 131 | no fault | 51 | no fault |');
    const [head, memory] = renderCsv(result).split('\r\n');
    const row = Object.fromEntries(memory!.split(',').map((v, i) => [head!.split(',')[i], v]));
    expect(row).toMatchObject({ faultStatus: 'no fault', loggedOutUsers: '0' });
    expect(variantSummaryLine(result.results[0]!)).toContain('logged out no fault');
    // A variant whose faults ran still shows its figure.
    expect(renderTable(result)).toMatch(/disk .* 0\/80 /);
  });
});

describe('skipped and failed variants are not results (issue 9 item 7)', () => {
  it('table: one short row per variant, no zeros, the reason once with its way out, 80 columns', () => {
    const text = renderTable(withSkipped());
    const rows = text.split('\n').filter((l) => /^redis/.test(l));
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      expect(row).toMatch(/^redis\S* +— +— +— +— +— +— +skipped¹$/);
    }
    expect(text.split('redis-server not found on PATH')).toHaveLength(2);
    expect(text).toContain('¹ skipped: redis, redis:aof-always, redis:aof-everysec');
    expect(text).toMatch(
      /way out: install the Debian package redis-server \(--provider\s+process\)/,
    );
    expect(text).toContain('`session-bench images build-offline`');
    for (const line of text.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
  });

  it('md: the same rows, reasons in a numbered list under the table', () => {
    const md = renderMarkdown(withSkipped());
    expect(md).toContain('| `redis:aof-always` | builtin | — | — |');
    expect(md).toContain('| skipped [1] |');
    expect(md).toMatch(
      /\n1\. \*\*skipped:\*\* `redis`, `redis:aof-always`, `redis:aof-everysec`: docker: /,
    );
    expect(md).toContain('   - way out: install the Debian package redis-server');
    expect(md.split('redis-server not found on PATH')).toHaveLength(2);
  });

  it('csv: empty figures for a variant that was not measured', () => {
    const rows = renderCsv(withSkipped()).trimEnd().split('\r\n');
    expect(rows[4]).toMatch(/^[^,]+,smoke,redis,redis,none,,skipped,fixed,,,,,,/);
  });

  it('a one-line summary says why, without the variant named twice', () => {
    const line = variantSummaryLine(withSkipped().results[4]!);
    expect(line).toMatch(/^redis:aof-always: skipped: docker: image redis/);
    expect(line.length).toBeLessThanOrEqual(130);
  });
});

describe('the summary fits 80 columns, losses stand out (issue 9 item 13)', () => {
  /** The longest variant names there are, 10,000 users, a caveat and losses. */
  function crowded(): RunResult {
    const result = fixture();
    const names = ['redis:aof-everysec', 'memcached:warm', 'mysql:flush2'];
    result.results.forEach((r, i) => {
      r.variant = names[i]!;
      r.users.total = 10_000;
      r.audit.loggedOutUsers = 9_976;
      r.throughputRps = 11_656;
      r.durabilityCaveat = 'a compressed day: the store saved on real time';
    });
    result.scenario.faults.push(
      ...Array.from({ length: 6 }, (_, i) => ({
        atMs: 1000 * i,
        action: 'kill' as const,
        target: 'node0',
      })),
    );
    return result;
  }

  it('by default every line is at most 80 columns; --wide brings every column back', () => {
    const result = crowded();
    const text = runEndText(result, [{ label: 'result', file: 'results/x.json' }], {
      color: false,
    });
    for (const line of text.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
    const wide = renderTable(result, { wide: true });
    expect(wide).toContain('login walls');
    expect(wide).toContain('p99.9 ms');
    expect(Math.max(...wide.split('\n').map((l) => l.length))).toBeGreaterThan(80);
  });

  it('without colour a loss is marked with !; with colour it is red and unmarked', () => {
    const plain = renderTable(fixture());
    expect(plain).toMatch(/memory .* 75\/80! /);
    expect(plain).toMatch(/disk .* 0\/80 /);
    expect(plain).toContain('cookie: 28 resurrected sessions!');
    expect(plain).not.toContain('\x1b[');
    const colored = renderTable(fixture(), { color: true });
    expect(colored).toMatch(/\x1b\[31m +75\/80\x1b\[0m/);
    expect(colored).not.toContain('75/80!');
    expect(colored).toContain('\x1b[31m  ✗ loggedOutUsers==0  memory');
  });

  it('colour only where allowed: --no-color, FORCE_COLOR, NO_COLOR, a terminal', () => {
    const tty = { isTTY: true };
    const pipe = { isTTY: false };
    expect(colorAllowed(tty, {}, {})).toBe(true);
    expect(colorAllowed(pipe, {}, {})).toBe(false);
    expect(colorAllowed(tty, { color: false }, { FORCE_COLOR: '1' })).toBe(false);
    expect(colorAllowed(tty, {}, { NO_COLOR: '1' })).toBe(false);
    expect(colorAllowed(pipe, {}, { FORCE_COLOR: '1' })).toBe(true);
    expect(colorAllowed(tty, {}, { FORCE_COLOR: '0' })).toBe(false);
  });
});

describe('text from a result file cannot drive the terminal (issue 10 item 13)', () => {
  function crafted(): RunResult {
    const result = withSkipped();
    result.scenario.scenario.name = `smoke${ESC}`;
    result.results[0]!.variant = `memory${ESC}`;
    result.results[3]!.reason = `nope${ESC}`;
    result.results[1]!.unexpectedExits = [{ tMs: 10, target: `app0${ESC}`, detail: ESC }];
    result.results[2]!.durabilityCaveat = `caveat${ESC}`;
    result.thresholds![0]!.message = `memory${ESC}: p99 = 1 ms`;
    result.thresholds![0]!.variant = `memory${ESC}`;
    return result;
  }

  it('table, md and csv escape every control character', () => {
    const result = crafted();
    const outputs = {
      table: renderTable(result),
      wide: renderTable(result, { wide: true }),
      md: renderMarkdown(result),
      csv: renderCsv(result),
      durability: renderDurability(result),
      line: result.results.map(variantSummaryLine).join('\n'),
    };
    for (const [name, text] of Object.entries(outputs)) {
      expect(hasControl(text), name).toBe(false);
    }
    expect(outputs.table).toContain('memory\\u001b]0;pwned\\u0007\\u001b[2J');
    expect(outputs.md).toContain('memory\\u001b]0;pwned');
    // With colour on, the only escape sequences are the reporter's own.
    const colored = renderTable(result, { color: true }).replace(SGR, '');
    expect(hasControl(colored)).toBe(false);
  });

  it('compare escapes them too', () => {
    const head = crafted();
    const text = renderComparisonTable(compareResults(withSkipped(), head, []), { color: true });
    expect(hasControl(text.replace(SGR, ''))).toBe(false);
  });

  it('safeText keeps plain text and line breaks when asked', () => {
    expect(safeText('redis:aof-always 9976/10000 †')).toBe('redis:aof-always 9976/10000 †');
    expect(safeText('a\nb\u202ec', 'newlines')).toBe('a\nb\\u202ec');
  });
});

describe('the shared result fields', () => {
  it('stalled, died, caveat †, undecided, logged in later, partial', () => {
    const result = fixture();
    result.status = 'partial';
    const [memory, disk, cookie] = result.results as [VariantResult, VariantResult, VariantResult];
    memory.stalled = { atMs: 3000, forMs: 5200 };
    disk.unexpectedExits = [{ tMs: 2400, target: 'app0', detail: 'exit code 137' }];
    cookie.durabilityCaveat = 'a compressed day: the store saved on real time.';
    const kill = disk.faults[1]!;
    kill.expectation = { loss: 'none', claim: 'files survive', source: 'rename(2)', matches: null };
    kill.loggedOutOutsidePopulation = 3;
    const table = renderTable(result);
    expect(table).toMatch(/^session-bench smoke: [^\n]*\n?[^\n]*\(run partial\)/);
    expect(table).toMatch(/memory .* stalled at 3.0 s/);
    expect(table).toContain('memory: stalled at 3.0 s (no answer for 5.2 s)');
    expect(table).toMatch(/disk .* app0 died/);
    expect(table).toContain('disk: app0 died at 2.4 s without a planned fault (exit code 137)');
    expect(table).toMatch(/cookie .* 0\/80 † +0 †/);
    expect(table.split('a compressed day')).toHaveLength(2);
    expect(table).toContain('0/76 +3 logged in later');
    expect(renderDurability(result)).toMatch(
      /disk +kill app0 +0\/76 \+3 logged in later +0 +none +undecided/,
    );
    const md = renderMarkdown(result);
    expect(md).toContain('| none (undecided) | done |');
    expect(md).toContain('this run cannot decide');
    expect(md).toContain('- † cookie: a compressed day');
    expect(md).toContain(', partial');
  });
});

describe('reporters are a typed registry', () => {
  it('each has render and extension; the step summary is one too', async () => {
    for (const [name, reporter] of Object.entries(REPORTERS)) {
      expect(typeof reporter.render, name).toBe('function');
      expect(EXTENSIONS[name]).toBe(reporter.extension);
    }
    expect(EXTENSIONS['timeline-csv']).toBe('timeline.csv');
    expect(stepSummaryReporter.render(fixture())).toBe(renderMarkdown(fixture()));
    expect(await stepSummaryReporter.write(fixture(), {})).toBeUndefined();
  });

  it('the thresholds block is the same in the run table and in compare', () => {
    const result = fixture();
    const block = (text: string) => text.slice(text.indexOf('thresholds:'));
    const comparison = compareResults(result, result, []);
    comparison.thresholds = result.thresholds!;
    expect(block(renderComparisonTable(comparison))).toBe(
      block(renderTable(result, { wide: true })),
    );
  });
});
