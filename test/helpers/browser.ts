import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium (.ci/setup-chromium.sh installs it); no browser is ever downloaded. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const chromiumMissing = () =>
  existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is missing: run .ci/setup-chromium.sh (as root)`;

/**
 * A headless Chromium with a fresh profile (playwright passes it as --user-data-dir)
 * and every background connection off.
 */
export async function launchChromium(
  viewport = { width: 1280, height: 900 },
): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const profile = await mkdtemp(path.join(os.tmpdir(), 'session-bench-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    close: async () => {
      await context.close().catch(() => undefined);
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** A page of the report opened in `context`, with what it logged as errors or warnings. */
export async function openPage(
  context: BrowserContext,
  url: string,
): Promise<{ page: Page; problems: string[] }> {
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForSelector('body[data-charts]', { timeout: 15_000 });
  return { page, problems };
}

/** What a drawn Chart.js chart holds: its annotations, datasets and axes, read in the page. */
export interface ChartSeen {
  annotations: Record<string, { type: string; xMin?: number; xMax?: number }>;
  datasets: { label: string; data: unknown[] }[];
  labels: unknown[];
  scales: Record<string, { min: number; max: number; ticks: string[] }>;
}

export function chartSeen(page: Page, id: string): Promise<ChartSeen> {
  return page.evaluate((chartId) => {
    type Scale = { min: number; max: number; ticks: { label?: unknown }[] };
    type ChartLike = {
      data: { labels?: unknown[]; datasets: { label: string; data: unknown[] }[] };
      options: { plugins: { annotation?: { annotations: ChartSeen['annotations'] } } };
      scales: Record<string, Scale>;
    };
    const Chart = (globalThis as unknown as { Chart: { getChart(id: string): unknown } }).Chart;
    const chart = Chart.getChart(chartId) as ChartLike | undefined;
    if (!chart) throw new Error(`no chart drawn in #${chartId}`);
    return {
      annotations: chart.options.plugins.annotation?.annotations ?? {},
      datasets: chart.data.datasets.map((d) => ({ label: d.label, data: d.data })),
      labels: chart.data.labels ?? [],
      scales: Object.fromEntries(
        Object.entries(chart.scales).map(([key, s]) => [
          key,
          {
            min: s.min,
            max: s.max,
            ticks: s.ticks.map((t) =>
              Array.isArray(t.label) ? t.label.join(' ') : String(t.label ?? ''),
            ),
          },
        ]),
      ),
    };
  }, id);
}
