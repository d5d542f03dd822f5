import * as hdr from 'hdr-histogram-js';
import type { LatencySummary } from '../result/result.js';

/** HDR histogram of latencies in microseconds, 1 µs to 10 min, 3 significant digits. */
export function newLatencyHistogram(): hdr.Histogram {
  return hdr.build({
    bitBucketSize: 32,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 600_000_000,
    numberOfSignificantValueDigits: 3,
    autoResize: true,
  });
}

export function summarize(histogram: hdr.Histogram): LatencySummary {
  if (histogram.totalCount === 0) return { p50: 0, p90: 0, p99: 0, p999: 0, max: 0 };
  const max = histogram.maxValue;
  // A percentile is reported as the top of its HDR bucket, which can lie above the
  // exact max; no recorded value does.
  const at = (percentile: number) => Math.min(histogram.getValueAtPercentile(percentile), max);
  return { p50: at(50), p90: at(90), p99: at(99), p999: at(99.9), max };
}

/** Exact percentile of a small sample (timeline seconds, fault windows). */
export function percentileOf(values: number[], percentile: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((percentile / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))]!;
}
