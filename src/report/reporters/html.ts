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
import type { ChartData } from './html/chartData.js';
export type { ChartData } from './html/chartData.js';
import { htmlAssets } from './htmlAssets.js';
import { summaryColumns, summaryRows } from './summaryColumns.js';

/**
 * One self-contained HTML file with charts: Chart.js and its annotation plugin are
 * read from node_modules and inlined, the figures are embedded as JSON, and a
 * Content-Security-Policy forbids every fetch, so the page opens offline and cannot
 * reach a CDN even by mistake.
 */

const escapeHtml = (text: string | number) =>
  String(text).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

/** JSON safe inside <script>: no "</script>", no "<!--". */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

/** What the charts need, and nothing else (events and log tails stay in the JSON file). */
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
<style>${htmlAssets().style}</style>
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
${htmlAssets().libraries}
<script type="module">${htmlAssets().client}</script>
</body>
</html>
`;
}
