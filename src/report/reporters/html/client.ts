import type { ChartConfiguration, ChartDataset, ChartOptions } from 'chart.js';
import type { AnnotationOptions } from 'chartjs-plugin-annotation';
import type { ChartData, ChartFault, ChartVariant } from './chartData.js';

/**
 * Draws every chart of the HTML report from the JSON embedded in the page. Inlined
 * as a module script after Chart.js, so it must stay self-contained: type imports only.
 */

type Annotations = Record<string, AnnotationOptions>;
type Point = { x: number; y: number | null };
type TimelinePoint = ChartVariant['timeline'][number];

const palette = [
  '#2563eb',
  '#dc2626',
  '#16a34a',
  '#9333ea',
  '#ea580c',
  '#0891b2',
  '#ca8a04',
  '#db2777',
  '#4b5563',
  '#65a30d',
];
const colorOf = (i: number) => palette[i % palette.length]!;
const seconds = (ms: number) => ms / 1000;

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page has no #${id}`);
  return found as T;
}

// A fault's moment is a dashed line; its window (fault in effect) is shaded red,
// and the time until latency recovered after it, amber.
function faultAnnotations(faults: Omit<ChartFault, 'planned'>[], withRecovery: boolean) {
  const notes: Annotations = {};
  faults.forEach((f, i) => {
    notes[`window${i}`] = {
      type: 'box',
      xMin: seconds(f.startedMs),
      xMax: Math.max(seconds(f.endedMs), seconds(f.startedMs) + 0.05),
      backgroundColor: 'rgba(220, 38, 38, 0.16)',
      borderWidth: 0,
      drawTime: 'beforeDatasetsDraw',
    };
    if (withRecovery && f.recoveryMs !== null && f.startedMs + f.recoveryMs > f.endedMs) {
      notes[`recovery${i}`] = {
        type: 'box',
        xMin: seconds(f.endedMs),
        xMax: seconds(f.startedMs + f.recoveryMs),
        backgroundColor: 'rgba(234, 179, 8, 0.14)',
        borderWidth: 0,
        drawTime: 'beforeDatasetsDraw',
      };
    }
    notes[`moment${i}`] = {
      type: 'line',
      xMin: seconds(f.startedMs),
      xMax: seconds(f.startedMs),
      borderColor: 'rgba(185, 28, 28, 0.9)',
      borderWidth: 1.5,
      borderDash: [5, 4],
      label: {
        display: true,
        content:
          withRecovery && f.loggedOutUsers
            ? `${f.label} · ${f.loggedOutUsers} logged out`
            : f.label,
        position: 'start',
        backgroundColor: 'rgba(185, 28, 28, 0.85)',
        font: { size: 11 },
        padding: 3,
      },
    };
  });
  return notes;
}

// Across variants, a planned fault fired at slightly different moments: shade from
// the earliest start to the latest end.
function plannedAnnotations(data: ChartData) {
  return faultAnnotations(
    data.plannedFaults.map((p, i) => {
      const fired = data.variants.flatMap((v) => v.faults.filter((f) => f.planned === i));
      const start = fired.length ? Math.min(...fired.map((f) => f.startedMs)) : p.atMs;
      const end = fired.length
        ? Math.max(...fired.map((f) => f.endedMs))
        : p.atMs + (p.durationMs ?? 0);
      return {
        label: p.label,
        startedMs: start,
        endedMs: end,
        recoveryMs: null,
        loggedOutUsers: 0,
      };
    }),
    false,
  );
}

const points = (v: ChartVariant, pick: (p: TimelinePoint) => number | null): Point[] =>
  v.timeline.map((p) => ({ x: seconds(p.tMs) + 0.5, y: pick(p) }));
const p99 = (p: TimelinePoint) => (p.p99Us > 0 ? p.p99Us / 1000 : null);
const rps = (p: TimelinePoint) => p.rps;

function lineOptions(
  endS: number,
  yTitle: string,
  logarithmic: boolean,
  annotations: Annotations,
  extraScales: NonNullable<ChartOptions<'line'>['scales']> = {},
): ChartOptions<'line'> {
  return {
    animation: false,
    responsive: true,
    maintainAspectRatio: false,
    spanGaps: false,
    interaction: { mode: 'nearest', axis: 'x', intersect: false },
    plugins: { legend: { position: 'bottom' }, annotation: { annotations } },
    scales: {
      x: {
        type: 'linear',
        min: 0,
        max: endS,
        title: { display: true, text: 'seconds into the load' },
      },
      y: {
        type: logarithmic ? 'logarithmic' : 'linear',
        title: { display: true, text: yTitle },
        beginAtZero: !logarithmic,
      },
      ...extraScales,
    },
  };
}

function line(
  id: string,
  datasets: ChartDataset<'line', Point[]>[],
  options: ChartOptions<'line'>,
) {
  const config: ChartConfiguration<'line', Point[]> = { type: 'line', data: { datasets }, options };
  return new Chart(element<HTMLCanvasElement>(id), config);
}

function drawAll(data: ChartData): number {
  const endS = seconds(data.durationMs);
  let drawn = 0;
  const series = (pick: (p: TimelinePoint) => number | null) =>
    data.variants.map((v, i) => ({
      label: v.variant,
      data: points(v, pick),
      borderColor: colorOf(i),
      backgroundColor: colorOf(i),
      pointRadius: 2,
      borderWidth: 2,
    }));
  line(
    'chart-p99',
    series(p99),
    lineOptions(endS, 'p99 latency, ms (log scale)', true, plannedAnnotations(data)),
  );
  line(
    'chart-rps',
    series(rps),
    lineOptions(endS, 'answers per second', false, plannedAnnotations(data)),
  );
  drawn += 2;

  new Chart(element<HTMLCanvasElement>('chart-sessions'), {
    type: 'bar',
    data: {
      labels: data.variants.map((v) => v.variant),
      datasets: [
        {
          label: 'logged-out users',
          data: data.variants.map((v) => v.loggedOutUsers),
          backgroundColor: '#dc2626',
        },
        {
          label: 'lost updates',
          data: data.variants.map((v) => v.lostUpdates),
          backgroundColor: '#ea580c',
        },
        {
          label: 'resurrected sessions',
          data: data.variants.map((v) => v.resurrectedSessions),
          backgroundColor: '#9333ea',
        },
      ],
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      plugins: { legend: { position: 'bottom' } },
      scales: {
        y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: 'count' } },
      },
    },
  });
  drawn++;

  data.variants.forEach((v, i) => {
    line(
      `chart-variant-${i}`,
      [
        {
          label: 'p99 ms',
          data: points(v, p99),
          borderColor: colorOf(i),
          backgroundColor: colorOf(i),
          pointRadius: 2,
          borderWidth: 2,
          yAxisID: 'y',
        },
        {
          label: 'answers/s',
          data: points(v, rps),
          borderColor: '#6b7280',
          backgroundColor: '#6b7280',
          pointRadius: 0,
          borderWidth: 1.5,
          borderDash: [3, 3],
          yAxisID: 'rps',
        },
      ],
      lineOptions(endS, 'p99 ms (log)', true, faultAnnotations(v.faults, true), {
        rps: {
          type: 'linear',
          position: 'right',
          beginAtZero: true,
          grid: { drawOnChartArea: false },
          title: { display: true, text: 'answers/s' },
        },
      }),
    );
    drawn++;
  });
  return drawn;
}

const status = element('chart-status');
try {
  if (typeof Chart === 'undefined') throw new Error('the chart library did not load');
  const data = JSON.parse(element('session-bench-data').textContent ?? 'null') as ChartData;
  document.body.setAttribute('data-charts', String(drawAll(data)));
} catch (error) {
  status.textContent = `Charts could not be drawn: ${error instanceof Error ? error.message : String(error)}`;
  status.className = 'error';
  console.error(error);
}
