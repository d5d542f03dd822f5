import * as hdr from 'hdr-histogram-js';
import type { LatencySummary } from './result.js';

/*
 * The latency histogram's one home: how it is built, summarized, and written into a
 * result file. The load records into it, the merge of shards adds them up.
 */

const BIT_BUCKET_SIZE = 32;

/** HDR histogram of latencies in microseconds, 1 µs to 10 min, 3 significant digits. */
export function newLatencyHistogram(): hdr.Histogram {
  return hdr.build({
    bitBucketSize: BIT_BUCKET_SIZE,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 600_000_000,
    numberOfSignificantValueDigits: 3,
    autoResize: true,
  });
}

/**
 * p50..p99.9 and max. `exactMaxUs`: the largest value recorded, when the histogram was
 * decoded or added (they know only the top of its bucket); shards give theirs.
 */
export function summarize(histogram: hdr.Histogram, exactMaxUs?: number): LatencySummary {
  if (histogram.totalCount === 0) return { p50: 0, p90: 0, p99: 0, p999: 0, max: 0 };
  const max = exactMaxUs ?? histogram.maxValue;
  // A percentile is reported as the top of its HDR bucket, which can lie above the
  // exact max; no recorded value does.
  const at = (percentile: number) => Math.min(histogram.getValueAtPercentile(percentile), max);
  return { p50: at(50), p90: at(90), p99: at(99), p999: at(99.9), max };
}

/**
 * The standard HdrHistogram V2 compressed form, base64 ("HISTF..."): what Java's
 * `encodeIntoCompressedByteBuffer`, HdrHistogram_c and HdrHistogram-go read and write.
 */
export function encodeHistogram(histogram: hdr.Histogram): string {
  return hdr.encodeIntoCompressedBase64(histogram);
}

/** Reads the form above into a histogram of the same settings as newLatencyHistogram. */
export function decodeHistogram(base64: string): hdr.Histogram {
  const decoded = hdr.decodeFromCompressedBase64(base64, BIT_BUCKET_SIZE, false);
  // Decoded histograms take the encoder's range; adding into a fresh one keeps ours.
  const histogram = newLatencyHistogram();
  histogram.add(decoded);
  return histogram;
}

/** The sum of histograms: every recorded value of each, once (no percentile is averaged). */
export function addHistograms(parts: hdr.Histogram[]): hdr.Histogram {
  const sum = newLatencyHistogram();
  for (const part of parts) sum.add(part);
  return sum;
}
