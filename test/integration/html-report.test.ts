import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { renderHtml } from '../../src/report/reporters/html.js';
import {
  chartSeen,
  chromiumMissing,
  launchChromium,
  openPage,
  type ChartSeen,
} from '../helpers/browser.js';
import { FIXTURE, FIXTURE_DIR, fixture } from '../helpers/reportFixture.js';

/** CI keeps this folder as an artifact: the report and a screenshot of it. */
const ARTIFACTS = path.resolve('results/html-report');

const run = (command: string, args: string[]) =>
  promisify(execFile)(command, args, { cwd: path.resolve('.'), timeout: 100_000 });

/** The little of the DOM these checks use (the project compiles without lib "dom"). */
interface Canvas2d {
  id: string;
  width: number;
  height: number;
  getContext(kind: '2d'): {
    getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
  } | null;
}

/** Just enough of document for the layout check. */
interface DocumentLike {
  documentElement: { scrollWidth: number };
  querySelectorAll(selector: string): ArrayLike<{
    getBoundingClientRect(): { right: number };
    parentElement: { className: string } | null;
  }> &
    Iterable<{
      getBoundingClientRect(): { right: number };
      parentElement: { className: string } | null;
    }>;
}

/** The colour of a chart's plot at `xSeconds`, just above the bottom of its area. */
function pixel(page: Page, id: string, xSeconds: number): Promise<[number, number, number]> {
  return page
    .evaluate(
      ([chartId, x]) => {
        type ChartLike = {
          scales: { x: { getPixelForValue(v: number): number } };
          chartArea: { bottom: number };
          canvas: Canvas2d;
          currentDevicePixelRatio: number;
        };
        const Chart = (globalThis as unknown as { Chart: { getChart(id: string): unknown } }).Chart;
        const chart = Chart.getChart(chartId as string) as ChartLike;
        const ratio = chart.currentDevicePixelRatio;
        const px = Math.round(chart.scales.x.getPixelForValue(x as number) * ratio);
        const py = Math.round((chart.chartArea.bottom - 3) * ratio);
        return [...chart.canvas.getContext('2d')!.getImageData(px, py, 1, 1).data];
      },
      [id, xSeconds] as const,
    )
    .then((rgba) => rgba.slice(0, 3) as [number, number, number]);
}

interface CanvasCheck {
  id: string;
  width: number;
  height: number;
  /** Pixels not left transparent: the chart drew something. */
  drawn: number;
  /** Distinct colors among them: axes alone are one or two grays. */
  colors: number;
}

describe('HTML report in headless Chromium', () => {
  let context: BrowserContext;
  let close: () => Promise<void>;
  let page: Page;
  const problems: string[] = [];
  const requests: string[] = [];

  beforeAll(async () => {
    const missing = chromiumMissing();
    if (missing) throw new Error(missing);
    await mkdir(ARTIFACTS, { recursive: true });
    const file = path.join(ARTIFACTS, 'report.html');
    await writeFile(file, renderHtml(FIXTURE));
    ({ context, close } = await launchChromium());
    page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    await page.waitForSelector('body[data-charts]', { timeout: 15_000 }).catch(() => undefined);
    await page.screenshot({ path: path.join(ARTIFACTS, 'report.png'), fullPage: true });
  });

  afterAll(async () => {
    await close?.();
  });

  it('draws every chart without an error or warning on the console', async () => {
    expect(problems).toEqual([]);
    const status = await page.locator('#chart-status').getAttribute('class');
    expect(status).not.toBe('error');
    // Sessions lost, users logged in, p99, throughput, and one per variant.
    expect(await page.getAttribute('body', 'data-charts')).toBe(String(4 + FIXTURE.results.length));
  });

  it('fetches nothing: the page, its scripts and data are all in the one file', () => {
    expect(requests.filter((url) => !url.startsWith('file:') && !url.startsWith('data:'))).toEqual(
      [],
    );
  });

  it('gives each canvas a size and draws in it', async () => {
    const canvases = await page.$$eval('canvas', (elements) =>
      elements.map((canvas): CanvasCheck => {
        const c = canvas as unknown as Canvas2d;
        const pixels = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        let drawn = 0;
        const colors = new Set<number>();
        for (let i = 0; i < pixels.length; i += 4) {
          if (pixels[i + 3] === 0) continue;
          drawn++;
          colors.add((pixels[i]! << 16) | (pixels[i + 1]! << 8) | pixels[i + 2]!);
        }
        return { id: c.id, width: c.width, height: c.height, drawn, colors: colors.size };
      }),
    );
    expect(canvases.map((c) => c.id)).toEqual([
      'chart-sessions',
      'chart-logged-in',
      'chart-p99',
      'chart-rps',
      ...FIXTURE.results.map((_, i) => `chart-variant-${i}`),
    ]);
    for (const c of canvases) {
      expect(c.width, c.id).toBeGreaterThan(200);
      expect(c.height, c.id).toBeGreaterThan(150);
      expect(c.drawn, c.id).toBeGreaterThan(2_000);
      expect(c.colors, c.id).toBeGreaterThan(10);
    }
  });

  it('draws a run without faults, with a failed variant, just as cleanly', async () => {
    const result = fixture();
    result.scenario.faults = [];
    for (const r of result.results) r.faults = [];
    Object.assign(result.results[2]!, {
      status: 'failed',
      reason: 'would not start',
      timeline: [],
    });
    const file = path.join(ARTIFACTS, 'no-faults.html');
    await writeFile(file, renderHtml(result));
    const { page: other, problems: seen } = await openPage(context, pathToFileURL(file).href);
    expect(seen).toEqual([]);
    // The failed variant gets no chart of its own: 4 + the two measured ones.
    expect(await other.getAttribute('body', 'data-charts')).toBe('6');
    await other.close();
  });

  it('shades each variant its own fault windows, at the times they ran on it', async () => {
    const ends = (a: ChartSeen['annotations'], prefix: string) =>
      Object.entries(a)
        .filter(([id]) => id.startsWith(prefix))
        .map(([, note]) => note.xMax);
    for (const id of ['chart-p99', 'chart-rps', 'chart-logged-in']) {
      const chart = await chartSeen(page, id);
      expect(chart.datasets.map((d) => d.label)).toEqual(FIXTURE.results.map((r) => r.variant));
      // 3 variants × 2 faults; the kill's window ends where each variant served again.
      expect(ends(chart.annotations, 'window-'), id).toEqual([
        1.606, 5.13, 1.602, 5.085, 1.6, 4.101,
      ]);
    }
    for (const [i, r] of FIXTURE.results.entries()) {
      const own = await chartSeen(page, `chart-variant-${i}`);
      expect(ends(own.annotations, 'window-')).toEqual(r.faults.map((f) => f.endedMs! / 1000));
    }
    // Red over the white background inside memory's pause (1.0-1.6 s), away from the lines.
    const [r, g, b] = await pixel(page, 'chart-variant-0', 1.3);
    expect(r).toBeGreaterThan(g + 15);
    expect(r).toBeGreaterThan(b + 15);
  });

  it('draws the amber recovering band where p99 stayed raised after the fault', async () => {
    const bands = async (i: number) =>
      Object.entries((await chartSeen(page, `chart-variant-${i}`)).annotations)
        .filter(([id]) => id.startsWith('recovering-'))
        .map(([, a]) => [a.xMin, a.xMax]);
    // memory never recovered from the kill (to the end, 6 s); cookie's pause until 1.7 s.
    expect(await bands(0)).toEqual([[5.13, 6]]);
    expect(await bands(2)).toEqual([[1.6, 1.699]]);
    const [r, g, b] = await pixel(page, 'chart-variant-0', 5.6);
    expect(r).toBeGreaterThan(b + 40); // amber: red and green high, blue low
    expect(g).toBeGreaterThan(b + 30);
  });

  it('labels the log axis 1, 2, 5 per decade in ms and s, the same scale on every variant chart', async () => {
    const p99 = await chartSeen(page, 'chart-p99');
    const shown = p99.scales.y!.ticks.filter(Boolean);
    expect(shown.length).toBeGreaterThanOrEqual(3);
    for (const tick of shown) expect(tick).toMatch(/^(0\.0*)?[125]0* (ms|s)$/);
    expect(shown).toContain('1 s');
    const axes = await Promise.all(
      FIXTURE.results.map(async (_, i) => {
        const { y, rps } = (await chartSeen(page, `chart-variant-${i}`)).scales;
        return [y!.min, y!.max, rps!.min, rps!.max];
      }),
    );
    expect(new Set(axes.map((a) => a.join()))).toHaveProperty('size', 1);
    expect(await page.locator('text=Every chart below has the same scales').count()).toBe(1);
  });

  it('plots users still logged in: memory drops at each fault, disk and cookie keep all 80', async () => {
    const chart = await chartSeen(page, 'chart-logged-in');
    const at = (label: string, x: number) =>
      (chart.datasets.find((d) => d.label === label)!.data as { x: number; y: number }[])
        .filter((p) => p.x <= x)
        .at(-1)!.y;
    expect([at('memory', 0.5), at('memory', 2), at('memory', 3.6), at('memory', 6)]).toEqual([
      80, 75, 5, 5,
    ]);
    expect([at('disk', 6), at('cookie', 6)]).toEqual([80, 80]);
  });

  it('labels every bar with its value, logged-out users over all users', async () => {
    const labels = (await page.getAttribute('#chart-sessions', 'data-labels'))!.split('|');
    expect(labels).toEqual(
      expect.arrayContaining(['memory:0:75/80', 'memory:1:0', 'disk:0:0/80', 'cookie:2:28']),
    );
    expect(labels).toHaveLength(9);
  });

  it('fits a 390 px phone: no sideways page scroll, wide tables scroll in their box', async () => {
    const { context: phone, close: closePhone } = await launchChromium({ width: 390, height: 844 });
    try {
      const file = path.join(ARTIFACTS, 'report.html');
      const { page: small, problems: seen } = await openPage(phone, pathToFileURL(file).href);
      await small.screenshot({ path: path.join(ARTIFACTS, 'report-390px.png'), fullPage: true });
      const layout = await small.evaluate(() => {
        const d = (globalThis as unknown as { document: DocumentLike }).document;
        return {
          page: d.documentElement.scrollWidth,
          canvases: [...d.querySelectorAll('canvas')].map((c) => c.getBoundingClientRect().right),
          tables: [...d.querySelectorAll('table')].map((t) => t.parentElement!.className),
        };
      });
      expect(seen).toEqual([]);
      expect(layout.page).toBeLessThanOrEqual(390);
      for (const right of layout.canvases) expect(right).toBeLessThanOrEqual(390);
      expect(layout.tables.every((c) => c === 'scroll')).toBe(true);
    } finally {
      await closePhone();
    }
  });
});

describe('HTML report of variants that did not measure what was planned', () => {
  let context: BrowserContext;
  let close: () => Promise<void>;
  let page: Page;
  let problems: string[];

  beforeAll(async () => {
    const result = fixture();
    result.status = 'partial';
    // disk: its planned faults did not run. cookie: failed. redis: skipped, with a long reason.
    result.results[1]!.faults.forEach((f) =>
      Object.assign(f, { status: 'skipped', startedMs: null, reason: 'disk has no node0' }),
    );
    Object.assign(result.results[2]!, {
      status: 'failed',
      reason: 'would not start',
      timeline: [],
    });
    result.results.push({
      ...structuredClone(result.results[2]!),
      variant: 'redis',
      status: 'skipped',
      reason: `redis-server not found on PATH: install the Debian package redis-server, or use --provider docker. ${'x'.repeat(300)}`,
    });
    const memory = result.results[0]!;
    memory.stalled = { atMs: 4000, forMs: 1100 };
    memory.durabilityCaveat = 'A compressed day: save points ran on real time.';
    memory.faults[1]!.expectation = {
      loss: 'all',
      claim: 'sessions live in the app process',
      source: 'docs',
      matches: null,
      reason: 'losses also after the pause',
    };
    const file = path.join(ARTIFACTS, 'not-measured.html');
    await writeFile(file, renderHtml(result));
    ({ context, close } = await launchChromium());
    ({ page, problems } = await openPage(context, pathToFileURL(file).href));
    await page.screenshot({ path: path.join(ARTIFACTS, 'not-measured.png'), fullPage: true });
  });

  afterAll(async () => {
    await close?.();
  });

  it('marks the bar of a variant whose fault did not run, and of failed and skipped ones', async () => {
    expect(problems).toEqual([]);
    const labels = (await page.getAttribute('#chart-sessions', 'data-labels'))!.split('|');
    expect(labels).toEqual(
      expect.arrayContaining(['disk:0:no fault', 'cookie:failed', 'redis:skipped']),
    );
    expect(labels.filter((l) => l.startsWith('cookie:') || l.startsWith('redis:'))).toEqual([
      'cookie:failed',
      'redis:skipped',
    ]);
    const bars = await chartSeen(page, 'chart-sessions');
    expect(bars.labels).toEqual([
      'memory',
      ['disk', '(no fault)'],
      ['cookie', '(failed)'],
      ['redis', '(skipped)'],
    ]);
    expect(bars.datasets[0]!.data).toEqual([75, 0, null, null]);
  });

  it('says no fault in the summary, and gives failed and skipped variants one short line, no chart', async () => {
    const summary = await page.locator('table').first().innerText();
    expect(summary).toMatch(/disk[^\n]*no fault/);
    expect(summary).not.toMatch(/cookie|redis/);
    const notRun = await page.locator('ul.not-run > li').allInnerTexts();
    expect(notRun).toHaveLength(2);
    expect(notRun[0]).toMatch(/^cookie failed: would not start/);
    expect(notRun[1]!.split('\n')[0]!.length).toBeLessThan(200);
    expect(await page.locator('canvas[id^="chart-variant-"]').count()).toBe(2);
  });

  it('renders stalled, the † caveat, an undecided expectation and a partial run', async () => {
    expect(await page.locator('.banner').innerText()).toMatch(/^Partial run/);
    const memory = await page.locator('tr', { hasText: 'memory' }).first().innerText();
    expect(memory).toContain('75 / 80 †');
    expect(memory).toContain('stalled at 4.0 s');
    expect(await page.locator('ul.incidents').innerText()).toBe(
      'memory: stalled at 4.0 s (no answer for 1.1 s)',
    );
    // Late requests of the fixture's pause and kill: a note of their own, not an incident.
    expect(await page.locator('ul.late').innerText()).toMatch(
      /^memory: 10\.4% of requests \(50\) left more than 10 ms after their scheduled time/,
    );
    expect(await page.locator('ul.caveat').innerText()).toBe(
      '† memory: A compressed day: save points ran on real time.',
    );
    expect(await page.locator('td.undecided').innerText()).toBe('all (undecided)');
    expect(
      await page.locator('text=this run cannot decide (losses also after the pause)').count(),
    ).toBe(1);
  });
});

describe('HTML report from the published build', () => {
  it('inlines the same browser code from dist/ (npm run build) as from the sources', async () => {
    // The package ships dist/ only: its client.js is compiled by tsc, the sources' is
    // transpiled on the fly. Both must give the very same page.
    await run('npm', ['run', 'build']);
    const out = path.join(ARTIFACTS, 'from-dist.html');
    await mkdir(ARTIFACTS, { recursive: true });
    await run(process.execPath, [
      'dist/cli/main.js',
      'report',
      path.join(FIXTURE_DIR, 'result.json'),
      '--format',
      'html',
      '--out',
      out,
    ]);
    const built = await readFile(out, 'utf8');
    expect(built).toContain('<script type="module">');
    expect(built).toBe(renderHtml(FIXTURE));
  }, 120_000);
});
