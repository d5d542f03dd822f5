import { UsageError } from '../errors.js';
import { METRIC_NAMES_HELP, formatMetric, metricNamed, type Metric } from './metrics.js';
import type { RunResult, ThresholdVerdict, VariantResult } from '../result/result.js';

/**
 * k6-style pass/fail criteria on a result: `p99<50ms`, `loggedOutUsers==0`,
 * `errors<1%` (a share of all requests), `p99<+10%` (at most 10% above the base, in
 * `compare`), `throughputRps>-5%`. `p99{redis:aof-always,disk}<20ms` limits a
 * threshold to some variants. Parsing and evaluation are pure: the CLI decides the
 * exit code.
 */
export type ThresholdOp = '<' | '<=' | '>' | '>=' | '==' | '!=';

export interface Threshold {
  /** As the user wrote it, trimmed. */
  expression: string;
  metric: Metric;
  /** Only these variants; undefined: every variant. */
  variants?: string[];
  op: ThresholdOp;
  /**
   * absolute: `value` in the metric's unit; share: `value` is a percent of the
   * metric's whole; relative: `value` is a percent change against the base.
   */
  kind: 'absolute' | 'share' | 'relative';
  value: number;
}

export const THRESHOLD_HELP =
  '<metric><op><value>, e.g. p99<50ms, loggedOutUsers==0, errors<1%, throughputRps>300, ' +
  "or against compare's base: p99<+10%, throughputRps>-5%; optional variants: p99{disk,redis:aof-always}<20ms";

const SHAPE = /^([A-Za-z_][A-Za-z0-9_.()]*)\s*(?:\{([^}]*)\})?\s*(<=|>=|==|!=|<|>)\s*(.*)$/;
const VALUE = /^([+-])?(\d+(?:\.\d+)?|\.\d+)\s*(%|us|µs|ms|s|m|h)?$/;
const TIME_UNITS_MS: Record<string, number> = {
  us: 0.001,
  µs: 0.001,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Parses one expression; a UsageError (exit 2) says what is wrong with it. */
export function parseThreshold(text: string): Threshold {
  const expression = text.trim();
  const bad = (why: string) => new UsageError(`threshold ${JSON.stringify(expression)}: ${why}`);
  const shape = SHAPE.exec(expression);
  if (!shape) throw bad(`expected ${THRESHOLD_HELP}`);
  const [, name, variantList, op, rawValue] = shape as unknown as [
    string,
    string,
    string | undefined,
    ThresholdOp,
    string,
  ];
  const metric = metricNamed(name);
  if (!metric) throw bad(`unknown metric ${JSON.stringify(name)}; metrics: ${METRIC_NAMES_HELP}`);
  const variants = variantList
    ?.split(',')
    .map((v) => v.trim())
    .filter(Boolean);
  if (variantList !== undefined && !variants?.length) {
    throw bad('empty variant list in {}; write e.g. p99{disk,memory}<50ms');
  }
  const value = VALUE.exec(rawValue.trim());
  if (!value) {
    throw bad(
      `cannot read the value ${JSON.stringify(rawValue.trim())}; expected a number, a duration (50ms, 1.5s), a share (1%) or a change against the base (+10%, -5%)`,
    );
  }
  const [, sign, digits, unit] = value as unknown as [string, string?, string?, string?];
  const number = Number(digits);
  const base = { expression, metric, op, ...(variants ? { variants } : {}) };
  if (sign !== undefined) {
    if (unit !== '%') {
      throw bad(
        `a signed value is a change against the base and needs %, e.g. ${name}${op}${sign}10%`,
      );
    }
    return { ...base, kind: 'relative', value: sign === '-' ? -number : number };
  }
  if (unit === '%') {
    if (!metric.whole) {
      throw bad(
        `${metric.name} has no whole to take a share of (errors, timeouts and the audit counts have); ` +
          `for a change against the base write ${name}${op}+${number}%`,
      );
    }
    return { ...base, kind: 'share', value: number };
  }
  const timeMetric = metric.unit === 'us' || metric.unit === 'ms';
  if (unit !== undefined && !timeMetric) {
    throw bad(
      `${metric.name} is not a duration; write a plain number${metric.whole ? ' or a share such as 1%' : ''}`,
    );
  }
  if (!timeMetric) return { ...base, kind: 'absolute', value: number };
  // A duration; a plain number means milliseconds, as in k6.
  const ms = number * TIME_UNITS_MS[unit ?? 'ms']!;
  return { ...base, kind: 'absolute', value: metric.unit === 'us' ? ms * 1000 : ms };
}

/** Parses every expression, reporting all malformed ones at once. */
export function parseThresholds(texts: readonly string[]): Threshold[] {
  const problems: string[] = [];
  const parsed: Threshold[] = [];
  for (const text of texts) {
    try {
      parsed.push(parseThreshold(text));
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      problems.push(error.message);
    }
  }
  if (problems.length) throw new UsageError(problems.join('\n'));
  return parsed;
}

/**
 * A variant filter naming a variant the run does not have would judge nothing and
 * pass: a usage error (exit 2) naming the unknown ones and the variants there are.
 */
export function checkThresholdVariants(
  thresholds: readonly Threshold[],
  variants: readonly string[],
): void {
  const problems = thresholds.flatMap((t) => {
    const unknown = (t.variants ?? []).filter((v) => !variants.includes(v));
    if (!unknown.length) return [];
    return [
      `threshold ${JSON.stringify(t.expression)}: no variant ${unknown.map((v) => JSON.stringify(v)).join(', ')} in this run; ` +
        `its variants: ${variants.join(', ') || 'none'}`,
    ];
  });
  if (problems.length) throw new UsageError(problems.join('\n'));
}

function holds(value: number, op: ThresholdOp, limit: number): boolean {
  switch (op) {
    case '<':
      return value < limit;
    case '<=':
      return value <= limit;
    case '>':
      return value > limit;
    case '>=':
      return value >= limit;
    case '==':
      return value === limit;
    case '!=':
      return value !== limit;
  }
}

const finite = (n: number | undefined): number | null =>
  n === undefined || !Number.isFinite(n) ? null : n;

const pct = (n: number) => `${Math.round(n * 100) / 100}%`;
const signedPct = (n: number) => `${n >= 0 ? '+' : ''}${pct(n)}`;

/**
 * Judges each threshold on each variant of `head` it applies to. Relative thresholds
 * compare with the same variant in `base`; without a base they are skipped. A variant
 * that did not complete has no figures to judge: skipped, its failure is reported
 * elsewhere. A filter naming a variant in neither result is a UsageError.
 */
export function evaluateThresholds(
  thresholds: readonly Threshold[],
  head: RunResult,
  base?: RunResult,
): ThresholdVerdict[] {
  const known = new Set([...head.results, ...(base?.results ?? [])].map((r) => r.variant));
  checkThresholdVariants(thresholds, [...known]);
  const verdicts: ThresholdVerdict[] = [];
  for (const threshold of thresholds) {
    const wanted = threshold.variants ?? head.results.map((r) => r.variant);
    for (const variant of wanted) {
      const result = head.results.find((r) => r.variant === variant);
      const baseResult = base?.results.find((r) => r.variant === variant);
      verdicts.push(judge(threshold, variant, result, base ? baseResult : undefined, !!base));
    }
  }
  return verdicts;
}

function judge(
  t: Threshold,
  variant: string,
  head: VariantResult | undefined,
  base: VariantResult | undefined,
  haveBase: boolean,
): ThresholdVerdict {
  const m = t.metric;
  const fmt = (n: number | undefined) => formatMetric(m.unit, n);
  const skipped = (why: string): ThresholdVerdict => ({
    expression: t.expression,
    variant,
    metric: m.name,
    status: 'skipped',
    value: null,
    limit: null,
    message: `${variant}: skipped, ${why}`,
  });
  if (!head) return skipped('no such variant in this run');
  if (head.status !== 'completed') return skipped(`the variant ${head.status}, no figures`);
  const value = m.value(head);
  if (value === undefined) {
    return skipped(m.unit === 'ms' ? 'no fault ran, so no figure' : 'no figure');
  }
  let limit: number;
  let detail: string;
  let limitText: string;
  switch (t.kind) {
    case 'absolute':
      limit = t.value;
      detail = `${m.name} = ${fmt(value)}`;
      limitText = `${t.op} ${fmt(limit)}`;
      break;
    case 'share': {
      const whole = m.whole!.value(head);
      limit = (t.value / 100) * whole;
      const share = whole === 0 ? 0 : (value / whole) * 100;
      detail = `${m.name} = ${fmt(value)} of ${whole} ${m.whole!.label} (${pct(share)})`;
      limitText = `${t.op} ${pct(t.value)} = ${fmt(limit)}`;
      break;
    }
    case 'relative': {
      if (!haveBase) return skipped('a change against a base; session-bench compare judges it');
      if (!base) return skipped('no such variant in the base');
      if (base.status !== 'completed') return skipped(`the variant ${base.status} in the base`);
      const baseValue = m.value(base);
      if (baseValue === undefined) return skipped('no figure in the base');
      limit = baseValue * (1 + t.value / 100);
      const change =
        baseValue === 0
          ? value === 0
            ? 0
            : Number.POSITIVE_INFINITY
          : (value / baseValue - 1) * 100;
      detail = `${m.name} = ${fmt(value)}, ${Number.isFinite(change) ? signedPct(change) : 'up from 0'} against the base ${fmt(baseValue)}`;
      limitText = `${t.op} ${signedPct(t.value)} = ${fmt(limit)}`;
      break;
    }
  }
  const passed = holds(value, t.op, limit);
  return {
    expression: t.expression,
    variant,
    metric: m.name,
    status: passed ? 'passed' : 'failed',
    value: finite(value),
    limit: finite(limit),
    message: `${variant}: ${detail}, limit ${limitText}: ${passed ? 'passed' : 'FAILED'}`,
  };
}

export const failedVerdicts = (verdicts: readonly ThresholdVerdict[] | undefined) =>
  (verdicts ?? []).filter((v) => v.status === 'failed');
