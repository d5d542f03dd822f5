import { percentileOf } from '../load/latency.js';
import { isAnswered, Outcome } from '../load/requestLog.js';
import type { LogIndex } from '../load/logIndex.js';
import type { FaultPhases, PhaseSummary } from '../result/result.js';

const BEFORE_MS = 10_000;

export function summarizePhase(index: LogIndex, fromMs: number, toMs: number): PhaseSummary {
  const log = index.log;
  const rows = index.rows(fromMs, toMs);
  const latencies = rows.map((i) => log.latencyUs[i]!);
  const answered = rows.filter((i) => isAnswered(log.outcome[i] as Outcome)).length;
  const seconds = Math.max(toMs - fromMs, 1) / 1000;
  return {
    fromMs: Math.round(fromMs),
    toMs: Math.round(toMs),
    requests: rows.length,
    errors: rows.length - answered,
    throughputRps: Math.round((answered / seconds) * 10) / 10,
    p50Us: percentileOf(latencies, 50),
    p99Us: percentileOf(latencies, 99),
  };
}

export function faultPhases(
  index: LogIndex,
  faultStartMs: number,
  recoveredAtMs: number,
  horizonMs: number,
): FaultPhases {
  const recovered = Math.min(Math.max(recoveredAtMs, faultStartMs), horizonMs);
  return {
    before: summarizePhase(index, Math.max(0, faultStartMs - BEFORE_MS), faultStartMs),
    during: summarizePhase(index, faultStartMs, recovered),
    after: summarizePhase(index, recovered, horizonMs),
  };
}
