import Table from 'cli-table3';
import { formatMetric, metricNamed, type Metric, type MetricUnit } from './metrics.js';
import { machineLine, whenText } from './reporters/common.js';
import { mdTable, thresholdsMarkdown } from './reporters/md.js';
import type { RunResult, ThresholdVerdict, VariantResult } from '../result/result.js';
import { evaluateThresholds, type Threshold } from './thresholds.js';

/** Two results side by side: per variant, each figure's change and whether it is better. */
export interface Comparison {
  base: RunSummary;
  head: RunSummary;
  /** Where the two runs were not alike (load, faults, machine): a reader should know. */
  differences: string[];
  variants: VariantComparison[];
  thresholds: ThresholdVerdict[];
}

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

function delta(metric: Metric, base?: VariantResult, head?: VariantResult): MetricDelta {
  const read = (r?: VariantResult) => {
    if (!r || r.status !== 'completed') return undefined;
    return metric.value(r);
  };
  const text = (r: VariantResult | undefined, n: number | undefined) =>
    !r ? '—' : r.status !== 'completed' ? r.status : formatMetric(metric.unit, n);
  const b = read(base);
  const h = read(head);
  const finite = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? null : n);
  let direction: MetricDelta['direction'] = 'n/a';
  if (b !== undefined && h !== undefined) {
    if (b === h) direction = 'same';
    else direction = h < b === (metric.better === 'lower') ? 'better' : 'worse';
  }
  const changePct =
    b !== undefined && h !== undefined && b !== 0 && Number.isFinite(b) && Number.isFinite(h)
      ? Math.round((h / b - 1) * 1000) / 10
      : null;
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

/** What differs between the runs' setups, field by field. */
function setupDifferences(base: RunResult, head: RunResult): string[] {
  const out: string[] = [];
  const same = (label: string, a: unknown, b: unknown) => {
    const x = JSON.stringify(a);
    const y = JSON.stringify(b);
    if (x !== y) out.push(`${label}: ${x} in the base, ${y} in the head`);
  };
  same('scenario', base.scenario.scenario.name, head.scenario.scenario.name);
  const loadKeys = new Set([
    ...Object.keys(base.scenario.load),
    ...Object.keys(head.scenario.load),
  ]);
  for (const key of loadKeys) {
    same(
      `load.${key}`,
      (base.scenario.load as unknown as Record<string, unknown>)[key],
      (head.scenario.load as unknown as Record<string, unknown>)[key],
    );
  }
  same('faults', base.scenario.faults, head.scenario.faults);
  same('topology', base.scenario.topology, head.scenario.topology);
  same('machine', machineLine(base), machineLine(head));
  return out;
}

export function compareResults(
  base: RunResult,
  head: RunResult,
  thresholds: readonly Threshold[],
  files: { base?: string; head?: string } = {},
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
      deltas: COMPARED_METRICS.map((m) => delta(m, b, h)),
    };
  });
  return {
    base: summary(base, files.base),
    head: summary(head, files.head),
    differences: setupDifferences(base, head),
    variants,
    thresholds: evaluateThresholds(thresholds, head, base),
  };
}

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
  return `${out.join('\n')}\n`;
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

/** The comparison for a terminal: one table per variant, then the verdicts. */
export function renderComparisonTable(c: Comparison): string {
  const out = [
    `session-bench compare ${c.head.scenario}: base ${c.base.runId} (${whenText(c.base.startedAt)}) → head ${c.head.runId} (${whenText(c.head.startedAt)})`,
  ];
  if (c.differences.length) out.push('the runs differ:', ...c.differences.map((d) => `  ${d}`));
  for (const v of c.variants) {
    const table = new Table({
      head: [variantHeading(v), 'base', 'head', 'change', ''],
      style: { head: [], border: [], compact: true },
    });
    for (const d of v.deltas) {
      table.push([
        d.label,
        d.baseText,
        d.headText,
        changeText(d),
        d.direction === 'n/a' ? '' : d.direction,
      ]);
    }
    out.push(table.toString());
  }
  if (c.thresholds.length) {
    const failed = c.thresholds.filter((t) => t.status === 'failed').length;
    out.push(`thresholds: ${failed ? `${failed} FAILED` : 'all passed'}`);
    for (const t of c.thresholds) {
      out.push(
        `  ${t.status === 'failed' ? '✗' : t.status === 'passed' ? '✓' : '-'} ${t.expression}  ${t.message}`,
      );
    }
  }
  return `${out.join('\n')}\n`;
}

export const renderComparisonJson = (c: Comparison) => `${JSON.stringify(c, null, 2)}\n`;
