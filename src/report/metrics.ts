import { emptyVariantResult } from '../result/emptyResult.js';
import type { VariantResult } from '../result/result.js';

/**
 * The figures of a variant that thresholds and `compare` speak about, by name.
 * Short names (`p99`, `errors`, `loggedOutUsers`) cover what people ask for; any other
 * number in a variant's result is reachable by its path (`requests.late`,
 * `phasesMs.start`, `audit.unverifiedUsers`).
 */
export type MetricUnit = 'us' | 'ms' | 'rps' | 'count';

export interface Metric {
  name: string;
  /** What a person calls it in a report. */
  label: string;
  unit: MetricUnit;
  /** Which way is an improvement. */
  better: 'lower' | 'higher';
  /** The figure; undefined when the variant has none (no fault, so no recoveryMs). */
  value(v: VariantResult): number | undefined;
  /** The whole a `%` threshold is a share of (errors of all requests), if any. */
  whole?: { label: string; value(v: VariantResult): number };
}

const ofRequests = { label: 'requests', value: (v: VariantResult) => v.requests.total };
const ofUsers = { label: 'users', value: (v: VariantResult) => v.users.total };

/** Worst figure over the faults that happened; Infinity for "never recovered". */
export function worstFault(
  v: VariantResult,
  pick: 'unavailableMs' | 'recoveryMs',
): number | undefined {
  const done = v.faults.filter((f) => f.status === 'done');
  if (done.length === 0) return undefined;
  return Math.max(...done.map((f) => f[pick] ?? Number.POSITIVE_INFINITY));
}

const latency = (key: keyof VariantResult['latencyUs'], label: string): Metric => ({
  name: key,
  label,
  unit: 'us',
  better: 'lower',
  value: (v) => v.latencyUs[key],
});

const audit = (key: keyof VariantResult['audit'], label: string): Metric => ({
  name: key,
  label,
  unit: 'count',
  better: 'lower',
  value: (v) => v.audit[key],
  whole: key === 'loggedOutUsers' || key === 'unverifiedUsers' ? ofUsers : ofRequests,
});

export const METRICS: Metric[] = [
  latency('p50', 'p50'),
  latency('p90', 'p90'),
  latency('p99', 'p99'),
  latency('p999', 'p99.9'),
  latency('max', 'max latency'),
  {
    name: 'throughputRps',
    label: 'throughput',
    unit: 'rps',
    better: 'higher',
    value: (v) => v.throughputRps,
  },
  {
    name: 'requests',
    label: 'requests',
    unit: 'count',
    better: 'higher',
    value: (v) => v.requests.total,
  },
  {
    name: 'errors',
    label: 'errors + timeouts',
    unit: 'count',
    better: 'lower',
    value: (v) => v.requests.errors + v.requests.timeouts,
    whole: ofRequests,
  },
  {
    name: 'timeouts',
    label: 'timeouts',
    unit: 'count',
    better: 'lower',
    value: (v) => v.requests.timeouts,
    whole: ofRequests,
  },
  {
    name: 'notSent',
    label: 'requests not sent',
    unit: 'count',
    better: 'lower',
    value: (v) => v.requests.notSent,
    whole: ofRequests,
  },
  {
    name: 'late',
    label: 'late sends',
    unit: 'count',
    better: 'lower',
    value: (v) => v.requests.late,
    whole: ofRequests,
  },
  audit('loggedOutUsers', 'logged-out users'),
  audit('loginWallHits', 'login walls'),
  audit('lostUpdates', 'lost updates'),
  audit('resurrectedSessions', 'resurrected sessions'),
  audit('wrongUserSessions', 'wrong-user sessions'),
  audit('unverifiedUsers', 'unverified users'),
  audit('indeterminate', 'indeterminate requests'),
  audit('staleReads', 'stale reads'),
  {
    name: 'unavailableMs',
    label: 'unavailable (worst fault)',
    unit: 'ms',
    better: 'lower',
    value: (v) => worstFault(v, 'unavailableMs'),
  },
  {
    name: 'recoveryMs',
    label: 'recovery (worst fault)',
    unit: 'ms',
    better: 'lower',
    value: (v) => worstFault(v, 'recoveryMs'),
  },
];

const BY_NAME = new Map(METRICS.map((m) => [m.name.toLowerCase(), m]));
/** Spellings people use for the same figure (k6 writes p(99), the table says p99.9). */
const ALIASES: Record<string, string> = {
  'p(50)': 'p50',
  'p(90)': 'p90',
  'p(99)': 'p99',
  'p(99.9)': 'p999',
  'p99.9': 'p999',
  rps: 'throughputRps',
  throughput: 'throughputRps',
  loggedout: 'loggedOutUsers',
  lostupdates: 'lostUpdates',
};

/** The number at a dotted path of a variant result, e.g. `requests.late`. */
function pathMetric(path: string, sample?: VariantResult): Metric | undefined {
  const keys = path.split('.');
  if (keys.some((k) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(k))) return undefined;
  const read = (v: VariantResult): number | undefined => {
    let value: unknown = v;
    for (const key of keys) {
      if (value === null || typeof value !== 'object') return undefined;
      value = (value as Record<string, unknown>)[key];
    }
    return typeof value === 'number' ? value : undefined;
  };
  if (sample && read(sample) === undefined) return undefined;
  const unit: MetricUnit = keys.some((k) => k.endsWith('Us'))
    ? 'us'
    : keys.some((k) => k.endsWith('Ms'))
      ? 'ms'
      : keys.some((k) => k.endsWith('Rps'))
        ? 'rps'
        : 'count';
  const higherIsBetter = /throughput|ok$|total$/i.test(path);
  return {
    name: path,
    label: path,
    unit,
    better: higherIsBetter ? 'higher' : 'lower',
    value: read,
    ...(path.startsWith('requests.') ? { whole: ofRequests } : {}),
  };
}

/** Finds a metric by name or path; undefined when there is no such figure. */
export function metricNamed(name: string): Metric | undefined {
  const key = name.trim().toLowerCase();
  const named = BY_NAME.get(key) ?? BY_NAME.get(ALIASES[key]?.toLowerCase() ?? '');
  if (named) return named;
  return name.includes('.') ? pathMetric(name.trim(), SAMPLE) : undefined;
}

export const METRIC_NAMES_HELP = `${METRICS.map((m) => m.name).join(', ')}, or a path such as requests.late or phasesMs.start`;

/** A variant result with every field present, so a path can be checked before a run. */
const SAMPLE: VariantResult = emptyVariantResult({
  variant: 'sample',
  backend: 'sample',
  provider: 'embedded',
  server: { name: 'sample', version: '0' },
  status: 'completed',
  mode: 'fixed',
});

/** A figure the way a person reads it: 12.3 ms, 96.5 req/s, 3. */
export function formatMetric(unit: MetricUnit, value: number | undefined): string {
  if (value === undefined) return 'n/a';
  if (value === Number.POSITIVE_INFINITY) return 'never';
  switch (unit) {
    case 'us':
      return formatMs(value / 1000);
    case 'ms':
      return formatMs(value);
    case 'rps':
      return `${round(value, 1)} req/s`;
    case 'count':
      return String(round(value, 2));
  }
}

function formatMs(ms: number): string {
  if (ms < 0.1) return `${Math.round(ms * 1000)} µs`;
  if (ms >= 1000) return `${round(ms / 1000, ms >= 10_000 ? 1 : 2)} s`;
  return `${ms < 10 ? round(ms, 2) : ms < 100 ? round(ms, 1) : Math.round(ms)} ms`;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
