import type { Audit } from '../audit/audit.js';
import type { LoadPlan } from '../config/planSchema.js';
import type { FaultResult } from '../result/result.js';
import type { LogIndex } from '../load/logIndex.js';
import { INSTANT_WINDOW_MS, faultAnswers } from './faultAnswers.js';
import { faultImpact } from './faultImpact.js';
import type { FaultExecution } from './faultRunner.js';
import { expectationFor, failoverExpectationFor, matchesExpectation } from './expectations.js';
import { faultPhases } from './phases.js';

/** The result's faults[]: what each fault did to availability, latency and sessions. */
export function describeFaults(
  executions: FaultExecution[],
  index: LogIndex,
  audit: Audit,
  load: LoadPlan,
  loadEndMs: number,
  /** The variant, and what holds its sessions (its nodes, or the apps for embedded stores). */
  store: { variant: string; holders: string[] },
): FaultResult[] {
  return executions.map((execution, i) =>
    withExpectation(describe(execution, i), execution, store),
  );
  function describe(execution: FaultExecution, i: number): FaultResult {
    const { plan: fault, auditIndex, ...rest } = execution;
    const base = {
      atMs: fault.atMs,
      action: fault.action,
      target: fault.target,
      ...(fault.durationMs !== undefined ? { durationMs: fault.durationMs } : {}),
      ...rest,
      endedMs: execution.endedMs === undefined ? null : Math.round(execution.endedMs),
      ...(auditIndex === undefined
        ? { loggedOutUsers: 0, lostUpdates: 0, staleReads: 0 }
        : audit.lossesAtFault(auditIndex)),
    };
    if (execution.startedMs === undefined) {
      return { ...base, startedMs: null, unavailableMs: 0, recoveryMs: null, errorsDuringFault: 0 };
    }
    const startedMs = execution.startedMs;
    const nextStart = executions.slice(i + 1).find((e) => e.startedMs !== undefined)?.startedMs;
    const horizonMs = nextStart ?? loadEndMs;
    const impact = faultImpact(index, startedMs, horizonMs, load.slowMs);
    const recoveredAtMs = impact.recoveryMs === null ? horizonMs : startedMs + impact.recoveryMs;
    return {
      ...base,
      startedMs: Math.round(startedMs),
      ...impact,
      answers: faultAnswers(index, startedMs, answersUntilMs(execution, horizonMs)),
      phases: faultPhases(index, startedMs, recoveredAtMs, horizonMs),
    };
  }
}

/** For a restart or kill of the whole store: what the docs say, and whether the run agrees. */
function withExpectation(
  result: FaultResult,
  execution: FaultExecution,
  store: { variant: string; holders: string[] },
): FaultResult {
  const wholeStore =
    store.holders.length > 0 && store.holders.every((h) => execution.targets.includes(h));
  const expectation = execution.failover
    ? failoverExpectationFor(store.variant, execution.plan.action)
    : wholeStore
      ? expectationFor(store.variant, execution.plan.action)
      : undefined;
  if (!expectation || result.status !== 'done') return result;
  return {
    ...result,
    expectation: { ...expectation, ...matchesExpectation(expectation.loss, result) },
  };
}

/** Where "during the fault" ends: when the target served again; a reset is instant. */
function answersUntilMs(execution: FaultExecution, horizonMs: number): number {
  const startedMs = execution.startedMs!;
  if (execution.plan.action === 'reset') return Math.min(startedMs + INSTANT_WINDOW_MS, horizonMs);
  return execution.endedMs ?? horizonMs;
}
