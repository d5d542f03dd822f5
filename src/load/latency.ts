// The histogram's home is the result layer (the merge of shards reads it too).
export { newLatencyHistogram, summarize } from '../result/latencyHistogram.js';

/** Exact percentile of a small sample (timeline seconds, fault windows). */
export function percentileOf(values: number[], percentile: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((percentile / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))]!;
}
