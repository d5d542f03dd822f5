import { LogIndex } from '../load/logIndex.js';
import type { Measurements } from '../load/measurements.js';
import { encodeHistogram, newLatencyHistogram } from '../result/latencyHistogram.js';
import type { VariantResult } from '../result/result.js';

/**
 * What a result carries so that shards merge exactly: the whole load's latency
 * histogram, and for a shard also each timeline second's (from the same requests
 * as the second's p99Us: those intended in it).
 */
export function recordHistograms(
  result: VariantResult,
  measurements: Measurements,
  index: LogIndex,
  perSecond: boolean,
): void {
  if (!measurements.loadStarted) return;
  result.latencyHistogram = encodeHistogram(measurements.histogram);
  if (!perSecond) return;
  const log = index.log;
  for (const point of result.timeline) {
    const histogram = newLatencyHistogram();
    for (const i of index.rows(point.tMs, point.tMs + 1000)) {
      histogram.recordValue(Math.max(1, Math.round(log.latencyUs[i]!)));
    }
    point.latencyHistogram = encodeHistogram(histogram);
  }
}
