import type { RunResult } from '../../result/result.js';
import { loadLine, machineLine, plannedFaults, whenText } from './common.js';
import type { ChartData, ChartVariant } from './html/chartData.js';
import {
  CAPACITY_ALIGN,
  CAPACITY_HEAD,
  CURVE_ALIGN,
  CURVE_HEAD,
  RESOURCE_ALIGN,
  RESOURCE_HEAD,
  RESOURCE_LEGEND,
  capacityLegend,
  capacityRows,
  curveRows,
  resourceRows,
} from './capacity.js';
import { htmlAssets } from './htmlAssets.js';
import { chartData } from './htmlChartData.js';
import { claimsHtml } from './claimsSection.js';
import {
  escapeHtml,
  faultsTable,
  neighborTable,
  failoverTable,
  notMeasured,
  plainTable,
  summaryNotes,
  summaryTable,
  variantStatus,
} from './htmlTables.js';
import { verdictHeading, verdictRows } from './thresholdsBlock.js';

export type { ChartData } from './html/chartData.js';
export { chartData } from './htmlChartData.js';

/**
 * One self-contained HTML file with charts: Chart.js and its annotation plugin are
 * read from node_modules and inlined with our own browser code (html/client.ts) and
 * style (html/style.css), the figures are embedded as JSON, and a
 * Content-Security-Policy forbids every fetch, so the page opens offline and cannot
 * reach a CDN even by mistake.
 */

/** JSON safe inside <script>: no "</script>", no "<!--". */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

function thresholdsSection(result: RunResult): string {
  const verdicts = result.thresholds ?? [];
  if (!verdicts.length) return '';
  const rows = verdictRows(verdicts)
    .map(
      (v) =>
        `<tr class="${v.status}"><td>${v.status}</td><td><code>${escapeHtml(v.expression)}</code></td>` +
        `<td>${escapeHtml(v.variant)}</td><td>${escapeHtml(v.detail)}</td></tr>`,
    )
    .join('\n');
  return (
    `<h2>Thresholds: ${verdictHeading(verdicts)}</h2>\n` +
    `<div class="scroll"><table class="thresholds"><thead><tr><th></th><th>threshold</th><th>variant</th><th>detail</th></tr></thead><tbody>${rows}</tbody></table></div>`
  );
}

/** A run that did not finish says so before any figure. */
function runBanner(result: RunResult): string {
  if (result.status === 'partial') {
    return '<p class="banner">Partial run: it was still writing its results, or stopped before every variant finished. Only the variants below were recorded.</p>';
  }
  if (result.status === 'aborted') {
    return '<p class="banner">Interrupted run: the variant that was running when it stopped has only part of its load, and later ones did not run.</p>';
  }
  return '';
}

function overTime(result: RunResult, data: ChartData): string {
  if (!data.variants.length) return '';
  const amber = data.variants.some((v) => v.windows.some((w) => w.recoveringUntilMs !== null));
  const anyFault = data.variants.some((v) => v.windows.length);
  const fromTimeline = data.variants.every((v) => v.loggedInSource === 'timeline');
  const legend = anyFault
    ? 'Shaded: a fault in effect on a variant, in its colour, at the times it ran on that variant (dashed line: the moment it fired).'
    : 'No fault ran on any variant.';
  return `<h2>Over time</h2>
<p class="muted">${legend} Points are per second of the load.</p>
<div class="charts">
<figure><h3>Users still logged in</h3><div class="chart"><canvas id="chart-logged-in" role="img" aria-label="users still logged in over time per variant"></canvas></div>
<figcaption>${
    fromTimeline
      ? 'Users whose session the store still held, at the end of each second.'
      : "Each fault's logged-out users, taken off when it fired; users lost but not blamed on a fault come off at the end, when the final sweep found them."
  } Users the workload logged out itself are not counted as lost.</figcaption></figure>
<figure><h3>p99 latency per second</h3><div class="chart"><canvas id="chart-p99" role="img" aria-label="p99 latency over time per variant"></canvas></div>
<figcaption>p99 of the requests intended in each second${result.scenario.load.mode === 'fixed' ? ', measured from the intended send time' : ''}. Log scale: a stall and normal service fit on one chart.</figcaption></figure>
<figure><h3>Throughput per second</h3><div class="chart"><canvas id="chart-rps" role="img" aria-label="answers per second over time per variant"></canvas></div>
<figcaption>Answers received in each second, a login wall included.</figcaption></figure>
</div>
${perVariant(data, amber)}`;
}

function variantFigure(v: ChartVariant, i: number, result: RunResult): string {
  const r = result.results.find((x) => x.variant === v.variant)!;
  const status = variantStatus(r);
  return (
    `<figure><h3>${escapeHtml(v.variant)}${status === 'ok' ? '' : ` <span class="flag">(${escapeHtml(status)})</span>`}</h3>` +
    `<div class="chart small"><canvas id="chart-variant-${i}" role="img" aria-label="p99 latency and throughput over time for ${escapeHtml(v.variant)}"></canvas></div></figure>`
  );
}

function perVariant(data: ChartData, amber: boolean): string {
  const s = data.scales;
  const ms = (v: number) => (v >= 1000 ? `${v / 1000} s` : `${v} ms`);
  return `<h2>Per variant</h2>
<p class="muted">Every chart below has the same scales (p99 ${ms(s.p99MinMs)} to ${ms(s.p99MaxMs)}, log; answers/s 0 to ${s.rpsMax}), so their heights compare. Red: the fault in effect on that variant.${
    amber
      ? ' Amber: after it, until p99 was back within 2× of before (to the end of the load when it never was).'
      : ' No fault left p99 raised after it ended.'
  }</p>`;
}

function capacitySection(result: RunResult, data: ChartData): string {
  const rows = capacityRows(result.results);
  if (!rows.length) return '';
  const curves = result.results
    .filter((r) => r.capacity)
    .map(
      (r) =>
        `<h3>Curve of ${escapeHtml(r.variant)}</h3>\n${plainTable(CURVE_HEAD, CURVE_ALIGN, curveRows(r.capacity!.steps))}`,
    )
    .join('\n');
  return `<h2>Capacity</h2>
${plainTable(CAPACITY_HEAD, CAPACITY_ALIGN, rows)}
<ul class="muted">${capacityLegend(result.results)
    .map((l) => `<li>${escapeHtml(l)}</li>`)
    .join('')}</ul>
${
  data.capacity.length
    ? `<figure><h3>p99 latency against the arrival rate</h3><div class="chart"><canvas id="chart-capacity" role="img" aria-label="p99 latency against the arrival rate per variant"></canvas></div>
<figcaption>One point per rate tried (a retried rate: its last try). Circle: passed; cross: failed (the store or app); triangle: lost to the generator (the tool's limit). Both axes log scale.</figcaption></figure>`
    : ''
}
${curves}`;
}

function resourcesSection(result: RunResult): string {
  const rows = resourceRows(result.results);
  if (!rows.length) return '';
  return `<h2>Resources</h2>
${plainTable(RESOURCE_HEAD, RESOURCE_ALIGN, rows)}
<p class="muted">${escapeHtml(RESOURCE_LEGEND)}</p>`;
}

const sessionsCaption =
  'Above each bar: logged-out users of all users in the load, lost updates, resurrected sessions. ' +
  '<b>no fault</b>: the planned fault did not run on that variant, so its 0 tests nothing. ' +
  '<b>failed</b> / <b>skipped</b>: not measured, not zero. † not representative (see under the summary).';

export function renderHtml(result: RunResult): string {
  const s = result.scenario;
  const title = `session-bench ${s.scenario.name}, ${whenText(result.startedAt)}`;
  const data = chartData(result);
  const description = s.scenario.description?.trim();
  const assets = htmlAssets();
  const figures = data.variants.map((v, i) => variantFigure(v, i, result)).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="${escapeHtml(`${result.tool.name} ${result.tool.version}`)}">
<link rel="icon" href="data:,">
<title>${escapeHtml(title)}</title>
<style>${assets.style}</style>
</head>
<body>
<header>
<h1>session-bench: ${escapeHtml(s.scenario.name)}</h1>
${runBanner(result)}
${description ? `<p class="muted">${escapeHtml(description).replace(/\n/g, '<br>')}</p>` : ''}
<ul class="facts">
<li><b>Load:</b> ${escapeHtml(loadLine(result))}</li>
<li><b>Faults:</b> ${escapeHtml(plannedFaults(result))}</li>
<li><b>Run:</b> ${escapeHtml(`${whenText(result.startedAt)}, ${result.runId}, ${result.status}`)}</li>
<li><b>Machine:</b> ${escapeHtml(machineLine(result))}</li>
<li><b>Versions:</b> ${escapeHtml(`${result.tool.name} ${result.tool.version}`)}</li>
</ul>
</header>
<main>
<p id="chart-status" hidden></p>
${claimsHtml(result)}
<h2>Summary</h2>
${summaryTable(result.results)}
${summaryNotes(result.results)}
${notMeasured(result.results)}
${thresholdsSection(result)}
${capacitySection(result, data)}
${resourcesSection(result)}
<h2>Sessions lost</h2>
<figure><div class="chart"><canvas id="chart-sessions" role="img" aria-label="logged-out users, lost updates and resurrected sessions per variant"></canvas></div>
<figcaption>${sessionsCaption}</figcaption></figure>
${overTime(result, data)}
<div class="grid2">
${figures}
</div>
${faultsTable(result.results)}
${neighborTable(result.results)}
${failoverTable(result.results)}
</main>
<script type="application/json" id="session-bench-data">${scriptJson(data)}</script>
${assets.libraries}
<script type="module">${assets.client}</script>
</body>
</html>
`;
}
