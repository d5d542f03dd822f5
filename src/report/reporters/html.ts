import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { RunResult, VariantResult } from '../../result/result.js';
import {
  FAULT_ALIGN,
  FAULT_COLUMNS,
  expectationNotes,
  faultName,
  faultRows,
  loadLine,
  machineLine,
  plannedFaults,
  whenText,
} from './common.js';
import { summaryColumns, summaryRows } from './summaryColumns.js';

/**
 * One self-contained HTML file with charts: Chart.js and its annotation plugin are
 * read from node_modules and inlined, the figures are embedded as JSON, and a
 * Content-Security-Policy forbids every fetch, so the page opens offline and cannot
 * reach a CDN even by mistake.
 */

const require = createRequire(import.meta.url);

/** The minified browser build next to a package's main file (their exports hide dist/). */
function browserBuild(pkg: string, file: string): string {
  const main = require.resolve(pkg);
  return readFileSync(path.join(path.dirname(main), file), 'utf8')
    .replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n')
    .replace(/<\/script/gi, '<\\/script');
}

let libraries: string | undefined;
function chartLibraries(): string {
  libraries ??= [
    browserBuild('chart.js', 'chart.umd.min.js'),
    browserBuild('chartjs-plugin-annotation', 'chartjs-plugin-annotation.min.js'),
  ]
    .map((code) => `<script>${code}</script>`)
    .join('\n');
  return libraries;
}

const escapeHtml = (text: string | number) =>
  String(text).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

/** JSON safe inside <script>: no "</script>", no "<!--". */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

/** What the charts need, and nothing else (events and log tails stay in the JSON file). */
export interface ChartData {
  durationMs: number;
  plannedFaults: { atMs: number; label: string; durationMs?: number }[];
  variants: {
    variant: string;
    status: string;
    timeline: { tMs: number; rps: number; p99Us: number; errors: number }[];
    faults: {
      /** Which of the planned faults this is. */
      planned: number;
      label: string;
      startedMs: number;
      endedMs: number;
      recoveryMs: number | null;
      /** Users who lost their session at this fault. */
      loggedOutUsers: number;
    }[];
    loggedOutUsers: number;
    lostUpdates: number;
    resurrectedSessions: number;
  }[];
}

export function chartData(result: RunResult): ChartData {
  return {
    durationMs: result.scenario.load.durationMs,
    plannedFaults: result.scenario.faults.map((f) => ({
      atMs: f.atMs,
      label: `${f.action}:${f.target}`,
      ...(f.durationMs !== undefined ? { durationMs: f.durationMs } : {}),
    })),
    variants: result.results
      .filter((r) => r.status !== 'skipped')
      .map((r) => ({
        variant: r.variant,
        status: r.status,
        timeline: r.timeline.map(({ tMs, rps, p99Us, errors }) => ({ tMs, rps, p99Us, errors })),
        faults: r.faults
          .map((f, planned) => ({ f, planned }))
          .filter(({ f }) => f.startedMs !== null)
          .map(({ f, planned }) => ({
            planned,
            label: faultName(f),
            startedMs: f.startedMs!,
            endedMs: f.endedMs ?? f.startedMs!,
            recoveryMs: f.recoveryMs,
            loggedOutUsers: f.loggedOutUsers,
          })),
        loggedOutUsers: r.audit.loggedOutUsers,
        lostUpdates: r.audit.lostUpdates,
        resurrectedSessions: r.audit.resurrectedSessions,
      })),
  };
}

function table(head: string[], rows: (string | number)[][], numeric: boolean[]): string {
  const th = head.map((h, i) => `<th${numeric[i] ? ' class="n"' : ''}>${escapeHtml(h)}</th>`);
  const tr = rows.map(
    (row) =>
      `<tr>${row.map((c, i) => `<td${numeric[i] ? ' class="n"' : ''}>${escapeHtml(c)}</td>`).join('')}</tr>`,
  );
  return `<table><thead><tr>${th.join('')}</tr></thead><tbody>${tr.join('\n')}</tbody></table>`;
}

function summaryTable(results: VariantResult[]): string {
  const columns = summaryColumns({ server: true });
  return table(
    columns.map((c) => c.heading),
    summaryRows(columns, results),
    columns.map((c) => c.align === 'r'),
  );
}

function faultsTable(results: VariantResult[]): string {
  const rows = faultRows(results);
  if (!rows.length) return '';
  const notes = expectationNotes(results);
  return (
    `<h2>Faults</h2>\n${table(
      FAULT_COLUMNS,
      rows,
      [...FAULT_ALIGN].map((a) => a === 'r'),
    )}` +
    (notes.length
      ? `\n<ul class="facts">${notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>`
      : '')
  );
}

function thresholdsSection(result: RunResult): string {
  const verdicts = result.thresholds ?? [];
  if (!verdicts.length) return '';
  const failed = verdicts.filter((v) => v.status === 'failed').length;
  const rows = verdicts
    .map(
      (v) =>
        `<tr class="${v.status}"><td>${v.status}</td><td><code>${escapeHtml(v.expression)}</code></td>` +
        `<td>${escapeHtml(v.variant)}</td><td>${escapeHtml(v.message.replace(`${v.variant}: `, ''))}</td></tr>`,
    )
    .join('\n');
  return (
    `<h2>Thresholds: ${failed ? `${failed} failed` : 'all passed'}</h2>\n` +
    `<table class="thresholds"><thead><tr><th></th><th>threshold</th><th>variant</th><th>detail</th></tr></thead><tbody>${rows}</tbody></table>`
  );
}

const STYLE = `
:root { color-scheme: light; --fg: #1d2330; --muted: #5b6475; --line: #dde1e8; --bad: #b42318; --good: #067647; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); margin: 0 auto; padding: 24px; max-width: 1200px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; } h3 { font-size: 14px; margin: 0 0 6px; }
.muted { color: var(--muted); } ul.facts { padding-left: 18px; margin: 8px 0; }
table { border-collapse: collapse; width: 100%; margin: 6px 0; font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { font-weight: 600; background: #f6f7f9; } td.n, th.n { text-align: right; }
tr.failed td { color: var(--bad); font-weight: 600; } tr.passed td:first-child { color: var(--good); }
.charts { display: grid; grid-template-columns: 1fr; gap: 18px; }
.grid2 { display: grid; grid-template-columns: repeat(auto-fit, minmax(480px, 1fr)); gap: 18px; }
figure { margin: 0; border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; }
figcaption { color: var(--muted); font-size: 12px; margin-top: 4px; }
.chart { position: relative; height: 300px; } .chart.small { height: 240px; }
.error { color: var(--bad); font-weight: 600; }
`;

/** Draws every chart from the embedded data; plain browser JavaScript, no build step. */
const CLIENT = String.raw`
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('session-bench-data').textContent);
  var status = document.getElementById('chart-status');
  try {
    if (typeof Chart === 'undefined') throw new Error('the chart library did not load');
    var palette = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777', '#4b5563', '#65a30d'];
    var colorOf = function (i) { return palette[i % palette.length]; };
    var seconds = function (ms) { return ms / 1000; };
    var endS = seconds(data.durationMs);

    // A fault's moment is a dashed line; its window (fault in effect) is shaded red,
    // and the time until latency recovered after it, amber.
    function faultAnnotations(faults, withRecovery) {
      var notes = {};
      faults.forEach(function (f, i) {
        notes['window' + i] = { type: 'box', xMin: seconds(f.startedMs), xMax: Math.max(seconds(f.endedMs), seconds(f.startedMs) + 0.05),
          backgroundColor: 'rgba(220, 38, 38, 0.16)', borderWidth: 0, drawTime: 'beforeDatasetsDraw' };
        if (withRecovery && f.recoveryMs !== null && f.startedMs + f.recoveryMs > f.endedMs) {
          notes['recovery' + i] = { type: 'box', xMin: seconds(f.endedMs), xMax: seconds(f.startedMs + f.recoveryMs),
            backgroundColor: 'rgba(234, 179, 8, 0.14)', borderWidth: 0, drawTime: 'beforeDatasetsDraw' };
        }
        notes['moment' + i] = { type: 'line', xMin: seconds(f.startedMs), xMax: seconds(f.startedMs),
          borderColor: 'rgba(185, 28, 28, 0.9)', borderWidth: 1.5, borderDash: [5, 4],
          label: { display: true, content: withRecovery && f.loggedOutUsers ? f.label + ' · ' + f.loggedOutUsers + ' logged out' : f.label, position: 'start', backgroundColor: 'rgba(185, 28, 28, 0.85)', font: { size: 11 }, padding: 3 } };
      });
      return notes;
    }

    // Across variants, a planned fault fired at slightly different moments: shade from
    // the earliest start to the latest end.
    function plannedAnnotations() {
      return faultAnnotations(data.plannedFaults.map(function (p, i) {
        var fired = [];
        data.variants.forEach(function (v) { v.faults.forEach(function (f) { if (f.planned === i) fired.push(f); }); });
        var start = fired.length ? Math.min.apply(null, fired.map(function (f) { return f.startedMs; })) : p.atMs;
        var end = fired.length ? Math.max.apply(null, fired.map(function (f) { return f.endedMs; })) : p.atMs + (p.durationMs || 0);
        return { label: p.label, startedMs: start, endedMs: end, recoveryMs: null };
      }), false);
    }

    function points(v, pick) {
      return v.timeline.map(function (p) { return { x: seconds(p.tMs) + 0.5, y: pick(p) }; });
    }
    var p99 = function (p) { return p.p99Us > 0 ? p.p99Us / 1000 : null; };
    var rps = function (p) { return p.rps; };

    function lineOptions(yTitle, logarithmic, annotations, extraScales) {
      var scales = {
        x: { type: 'linear', min: 0, max: endS, title: { display: true, text: 'seconds into the load' } },
        y: { type: logarithmic ? 'logarithmic' : 'linear', title: { display: true, text: yTitle }, beginAtZero: !logarithmic }
      };
      Object.keys(extraScales || {}).forEach(function (k) { scales[k] = extraScales[k]; });
      return {
        animation: false, responsive: true, maintainAspectRatio: false, parsing: true, spanGaps: false,
        interaction: { mode: 'nearest', axis: 'x', intersect: false },
        plugins: { legend: { position: 'bottom' }, annotation: { annotations: annotations } },
        scales: scales
      };
    }

    function line(id, datasets, options) {
      return new Chart(document.getElementById(id), { type: 'line', data: { datasets: datasets }, options: options });
    }

    var drawn = [];
    drawn.push(line('chart-p99', data.variants.map(function (v, i) {
      return { label: v.variant, data: points(v, p99), borderColor: colorOf(i), backgroundColor: colorOf(i), pointRadius: 2, borderWidth: 2 };
    }), lineOptions('p99 latency, ms (log scale)', true, plannedAnnotations())));

    drawn.push(line('chart-rps', data.variants.map(function (v, i) {
      return { label: v.variant, data: points(v, rps), borderColor: colorOf(i), backgroundColor: colorOf(i), pointRadius: 2, borderWidth: 2 };
    }), lineOptions('answers per second', false, plannedAnnotations())));

    drawn.push(new Chart(document.getElementById('chart-sessions'), {
      type: 'bar',
      data: {
        labels: data.variants.map(function (v) { return v.variant; }),
        datasets: [
          { label: 'logged-out users', data: data.variants.map(function (v) { return v.loggedOutUsers; }), backgroundColor: '#dc2626' },
          { label: 'lost updates', data: data.variants.map(function (v) { return v.lostUpdates; }), backgroundColor: '#ea580c' },
          { label: 'resurrected sessions', data: data.variants.map(function (v) { return v.resurrectedSessions; }), backgroundColor: '#9333ea' }
        ]
      },
      options: { animation: false, responsive: true, maintainAspectRatio: false,
        plugins: { legend: { position: 'bottom' } },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: 'count' } } } }
    }));

    data.variants.forEach(function (v, i) {
      drawn.push(line('chart-variant-' + i, [
        { label: 'p99 ms', data: points(v, p99), borderColor: colorOf(i), backgroundColor: colorOf(i), pointRadius: 2, borderWidth: 2, yAxisID: 'y' },
        { label: 'answers/s', data: points(v, rps), borderColor: '#6b7280', backgroundColor: '#6b7280', pointRadius: 0, borderWidth: 1.5, borderDash: [3, 3], yAxisID: 'rps' }
      ], lineOptions('p99 ms (log)', true, faultAnnotations(v.faults, true), {
        rps: { type: 'linear', position: 'right', beginAtZero: true, grid: { drawOnChartArea: false }, title: { display: true, text: 'answers/s' } }
      })));
    });
    document.body.setAttribute('data-charts', String(drawn.length));
  } catch (error) {
    status.textContent = 'Charts could not be drawn: ' + (error && error.message ? error.message : error);
    status.className = 'error';
    console.error(error);
  }
})();
`;

export function renderHtml(result: RunResult): string {
  const s = result.scenario;
  const title = `session-bench ${s.scenario.name}, ${whenText(result.startedAt)}`;
  const data = chartData(result);
  const description = s.scenario.description?.trim();
  const perVariant = data.variants
    .map(
      (v, i) =>
        `<figure><h3>${escapeHtml(v.variant)}${v.status === 'completed' ? '' : ` (${escapeHtml(v.status)})`}</h3>` +
        `<div class="chart small"><canvas id="chart-variant-${i}" role="img" aria-label="p99 latency and throughput over time for ${escapeHtml(v.variant)}"></canvas></div></figure>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="${escapeHtml(`${result.tool.name} ${result.tool.version}`)}">
<link rel="icon" href="data:,">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>session-bench: ${escapeHtml(s.scenario.name)}</h1>
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
<h2>Summary</h2>
${summaryTable(result.results)}
${thresholdsSection(result)}
<h2>Over time</h2>
<p id="chart-status" class="muted">Red: a fault in effect (dashed line: the moment it fired). Amber: until p99 was back to normal. Points are per second of the load.</p>
<div class="charts">
<figure><h3>p99 latency per second</h3><div class="chart"><canvas id="chart-p99" role="img" aria-label="p99 latency over time per variant"></canvas></div>
<figcaption>p99 of the requests intended in each second${s.load.mode === 'fixed' ? ', measured from the intended send time' : ''}. Log scale: a stall and normal service fit on one chart.</figcaption></figure>
<figure><h3>Throughput per second</h3><div class="chart"><canvas id="chart-rps" role="img" aria-label="answers per second over time per variant"></canvas></div>
<figcaption>Answers received in each second, a login wall included.</figcaption></figure>
<figure><h3>Sessions lost, per variant</h3><div class="chart"><canvas id="chart-sessions" role="img" aria-label="logged-out users, lost updates and resurrected sessions per variant"></canvas></div>
<figcaption>Logged-out users: logged in, never logged out by the workload, yet their session vanished. Lost updates: acknowledged session writes read back older. Resurrected: logged-out sessions accepted again.</figcaption></figure>
</div>
<h2>Per variant</h2>
<div class="grid2">
${perVariant}
</div>
${faultsTable(result.results)}
</main>
<script type="application/json" id="session-bench-data">${scriptJson(data)}</script>
${chartLibraries()}
<script>${CLIENT}</script>
</body>
</html>
`;
}
