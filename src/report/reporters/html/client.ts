import type { Chart as ChartInstance, ChartDataset, ChartOptions, Plugin, Scale } from 'chart.js';
import type { AnnotationOptions } from 'chartjs-plugin-annotation';
import type { ChartData, ChartVariant, FaultWindow, SessionBar } from './chartData.js';

/**
 * Draws every chart of the HTML report from the JSON embedded in the page. Inlined
 * as a module script after Chart.js, so it must stay self-contained: type imports only.
 * Every figure is computed by the renderer (htmlChartData.ts); this file only draws.
 */

type Annotations = Record<string, AnnotationOptions>;
type Point = { x: number; y: number | null };
type TimelinePoint = ChartVariant['timeline'][number];
type Scales = NonNullable<ChartOptions<'line'>['scales']>;
type AxisOptions = NonNullable<Scales[string]>;

const PALETTE = [
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
const colorOf = (i: number) => PALETTE[i % PALETTE.length]!;
/** #rrggbb at an opacity, for shading in a variant's colour. */
const tint = (hex: string, alpha: number) =>
  `rgba(${[1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(', ')}, ${alpha})`;
const seconds = (ms: number) => ms / 1000;
const FAULT_RED = 'rgba(220, 38, 38, 0.16)';
const RECOVERING_AMBER = 'rgba(234, 179, 8, 0.30)';

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page has no #${id}`);
  return found as T;
}

/** "0.5 ms", "20 ms", "2 s". */
const msText = (ms: number) =>
  ms >= 1000 ? `${Number((ms / 1000).toPrecision(3))} s` : `${Number(ms.toPrecision(3))} ms`;

/**
 * A log axis labels each decade, and 2 and 5 of it where there is room; the other
 * grid lines stay unlabelled.
 */
function logTick(this: Scale, value: number | string): string {
  const v = Number(value);
  if (!(v > 0)) return '';
  const decade = 10 ** Math.floor(Math.log10(v) + 1e-9);
  const mantissa = v / decade;
  const nearest = Math.round(mantissa);
  if (Math.abs(mantissa - nearest) > 1e-6) return '';
  const pxPerDecade = this.height / Math.max(Math.log10(this.max / this.min), 0.1);
  const shown = pxPerDecade >= 75 ? [1, 2, 5] : pxPerDecade >= 40 ? [1, 5] : [1];
  return shown.includes(nearest) ? msText(v) : '';
}

/** A horizontal strip of a chart, in the units of its y axis. */
type Lane = { yMin: number; yMax: number };

interface WindowStyle {
  /**
   * null: the variant's own chart, shaded full height in red, amber while recovering.
   * Otherwise the chart of every variant: each variant's windows in its colour, in its
   * own lane along the top, so windows of different variants never blur into one.
   */
  own: { color: string; lane: Lane } | null;
  /** Which labels to print: a planned fault's name once per chart, or with its loss. */
  label: (w: FaultWindow) => string;
}

/** One variant's fault windows: shaded in effect, a dashed line when it fired, then recovering. */
function windowAnnotations(key: string, windows: FaultWindow[], style: WindowStyle): Annotations {
  const notes: Annotations = {};
  const lane = style.own?.lane ?? {};
  windows.forEach((w, i) => {
    const id = `${key}-${i}`;
    notes[`window-${id}`] = {
      type: 'box',
      xMin: seconds(w.startedMs),
      xMax: Math.max(seconds(w.endedMs), seconds(w.startedMs) + 0.05),
      ...lane,
      backgroundColor: style.own ? tint(style.own.color, 0.75) : FAULT_RED,
      borderWidth: 0,
      drawTime: 'beforeDatasetsDraw',
    };
    if (w.recoveringUntilMs !== null) {
      notes[`recovering-${id}`] = {
        type: 'box',
        xMin: seconds(w.endedMs),
        xMax: seconds(w.recoveringUntilMs),
        ...lane,
        backgroundColor: style.own ? tint(style.own.color, 0.22) : RECOVERING_AMBER,
        borderWidth: 0,
        drawTime: 'beforeDatasetsDraw',
      };
    }
    const text = style.label(w);
    notes[`moment-${id}`] = {
      type: 'line',
      xMin: seconds(w.startedMs),
      xMax: seconds(w.startedMs),
      borderColor: style.own ? tint(style.own.color, 0.6) : 'rgba(185, 28, 28, 0.9)',
      borderWidth: 1.5,
      borderDash: [5, 4],
      label: {
        display: text !== '',
        content: text,
        // On a variant's own chart, bottom and top in turn: labels of faults close in time stay apart.
        position: !style.own && w.planned % 2 ? 'end' : 'start',
        backgroundColor: 'rgba(185, 28, 28, 0.85)',
        font: { size: 11 },
        padding: 3,
      },
    };
  });
  return notes;
}

/** The y range of an axis, linear or log, and the strip k lanes below its top. */
interface Axis {
  min: number;
  max: number;
  log: boolean;
}
const LANE = 0.035;
function laneOf(axis: Axis, k: number): Lane {
  const at = (fraction: number) =>
    axis.log
      ? axis.min * (axis.max / axis.min) ** fraction
      : axis.min + (axis.max - axis.min) * fraction;
  return { yMin: at(1 - LANE * (k + 1)), yMax: at(1 - LANE * k - 0.004) };
}

/** Every variant's windows in its colour and lane; each planned fault named once. */
function allWindows(variants: ChartVariant[], axis: Axis): Annotations {
  const named = new Set<number>();
  const label = (w: FaultWindow) => (named.has(w.planned) ? '' : (named.add(w.planned), w.label));
  return Object.assign(
    {},
    ...variants.map((v, k) =>
      windowAnnotations(`v${v.color}`, v.windows, {
        own: { color: colorOf(v.color), lane: laneOf(axis, k) },
        label,
      }),
    ),
  ) as Annotations;
}

const points = (v: ChartVariant, pick: (p: TimelinePoint) => number | null): Point[] =>
  v.timeline.map((p) => ({ x: seconds(p.tMs) + 0.5, y: pick(p) }));
const p99 = (p: TimelinePoint) => (p.p99Us > 0 ? p.p99Us / 1000 : null);
const rps = (p: TimelinePoint) => p.rps;

function lineOptions(
  data: ChartData,
  y: AxisOptions,
  annotations: Annotations,
  extra: Scales = {},
) {
  const options: ChartOptions<'line'> = {
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
        max: seconds(data.durationMs),
        title: { display: true, text: 'seconds into the load' },
      },
      y,
      ...extra,
    },
  };
  return options;
}

const latencyAxis = (data: ChartData, title: string): AxisOptions => ({
  type: 'logarithmic',
  min: data.scales.p99MinMs,
  max: data.scales.p99MaxMs,
  title: { display: true, text: title },
  ticks: { callback: logTick, autoSkip: false },
});

function line(
  id: string,
  datasets: ChartDataset<'line', Point[]>[],
  options: ChartOptions<'line'>,
) {
  return new Chart(element<HTMLCanvasElement>(id), { type: 'line', data: { datasets }, options });
}

const perVariant = (data: ChartData, pick: (p: TimelinePoint) => number | null) =>
  data.variants.map((v) => ({
    label: v.variant,
    data: points(v, pick),
    borderColor: colorOf(v.color),
    backgroundColor: colorOf(v.color),
    pointRadius: 2,
    borderWidth: 2,
  }));

/** The axis grown at the top so the lanes of n variants sit above every point. */
function withLanes(axis: Axis, n: number): Axis {
  const room = 1 / (1 - LANE * (n + 0.6));
  return {
    ...axis,
    max: axis.log
      ? axis.min * (axis.max / axis.min) ** room
      : axis.min + (axis.max - axis.min) * room,
  };
}

function drawOverTime(data: ChartData) {
  const n = data.variants.length;
  const overTime = (
    id: string,
    datasets: ChartDataset<'line', Point[]>[],
    base: Axis,
    y: AxisOptions,
  ) => {
    const axis = withLanes(base, n);
    const scale = {
      ...y,
      min: axis.min,
      max: axis.max,
      ticks: { ...y.ticks, includeBounds: false },
    };
    line(id, datasets, lineOptions(data, scale as AxisOptions, allWindows(data.variants, axis)));
  };
  const { p99MinMs, p99MaxMs, rpsMax, users } = data.scales;
  overTime(
    'chart-p99',
    perVariant(data, p99),
    { min: p99MinMs, max: p99MaxMs, log: true },
    latencyAxis(data, 'p99 latency (log scale)'),
  );
  overTime(
    'chart-rps',
    perVariant(data, rps),
    { min: 0, max: rpsMax, log: false },
    {
      type: 'linear',
      title: { display: true, text: 'answers per second' },
    },
  );
  // Variants that keep every user draw on top of each other: a dash pattern each tells them apart.
  const dashes = [[], [8, 4], [2, 3], [12, 3, 2, 3]];
  overTime(
    'chart-logged-in',
    data.variants.map((v, k) => ({
      label: v.variant,
      data: v.loggedIn.map((p) => ({ x: seconds(p.tMs), y: p.users })),
      borderColor: colorOf(v.color),
      backgroundColor: colorOf(v.color),
      borderDash: dashes[k % dashes.length]!,
      pointRadius: 0,
      borderWidth: 2.5,
    })),
    { min: 0, max: users, log: false },
    {
      type: 'linear',
      ticks: { precision: 0 },
      title: { display: true, text: 'users still logged in' },
    },
  );
}

/** The text over each bar: a count with its denominator, "no fault", or nothing measured. */
function barLabels(bars: SessionBar[]): string[][] {
  const mark = (b: SessionBar) => (b.caveat ? ' †' : '');
  return [
    bars.map((b) =>
      b.state === 'no fault'
        ? 'no fault'
        : b.loggedOutUsers === null
          ? ''
          : `${b.loggedOutUsers}/${b.users}${mark(b)}`,
    ),
    bars.map((b) => (b.lostUpdates === null ? '' : `${b.lostUpdates}${mark(b)}`)),
    bars.map((b) => (b.resurrectedSessions === null ? '' : String(b.resurrectedSessions))),
  ];
}

/** Draws each bar's value above it, and "failed" / "skipped" where a variant has none. */
function valueLabels(bars: SessionBar[]): Plugin<'bar'> {
  const labels = barLabels(bars);
  return {
    id: 'valueLabels',
    afterDatasetsDraw(chart: ChartInstance<'bar'>) {
      const { ctx, chartArea } = chart;
      const drawn: string[] = [];
      ctx.save();
      ctx.textAlign = 'center';
      ctx.textBaseline = 'bottom';
      labels.forEach((texts, d) => {
        const meta = chart.getDatasetMeta(d);
        if (meta.hidden) return;
        meta.data.forEach((bar, i) => {
          const text = texts[i];
          if (!text) return;
          const marked = text === 'no fault';
          ctx.font = marked
            ? 'italic 600 11px system-ui, sans-serif'
            : '600 11px system-ui, sans-serif';
          ctx.fillStyle = marked ? '#b45309' : '#1d2330';
          ctx.fillText(text, bar.x, Math.min(bar.y, chartArea.bottom) - 3);
          drawn.push(`${bars[i]!.variant}:${d}:${text}`);
        });
      });
      bars.forEach((b, i) => {
        if (b.state !== 'failed' && b.state !== 'skipped') return;
        const x = chart.scales.x!.getPixelForValue(i);
        ctx.font = 'italic 600 12px system-ui, sans-serif';
        ctx.fillStyle = '#6b7280';
        ctx.fillText(`${b.state}: not measured`, x, chartArea.bottom - 6);
        drawn.push(`${b.variant}:${b.state}`);
      });
      ctx.restore();
      chart.canvas.dataset.labels = drawn.join('|');
    },
  };
}

function drawSessions(data: ChartData) {
  const bars = data.bars;
  const figures = (pick: (b: SessionBar) => number | null) => bars.map(pick);
  new Chart(element<HTMLCanvasElement>('chart-sessions'), {
    type: 'bar',
    data: {
      labels: bars.map((b) => (b.state === 'measured' ? b.variant : [b.variant, `(${b.state})`])),
      datasets: [
        {
          label: 'logged-out users',
          data: figures((b) => b.loggedOutUsers),
          backgroundColor: '#dc2626',
        },
        { label: 'lost updates', data: figures((b) => b.lostUpdates), backgroundColor: '#ea580c' },
        {
          label: 'resurrected sessions',
          data: figures((b) => b.resurrectedSessions),
          backgroundColor: '#9333ea',
        },
      ],
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      layout: { padding: { top: 16 } },
      plugins: { legend: { position: 'bottom' } },
      scales: {
        y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: 'count' } },
      },
    },
    plugins: [valueLabels(bars)],
  });
}

function drawVariant(data: ChartData, v: ChartVariant, i: number) {
  const label = (w: FaultWindow) => (w.lossText ? `${w.label} · ${w.lossText}` : w.label);
  line(
    `chart-variant-${i}`,
    [
      {
        label: 'p99',
        data: points(v, p99),
        borderColor: colorOf(v.color),
        backgroundColor: colorOf(v.color),
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
    lineOptions(
      data,
      latencyAxis(data, 'p99 (log)'),
      windowAnnotations('own', v.windows, { own: null, label }),
      {
        rps: {
          type: 'linear',
          position: 'right',
          min: 0,
          max: data.scales.rpsMax,
          grid: { drawOnChartArea: false },
          title: { display: true, text: 'answers/s' },
        },
      },
    ),
  );
}

/** Capacity mode: p99 against the arrival rate, every variant on one chart, both axes log. */
function drawCapacity(data: ChartData) {
  const shape = { pass: 'circle', fail: 'crossRot', generator: 'triangle' } as const;
  const datasets: ChartDataset<'line', Point[]>[] = data.capacity.map((c) => ({
    label: c.variant,
    data: c.steps.map((s) => ({ x: s.rateRps, y: s.p99Ms })),
    borderColor: colorOf(c.color),
    backgroundColor: colorOf(c.color),
    pointStyle: c.steps.map((s) => shape[s.verdict]),
    pointRadius: c.steps.map((s) => (s.verdict === 'pass' ? 3 : 6)),
    borderWidth: 2,
  }));
  new Chart(element<HTMLCanvasElement>('chart-capacity'), {
    type: 'line',
    data: { datasets },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      plugins: { legend: { position: 'bottom' } },
      scales: {
        x: {
          type: 'logarithmic',
          title: { display: true, text: 'arrival rate, req/s (log scale)' },
        },
        y: {
          type: 'logarithmic',
          title: { display: true, text: 'p99 latency (log scale)' },
          ticks: { callback: logTick, autoSkip: false },
        },
      },
    },
  });
}

const status = element('chart-status');
try {
  if (typeof Chart === 'undefined') throw new Error('the chart library did not load');
  const data = JSON.parse(element('session-bench-data').textContent ?? 'null') as ChartData;
  drawSessions(data);
  // A run where no variant was measured has no timeline: no empty charts for it.
  if (data.variants.length) drawOverTime(data);
  data.variants.forEach((v, i) => drawVariant(data, v, i));
  if (data.capacity.length) drawCapacity(data);
  document.body.setAttribute(
    'data-charts',
    String(Chart.instances ? Object.keys(Chart.instances).length : 0),
  );
} catch (error) {
  status.textContent = `Charts could not be drawn: ${error instanceof Error ? error.message : String(error)}`;
  status.className = 'error';
  status.hidden = false;
  console.error(error);
}
