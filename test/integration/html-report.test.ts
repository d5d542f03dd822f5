import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { renderHtml } from '../../src/report/reporters/html.js';
import { chromiumMissing, launchChromium } from '../helpers/browser.js';
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
    // p99, throughput, lost sessions, and one per variant.
    expect(await page.getAttribute('body', 'data-charts')).toBe(String(3 + FIXTURE.results.length));
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
      'chart-p99',
      'chart-rps',
      'chart-sessions',
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
    const other = await context.newPage();
    const seen: string[] = [];
    other.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') seen.push(`${m.type()}: ${m.text()}`);
    });
    other.on('pageerror', (e) => seen.push(`page error: ${e.message}`));
    await other.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    await other.waitForSelector('body[data-charts]', { timeout: 15_000 });
    expect(seen).toEqual([]);
    expect(await other.getAttribute('body', 'data-charts')).toBe('6');
    await other.close();
  });

  it('shades the fault windows and plots every variant', async () => {
    const seen = await page.evaluate(() => {
      const Chart = (globalThis as unknown as { Chart: { getChart(id: string): unknown } }).Chart;
      type ChartLike = {
        data: { datasets: { label: string; data: unknown[] }[] };
        options: { plugins: { annotation: { annotations: Record<string, { type: string }> } } };
        scales: { x: { getPixelForValue(v: number): number } };
        chartArea: { top: number; bottom: number };
        canvas: Canvas2d;
        currentDevicePixelRatio: number;
      };
      const chart = Chart.getChart('chart-p99') as ChartLike;
      // The pause ran from 1.0 s to 1.6 s: sample the plot there, away from the lines.
      const ratio = chart.currentDevicePixelRatio;
      const x = Math.round(chart.scales.x.getPixelForValue(1.3) * ratio);
      const y = Math.round((chart.chartArea.bottom - 3) * ratio);
      const [r, g, b] = chart.canvas.getContext('2d')!.getImageData(x, y, 1, 1).data;
      const annotations = Object.values(chart.options.plugins.annotation.annotations);
      return {
        datasets: chart.data.datasets.map((d) => [d.label, d.data.length]),
        boxes: annotations.filter((a) => a.type === 'box').length,
        lines: annotations.filter((a) => a.type === 'line').length,
        shade: [r, g, b],
      };
    });
    expect(seen.datasets).toEqual(FIXTURE.results.map((r) => [r.variant, r.timeline.length]));
    expect(seen.boxes).toBe(2);
    expect(seen.lines).toBe(2);
    const [r, g, b] = seen.shade as [number, number, number];
    // Red tint over the white background: red stays high, green and blue drop.
    expect(r).toBeGreaterThan(g + 15);
    expect(r).toBeGreaterThan(b + 15);
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
