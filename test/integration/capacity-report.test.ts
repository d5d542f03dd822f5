import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/result/result.js';
import { resultIssues } from '../../src/result/resultSchema.js';
import { renderHtml } from '../../src/report/reporters/html.js';
import { renderMarkdown } from '../../src/report/reporters/md.js';
import { renderTable } from '../../src/report/reporters/table.js';
import { chartSeen, chromiumMissing, launchChromium, openPage } from '../helpers/browser.js';
import { FIXTURE_DIR } from '../helpers/reportFixture.js';

/** A real capacity run of memory and redis (test/fixtures/report/README.md). */
const RUN = JSON.parse(readFileSync(path.join(FIXTURE_DIR, 'capacity.json'), 'utf8')) as RunResult;

describe('capacity and resource reports', () => {
  it('the fixture is a valid result with a capacity search and resources per variant', () => {
    expect(resultIssues(RUN)).toEqual([]);
    for (const r of RUN.results) {
      expect(r.capacity?.steps.length).toBeGreaterThan(1);
      expect(r.resources?.length).toBeGreaterThan(0);
    }
  });

  it('text: the capacity table, each curve and the cost fit 80 columns and state the arithmetic', () => {
    const text = renderTable(RUN);
    const long = text.split('\n').filter((l) => [...l].length > 80);
    expect(long).toEqual([]);
    expect(text).toMatch(/capacity:\n\s+variant\s+knee\/s\s+req\/day\s+p50\s+p99\s+node ms/);
    const memory = RUN.results.find((r) => r.variant === 'memory')!.capacity!;
    expect(text).toContain(`memory: ${memory.arithmetic.slice(0, 30)}`);
    expect(text).toContain('req/day = knee x 86,400 s / 3');
    expect(text).toMatch(/curve of redis:\n\s+rate\s+step/);
    // A step lost to the generator says so, and the knee is marked as the tool's limit.
    expect(text).toContain('generator: ');
    expect(text).toContain("tool's limit on this machine");
    expect(text).toMatch(/resources:\n\s+variant\s+target\s+CPU ms/);
    // memory has no node: its store cost is the app's, said as such, never 0.
    expect(text).toMatch(/memory\s+\S+\s+\S+\s+\S+\s+\S+\s+in app\s+\S+\s+in app/);
  });

  it('md: a capacity table, the curves and the resources as GFM tables', () => {
    const md = renderMarkdown(RUN);
    expect(md).toContain('### Capacity');
    expect(md).toContain('| variant | knee/s | req/day | p50 | p99 | node ms | app ms | written |');
    expect(md).toContain('#### Curve of `redis`');
    expect(md).toContain('### Resources');
  });

  it.skipIf(chromiumMissing() !== undefined && !process.env.CI)(
    'html: every variant on one rate-vs-p99 chart, a point per rate tried',
    async () => {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'session-bench-capacity-html-'));
      const file = path.join(dir, 'report.html');
      await writeFile(file, renderHtml(RUN));
      const browser = await launchChromium();
      try {
        const { page, problems } = await openPage(browser.context, pathToFileURL(file).href);
        expect(problems).toEqual([]);
        const chart = await chartSeen(page, 'chart-capacity');
        expect(chart.datasets.map((d) => d.label)).toEqual(RUN.results.map((r) => r.variant));
        for (const r of RUN.results) {
          const rates = new Set(r.capacity!.steps.map((s) => s.rateRps));
          expect(chart.datasets.find((d) => d.label === r.variant)!.data).toHaveLength(rates.size);
        }
        expect(chart.scales.x).toBeDefined();
      } finally {
        await browser.close();
      }
    },
    60_000,
  );
});
