import type { LogIndex } from './logIndex.js';
import { percentileOf } from './latency.js';
import { isAnswered, isFailure, Outcome } from './requestLog.js';
import type { TimelinePoint } from '../result/result.js';

/** One point per second of the load phase, from the request log. */
export function buildTimeline(index: LogIndex, durationMs: number): TimelinePoint[] {
  const log = index.log;
  const seconds = Math.max(1, Math.ceil(durationMs / 1000));
  const points: TimelinePoint[] = Array.from({ length: seconds }, (_, s) => ({
    tMs: s * 1000,
    rps: 0,
    p99Us: 0,
    errors: 0,
    loginWallHits: 0,
  }));
  for (let i = 0; i < log.length; i++) {
    const completed = points[Math.floor(log.completedMs(i) / 1000)];
    const outcome = log.outcome[i] as Outcome;
    if (!completed) continue;
    if (isAnswered(outcome)) completed.rps++;
    if (outcome === Outcome.LoginWall) completed.loginWallHits++;
    if (isFailure(outcome)) completed.errors++;
  }
  for (const point of points) {
    const latencies = index.rows(point.tMs, point.tMs + 1000).map((i) => log.latencyUs[i]!);
    point.p99Us = percentileOf(latencies, 99);
  }
  return points;
}
