import Table from 'cli-table3';
import { formatDuration } from '../config/duration.js';
import { formatMetric, metricNamed, type Metric, type MetricUnit } from './metrics.js';
import {
  faultCoverage,
  faultName,
  incidentNotes,
  machineLine,
  plannedFaults,
  whenText,
  runAppText,
} from './reporters/common.js';
import { mdTable } from './reporters/mdTable.js';
import { thresholdsMarkdown, thresholdsText } from './reporters/thresholdsBlock.js';
import { paint, safeText, type Style } from './reporters/text.js';
import type { RunResult, ThresholdVerdict, VariantResult } from '../result/result.js';
import { evaluateThresholds, type Threshold } from './thresholds.js';

/** Two results side by side: per variant, each figure's change and whether it is better. */
export interface Comparison {
  base: RunSummary;
  head: RunSummary;
  /** Where the two runs were not alike (load, faults, machine): a reader should know. */
  differences: string[];
  /** Why a side's figures may not be clean: a partial or aborted run, a stall, an unplanned death, a caveat. */
  warnings: string[];
  variants: VariantComparison[];
  thresholds: ThresholdVerdict[];
  /** Changes within ±noisePct percent are "same": run-to-run noise, not a regression. */
  noisePct: number;
}

/** The noise band `compare` uses unless told otherwise (`--noise`). */
export const DEFAULT_NOISE_PCT = 5;

/** Figures that only mean something when the variant's planned faults ran. */
const FAULT_FIGURES = new Set(['loggedOutUsers', 'lostUpdates', 'unavailableMs', 'recoveryMs']);

interface RunSummary {
  file?: string;
  runId: string;
  startedAt: string;
  scenario: string;
  tool: string;
  machine: string;
}

export interface VariantComparison {
  variant: string;
  /** 'both', or where the variant ran alone; a side that did not complete has no figures. */
  in: 'both' | 'base' | 'head';
  baseStatus?: string;
  headStatus?: string;
  deltas: MetricDelta[];
  /** Planned faults that did not run on a side: its loss figures are not comparable. */
  notes: string[];
}

export interface MetricDelta {
  metric: string;
  label: string;
  unit: MetricUnit;
  base: number | null;
  head: number | null;
  /** As a person reads them: "6.1 ms", "never", "failed", "—" (variant not in that run). */
  baseText: string;
  headText: string;
  /** head / base - 1, in percent; null when either is missing or the base is 0. */
  changePct: number | null;
  /** `same` also for a change within the noise band. */
  direction: 'better' | 'worse' | 'same' | 'n/a';
}

/** The figures compared, in the order a reader scans them. */
export const COMPARED_METRICS = [
  'throughputRps',
  'p50',
  'p99',
  'p999',
  'max',
  'errors',
  'loggedOutUsers',
  'loginWallHits',
  'lostUpdates',
  'resurrectedSessions',
  'wrongUserSessions',
  'unavailableMs',
  'recoveryMs',
].map((name) => metricNamed(name)!);

function summary(result: RunResult, file?: string): RunSummary {
  return {
    ...(file ? { file } : {}),
    runId: result.runId,
    startedAt: result.startedAt,
    scenario: result.scenario.scenario.name,
    tool: `${result.tool.name} ${result.tool.version}`,
    machine: machineLine(result),
  };
}

/** A time on both sides in one unit, chosen by the larger: "850 ms → 1204 ms", not "850 ms → 1.2 s". */
function timePair(unit: 'us' | 'ms', b: number | undefined, h: number | undefined) {
  const toMs = (n: number) => (unit === 'us' ? n / 1000 : n);
  const finite = [b, h].filter((n): n is number => n !== undefined && Number.isFinite(n));
  if (!finite.length) return (n: number | undefined) => formatMetric(unit, n);
  const largest = Math.max(...finite.map(toMs));
  return (n: number | undefined) => {
    if (n === undefined || !Number.isFinite(n)) return formatMetric(unit, n);
    const ms = toMs(n);
    if (largest >= 1000) return `${round(ms / 1000, largest >= 10_000 ? 1 : 2)} s`;
    if (largest < 0.1) return `${Math.round(ms * 1000)} µs`;
    return `${round(ms, largest < 10 ? 2 : largest < 100 ? 1 : 0)} ms`;
  };
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

function delta(
  metric: Metric,
  base: VariantResult | undefined,
  head: VariantResult | undefined,
  noisePct: number,
): MetricDelta {
  // A loss figure of a variant whose planned faults did not run is not a figure.
  const noFault = (r?: VariantResult) =>
    r !== undefined && FAULT_FIGURES.has(metric.name) && faultCoverage(r) === 'no fault';
  const read = (r?: VariantResult) => {
    if (!r || r.status !== 'completed' || noFault(r)) return undefined;
    return metric.value(r);
  };
  const b = read(base);
  const h = read(head);
  const format =
    metric.unit === 'us' || metric.unit === 'ms'
      ? timePair(metric.unit, b, h)
      : (n: number | undefined) => formatMetric(metric.unit, n);
  const text = (r: VariantResult | undefined, n: number | undefined) => {
    if (!r) return '—';
    if (r.status !== 'completed') return r.status;
    if (noFault(r)) return 'no fault';
    // A count of users reads with its population: "75/80".
    if (metric.whole?.label === 'users' && n !== undefined)
      return `${format(n)}/${metric.whole.value(r)}`;
    return format(n);
  };
  const finite = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? null : n);
  const changePct =
    b !== undefined && h !== undefined && b !== 0 && Number.isFinite(b) && Number.isFinite(h)
      ? Math.round((h / b - 1) * 1000) / 10
      : null;
  let direction: MetricDelta['direction'] = 'n/a';
  if (b !== undefined && h !== undefined) {
    if (b === h || (changePct !== null && Math.abs(changePct) <= noisePct)) direction = 'same';
    else direction = h < b === (metric.better === 'lower') ? 'better' : 'worse';
  }
  return {
    metric: metric.name,
    label: metric.label,
    unit: metric.unit,
    base: finite(b),
    head: finite(h),
    baseText: text(base, b),
    headText: text(head, h),
    changePct,
    direction,
  };
}

/** "kill:node0 did not run in the head (skipped: no node0 in an embedded backend)", per fault. */
function faultNotes(base?: VariantResult, head?: VariantResult): string[] {
  const notes = (r: VariantResult | undefined, side: string) =>
    (r?.faults ?? [])
      .filter((f) => f.status !== 'done')
      .map(
        (f) =>
          `${faultName(f)} did not run in the ${side} (${f.status}${f.reason ? `: ${f.reason}` : ''})`,
      );
  return [...notes(base, 'base'), ...notes(head, 'head')];
}

const RUN_STATUS_WARNING = {
  partial:
    'is partial (still writing, or it died before finishing): only the variants it recorded are compared',
  aborted:
    'was aborted: the variant running when it stopped has part of its load, later ones did not run',
} as const;

/** What makes one side's figures less than clean, each with the side it is on. */
function sideWarnings(result: RunResult, side: 'base' | 'head'): string[] {
  const out: string[] = [];
  if (result.status !== 'completed')
    out.push(`the ${side} run ${RUN_STATUS_WARNING[result.status]}`);
  for (const r of result.results) {
    out.push(...incidentNotes(r).map((note) => `${note}, in the ${side}`));
    if (r.durabilityCaveat) {
      out.push(
        `${r.variant}: loss figures not representative in the ${side}: ${r.durabilityCaveat}`,
      );
    }
  }
  return out;
}

/** A setting as a person reads it: "6s", "kill:app@3s", "nodes 1, appInstances 1". */
function settingText(key: string, value: unknown): string {
  if (value === undefined) return 'not set';
  if (typeof value === 'number' && /Ms$/.test(key)) return formatDuration(value);
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return String(value);
  }
  if (Array.isArray(value))
    return value.length ? value.map((v) => settingText(key, v)).join(', ') : 'none';
  if (value && typeof value === 'object') {
    return Object.entries(value)
      .map(([k, v]) => `${k} ${settingText(k, v)}`)
      .join(', ');
  }
  return String(value);
}

/** What differs between the runs' setups, field by field. */
function setupDifferences(base: RunResult, head: RunResult): string[] {
  const out: string[] = [];
  const same = (label: string, a: unknown, b: unknown) => {
    if (JSON.stringify(a) === JSON.stringify(b)) return;
    const key = label.split('.').pop()!;
    out.push(`${label}: ${settingText(key, a)} in the base; ${settingText(key, b)} in the head`);
  };
  same('scenario', base.scenario.scenario.name, head.scenario.scenario.name);
  const loadKeys = new Set([
    ...Object.keys(base.scenario.load),
    ...Object.keys(head.scenario.load),
  ]);
  // `parallel` is absent from results written before --parallel: one request at a time.
  const loadValue = (r: RunResult, key: string) =>
    key === 'parallel'
      ? (r.scenario.load.parallel ?? 1)
      : (r.scenario.load as unknown as Record<string, unknown>)[key];
  for (const key of loadKeys) same(`load.${key}`, loadValue(base, key), loadValue(head, key));
  same('faults', plannedFaults(base), plannedFaults(head));
  // A middleware is part of what was measured: builtin vs express is not a regression.
  const appOf = (r: RunResult) => runAppText(r).slice('app '.length);
  same('app', appOf(base), appOf(head));
  // `proxy` is absent from results written before network faults: the same as false.
  const topologyOf = (r: RunResult) => {
    const { proxy, ...rest } = r.scenario.topology;
    return proxy ? { ...rest, proxy } : rest;
  };
  same('topology', topologyOf(base), topologyOf(head));
  same('machine', machineLine(base), machineLine(head));
  return out;
}

export function compareResults(
  base: RunResult,
  head: RunResult,
  thresholds: readonly Threshold[],
  files: { base?: string; head?: string } = {},
  { noisePct = DEFAULT_NOISE_PCT }: { noisePct?: number } = {},
): Comparison {
  const names = [
    ...head.results.map((r) => r.variant),
    ...base.results.map((r) => r.variant).filter((v) => !head.results.some((r) => r.variant === v)),
  ];
  const variants = names.map((variant): VariantComparison => {
    const b = base.results.find((r) => r.variant === variant);
    const h = head.results.find((r) => r.variant === variant);
    return {
      variant,
      in: b && h ? 'both' : b ? 'base' : 'head',
      ...(b ? { baseStatus: b.status } : {}),
      ...(h ? { headStatus: h.status } : {}),
      deltas: COMPARED_METRICS.map((m) => delta(m, b, h, noisePct)),
      notes: faultNotes(b, h),
    };
  });
  return {
    base: summary(base, files.base),
    head: summary(head, files.head),
    differences: setupDifferences(base, head),
    warnings: [...sideWarnings(base, 'base'), ...sideWarnings(head, 'head')],
    variants,
    thresholds: evaluateThresholds(thresholds, head, base),
    noisePct,
  };
}

const noiseLine = (c: Comparison) =>
  `changes within ±${c.noisePct}% are shown as "same" (run-to-run noise; --noise sets the band)`;

const DIRECTION_MD: Record<MetricDelta['direction'], string> = {
  better: '🟢 better',
  worse: '🔴 worse',
  same: 'same',
  'n/a': '',
};

const changeText = (d: MetricDelta) =>
  d.changePct === null
    ? d.base === 0 && d.head !== null && d.head > 0
      ? 'up from 0'
      : ''
    : `${d.changePct > 0 ? '+' : ''}${d.changePct}%`;

function variantHeading(v: VariantComparison): string {
  if (v.in === 'both') return v.variant;
  return `${v.variant} (only in the ${v.in})`;
}

/** The comparison as Markdown, for a PR comment or GITHUB_STEP_SUMMARY. */
export function renderComparisonMarkdown(c: Comparison): string {
  const out = [
    `## session-bench compare: ${c.head.scenario}`,
    '',
    `- **Base:** ${c.base.file ? `\`${c.base.file}\`, ` : ''}${whenText(c.base.startedAt)}, ${c.base.tool}`,
    `- **Head:** ${c.head.file ? `\`${c.head.file}\`, ` : ''}${whenText(c.head.startedAt)}, ${c.head.tool}`,
    `- **Machine:** ${c.head.machine}`,
  ];
  if (c.differences.length) {
    out.push('', '> **The runs differ:**', ...c.differences.map((d) => `> - ${d}`));
  }
  if (c.warnings.length) {
    out.push('', '> **Not clean:**', ...c.warnings.map((w) => `> - ${w}`));
  }
  const notes = c.variants.flatMap((v) => v.notes.map((n) => `${v.variant}: ${n}`));
  if (notes.length) out.push('', ...notes.map((n) => `- ${n}`));
  // Verdicts first: in a PR comment they are what the reader came for.
  if (c.thresholds.length) out.push('', thresholdsMarkdown(c.thresholds));
  out.push(
    '',
    '### Summary',
    '',
    mdTable(
      ['variant', ...OVERVIEW.map((m) => m.label)],
      `l${'r'.repeat(OVERVIEW.length)}`,
      c.variants.map((v) => [
        `\`${variantHeading(v)}\``,
        ...OVERVIEW.map((m) => overviewCell(v.deltas.find((d) => d.metric === m.metric)!)),
      ]),
    ),
  );
  // Every figure per variant, folded: a long PR comment hides what matters.
  for (const v of c.variants) {
    out.push(
      '',
      `<details><summary><code>${variantHeading(v)}</code>: every figure</summary>`,
      '',
      mdTable(
        ['metric', 'base', 'head', 'change', ''],
        'lrrrl',
        v.deltas.map((d) => [
          d.label,
          d.baseText,
          d.headText,
          changeText(d),
          DIRECTION_MD[d.direction],
        ]),
      ),
      '',
      '</details>',
    );
  }
  out.push('', `<sub>${noiseLine(c)}</sub>`);
  return safeText(`${out.join('\n')}\n`, 'newlines');
}

/** The columns of the summary table: what a reviewer looks at first. */
const OVERVIEW = [
  { metric: 'p99', label: 'p99' },
  { metric: 'throughputRps', label: 'throughput' },
  { metric: 'errors', label: 'errors' },
  { metric: 'loggedOutUsers', label: 'logged out' },
  { metric: 'lostUpdates', label: 'lost updates' },
];

const MARK: Record<MetricDelta['direction'], string> = {
  better: ' 🟢',
  worse: ' 🔴',
  same: '',
  'n/a': '',
};

/** "560 ms → 700 ms 🔴 +25%", or the one side there is. */
function overviewCell(d: MetricDelta): string {
  if (d.direction === 'n/a')
    return d.baseText === '—' ? d.headText : `${d.baseText} → ${d.headText}`;
  if (d.direction === 'same') return d.headText;
  const change = changeText(d);
  return `${d.baseText} → ${d.headText}${MARK[d.direction]}${change ? ` ${change}` : ''}`;
}

const DIRECTION_TONE = { better: 'good', worse: 'bad' } as const;

/** The comparison for a terminal: one table per variant, then the verdicts (coloured when allowed). */
export function renderComparisonTable(c: Comparison, options: { color?: boolean } = {}): string {
  const style: Style = { color: options.color ?? false };
  const out = [
    safeText(
      `session-bench compare ${c.head.scenario}: base ${c.base.runId} (${whenText(c.base.startedAt)}) → head ${c.head.runId} (${whenText(c.head.startedAt)})`,
    ),
  ];
  if (c.differences.length)
    out.push('the runs differ:', ...c.differences.map((d) => `  ${safeText(d)}`));
  if (c.warnings.length) out.push('not clean:', ...c.warnings.map((w) => `  ${safeText(w)}`));
  for (const v of c.variants) {
    const table = new Table({
      head: [safeText(variantHeading(v)), 'base', 'head', 'change', ''],
      style: { head: [], border: [], compact: true },
    });
    for (const d of v.deltas) {
      const word = d.direction === 'n/a' ? '' : d.direction;
      const tone =
        d.direction === 'better' || d.direction === 'worse'
          ? DIRECTION_TONE[d.direction]
          : undefined;
      table.push([
        d.label,
        safeText(d.baseText),
        safeText(d.headText),
        changeText(d),
        tone ? paint(style, tone, word) : word,
      ]);
    }
    out.push(table.toString(), ...v.notes.map((n) => `  ${safeText(n)}`));
  }
  out.push(noiseLine(c));
  return `${out.join('\n')}\n${thresholdsText(c.thresholds, style)}`;
}

export const renderComparisonJson = (c: Comparison) => `${JSON.stringify(c, null, 2)}\n`;
