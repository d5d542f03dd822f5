import type { CapacityStep, ResourceUsage, VariantResult } from '../../result/result.js';
import { msFromUs } from './common.js';

/**
 * The capacity and resource-cost figures as rows of plain strings, one source for
 * the text, md and html reporters: the capacity table (knee per variant), each
 * variant's curve (one row per step), and the cost of each node and app instance.
 * A figure that was not measured reads "n/a" or "not visible", never 0.
 */

const NOT_MEASURED = 'n/a';

/** 34,560,000 as "34.6M", 950,000 as "950k". */
export function shortCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(n >= 1e10 ? 0 : 1)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(n >= 1e7 ? 0 : 1)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(n >= 1e4 ? 0 : 1)}k`;
  return String(Math.round(n));
}

/** Bytes as B / KiB / MiB, one decimal under 10. */
export function bytesText(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit && value < 10 ? 1 : 0)} ${units[unit]}`;
}

const isNode = (r: ResourceUsage) => /^node\d+$/.test(r.target);
const isApp = (r: ResourceUsage) => /^app\d+$/.test(r.target);

/** A per-1k figure summed over some targets; "not visible" / "n/a" when any is unknown. */
function summed(
  resources: ResourceUsage[] | undefined,
  pick: (r: ResourceUsage) => boolean,
  field: 'cpuMsPer1kRequests' | 'writtenBytesPer1kRequests',
  format: (n: number) => string,
  none: string,
): string {
  const chosen = (resources ?? []).filter(pick);
  if (!resources) return NOT_MEASURED;
  if (!chosen.length) return none;
  if (chosen.some((r) => !r.visible)) return 'not visible';
  const values = chosen.map((r) => r[field]);
  if (values.some((v) => v === null)) return NOT_MEASURED;
  return format(values.reduce((a, b) => a! + b!, 0)!);
}

const cpuText = (n: number) => n.toFixed(n < 10 ? 1 : 0);

/** The capacity table: one row per variant that ran capacity mode (fits 80 columns). */
export const CAPACITY_HEAD = [
  'variant',
  'knee/s',
  'req/day',
  'p50',
  'p99',
  'node ms',
  'app ms',
  'written',
];
export const CAPACITY_ALIGN = 'lrrrrrrr';
/** After a knee that is the generator's limit, not the store's. */
export const GENERATOR_MARK = '*';

export function capacityRows(results: VariantResult[]): string[][] {
  return results
    .filter((r) => r.capacity)
    .map((r) => {
      const c = r.capacity!;
      const mark = c.limitedBy === 'generator' ? GENERATOR_MARK : '';
      return [
        r.variant,
        c.kneeRps !== null ? `${c.kneeRps}${mark}` : `< ${c.steps[0]?.rateRps ?? '?'}${mark}`,
        c.requestsPerDay !== null ? shortCount(c.requestsPerDay) : NOT_MEASURED,
        c.kneeP50Us !== null ? msFromUs(c.kneeP50Us) : NOT_MEASURED,
        c.kneeP99Us !== null ? msFromUs(c.kneeP99Us) : NOT_MEASURED,
        summed(r.resources, isNode, 'cpuMsPer1kRequests', cpuText, 'in app'),
        summed(r.resources, isApp, 'cpuMsPer1kRequests', cpuText, NOT_MEASURED),
        summed(r.resources, isNode, 'writtenBytesPer1kRequests', bytesText, 'in app'),
      ];
    });
}

/** What the capacity table's columns mean and how req/day is computed: said once. */
export function capacityLegend(results: VariantResult[]): string[] {
  const withCapacity = results.filter((r) => r.capacity);
  if (!withCapacity.length) return [];
  const c = withCapacity[0]!.capacity!;
  const lines = [
    `knee: the highest rate whose ${formatStep(c.stepMs)} step met ${c.slo} with errors <= 0.1% ` +
      `and <= 1% late (steps x${c.stepFactor}, then ${c.bisections} bisection steps); ` +
      'p50, p99 at the knee in ms.',
    `req/day = knee x 86,400 s / ${c.peakFactor} (the default scenario's peak factor: its busiest ` +
      `hour is ${c.peakFactor}x the daily mean).`,
    'node ms, app ms: CPU ms of the store nodes and of the app per 1,000 answered requests ' +
      '(over all steps); written: bytes the nodes wrote to disk per 1,000.',
  ];
  if (withCapacity.some((r) => r.capacity!.limitedBy === 'generator')) {
    lines.push(
      `${GENERATOR_MARK} the generator itself lagged at the first failing rate: that knee is the ` +
        "tool's limit on this machine (a lower bound), not the store's.",
    );
  }
  for (const r of withCapacity) lines.push(`${r.variant}: ${r.capacity!.arithmetic}`);
  return lines;
}

const formatStep = (ms: number) => (ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`);

/** One variant's curve, one row per step in the order run; `reasons` adds why a step failed. */
export const CURVE_HEAD = ['rate', 'step', 'requests', 'p50', 'p99', 'errors', 'late', 'verdict'];
export const CURVE_ALIGN = 'rlrrrrrl';

export function curveRows(steps: CapacityStep[], reasons = true): string[][] {
  return steps.map((s) => [
    String(s.rateRps),
    s.kind,
    String(s.requests),
    msFromUs(s.p50Us),
    msFromUs(s.p99Us),
    String(s.errors),
    String(s.late),
    s.verdict === 'pass' || !reasons ? s.verdict : `${s.verdict}: ${s.reasons.join(', ')}`,
  ]);
}

/** "400 req/s fail: p99 412ms ≥ 50ms" per step that did not pass, for a table without room. */
export function failedStepLines(steps: CapacityStep[]): string[] {
  return steps
    .filter((s) => s.verdict !== 'pass')
    .map((s) => `${s.rateRps} req/s ${s.verdict}: ${s.reasons.join(', ')}`);
}

/** The cost table: one row per node and app instance of every variant that has figures. */
export const RESOURCE_HEAD = [
  'variant',
  'target',
  'CPU ms',
  'CPU %',
  'RSS max',
  'written',
  'ms/1k',
  'B/1k',
];
export const RESOURCE_ALIGN = 'llrrrrrr';

export function resourceRows(results: VariantResult[]): string[][] {
  return results.flatMap((r) =>
    (r.resources ?? []).map((u) => {
      if (!u.visible) return [r.variant, u.target, 'not visible', '', '', '', '', ''];
      const n = (v: number | null, f: (x: number) => string) => (v === null ? NOT_MEASURED : f(v));
      return [
        r.variant,
        u.target,
        n(u.cpuMs, (v) => String(Math.round(v))),
        n(u.cpuPercent, (v) => v.toFixed(1)),
        n(u.rssBytesMax, bytesText),
        n(u.writtenBytes, bytesText),
        n(u.cpuMsPer1kRequests, cpuText),
        n(u.writtenBytesPer1kRequests, bytesText),
      ];
    }),
  );
}

export const RESOURCE_LEGEND =
  'Sampled each second during the load: CPU time and peak resident memory of the node (its whole ' +
  'process tree on the process provider, shared pages split between its processes (Pss); the ' +
  'container on docker) or app instance, bytes it wrote to disk; ms/1k and B/1k per 1,000 ' +
  "answered requests. Bytes written on the process provider are the kernel's write_bytes: where " +
  'the page cache uses large folios (ext4 from Linux 6.16), a small synced write counts a whole ' +
  'folio, so the figure is an upper bound; compare variants with it, not with a disk.';
