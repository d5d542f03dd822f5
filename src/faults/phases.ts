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
  const notSent = rows.filter((i) => log.outcome[i] === Outcome.NotSent).length;
  const seconds = (toMs - fromMs) / 1000;
  const measured = rows.length > 0;
  return {
    fromMs: Math.round(fromMs),
    toMs: Math.round(toMs),
    requests: rows.length,
    errors: rows.length - answered - notSent,
    notSent,
    throughputRps: seconds > 0 ? Math.round((answered / seconds) * 10) / 10 : null,
    p50Us: measured ? percentileOf(latencies, 50) : null,
    p99Us: measured ? percentileOf(latencies, 99) : null,
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
