import { InterruptedError, RuntimeError, errorMessage } from '../errors.js';
import { formatDuration } from '../config/duration.js';
import { describeFaults } from '../faults/describeFaults.js';
import type { FaultExecution } from '../faults/faultRunner.js';
import type { VariantResult } from '../result/result.js';
import { generatorBehind } from '../load/capacitySearch.js';
import { summarize } from '../load/latency.js';
import { LogIndex } from '../load/logIndex.js';
import { findStall, type DownWindow } from '../load/stalls.js';
import { buildTimeline } from '../load/timeline.js';
import { sessionFiguresPerStep } from './neighborPhases.js';
import { findUnexpectedExits } from '../load/unexpectedExits.js';
import type { LagFigures } from './generatorLag.js';
import { recordHistograms } from './shardFigures.js';
import type { VariantRun } from './variantRun.js';
import type { VariantState } from './variantState.js';

/** A failure of the variant's own becomes data: aborted for an interrupt, else failed. */
export function recordFailure(run: VariantRun, state: VariantState, error: unknown): void {
  const { result } = state;
  if (error instanceof InterruptedError || run.signal.aborted) {
    result.status = 'aborted';
    result.reason = 'interrupted';
    return;
  }
  result.status = 'failed';
  result.reason = errorMessage(error);
  result.logTail = [
    ...(error instanceof RuntimeError ? error.logTail : []),
    ...state.apps.flatMap((a) => a.logTail()),
  ];
}

function notFired(faults: VariantRun['plan']['faults'], status: string): FaultExecution[] {
  const reason = `not fired: the variant ${status === 'aborted' ? 'was interrupted' : 'failed'} before its load`;
  return faults.map((plan) => ({ plan, status: 'skipped', reason, targets: [] }));
}

/** Where each fault kept its target down: silence and refusals there are the fault's. */
export function downWindows(executions: FaultExecution[], loadSpanMs: number): DownWindow[] {
  return executions
    .filter((e) => e.startedMs !== undefined)
    .map((e) => ({ startMs: e.startedMs!, endMs: e.endedMs ?? loadSpanMs }));
}

/**
 * Result assembly, after everything stopped: the figures that come from the whole
 * request log (throughput over the load phase, latency, timeline, fault figures,
 * stalls, unplanned exits), whatever phase the variant reached.
 */
export function assembleResult(run: VariantRun, state: VariantState): void {
  const { plan, variant, signal } = run;
  const { result, measurements, audit, ledger, events } = state;
  if (signal.aborted && result.status === 'completed') {
    result.status = 'aborted';
    result.reason = 'interrupted';
  }
  // A variant that failed or stopped before its load has no load figures: no throughput,
  // no stall, no timeline (a start that hung is not a stalled load).
  const loadStarted = measurements.loadStarted;
  const loadSpanMs = Math.max(measurements.loadSpanMs(), 1);
  const index = new LogIndex(measurements.log);
  result.throughputRps = Math.round((measurements.requests.ok / loadSpanMs) * 1000 * 10) / 10;
  result.latencyUs = summarize(measurements.histogram);
  result.users.loggedInAtEnd = ledger.loggedInCount();
  if (loadStarted) {
    // Capacity mode's load is all its steps: longer than one step's durationMs.
    const timelineMs =
      plan.load.mode === 'capacity' ? loadSpanMs : Math.min(loadSpanMs, plan.load.durationMs);
    result.timeline = buildTimeline(index, timelineMs);
  }
  if (state.capacity) result.capacity = state.capacity;
  if (state.generatorLag)
    result.generator = generatorFigures(state.generatorLag, result, loadSpanMs);
  if (state.sampler) addResources(state, loadSpanMs);
  // After the resources: each step's figures include the database's CPU.
  if (loadStarted && result.neighbor?.status === 'done')
    sessionFiguresPerStep(result.neighbor, index, plan.load, result.timeline);
  // A variant that never reached its load still lists its planned faults: as skipped, never as 0.
  const executions = state.executions ?? notFired(plan.faults, result.status);
  const loadEndMs = Math.max(measurements.lastCompletedMs, plan.load.durationMs);
  const nodes = [...state.targets.keys()].filter((name) => name.startsWith('node'));
  // Our embedded stores' documented behaviour says nothing of the user's own app.
  const ownApp = plan.app.url !== undefined;
  const holders = nodes.length ? nodes : ownApp ? [] : state.apps.map((a) => a.name);
  result.faults = describeFaults(executions, index, audit, plan.load, loadEndMs, {
    variant,
    holders,
  });
  const down = [...downWindows(executions, loadSpanMs), ...(state.downWindows ?? [])];
  const stall = loadStarted && findStall(measurements.log, plan.load, loadSpanMs, down);
  if (stall) result.stalled = stall;
  recordHistograms(result, measurements, index, run.shardResult ?? false);
  const exits = findUnexpectedExits(events.events, index, down);
  if (exits.length) flagUnexpectedExits(state, exits);
}

/** The generator's lag, and whether it explains this load's late requests. */
function generatorFigures(
  lag: LagFigures,
  result: VariantResult,
  loadSpanMs: number,
): NonNullable<VariantResult['generator']> {
  const behind = generatorBehind({
    requests: result.requests.total,
    late: result.requests.late,
    durationMs: loadSpanMs,
    generatorLagP99Us: lag.lagP99Us,
    generatorStalledMs: lag.stalledMs,
  });
  return { ...lag, behind: behind !== undefined };
}

/** Resource totals per target, and each second's use on the timeline's points. */
function addResources(state: VariantState, loadSpanMs: number): void {
  const { result, sampler } = state;
  result.resources = sampler!.usage(result.requests.ok, loadSpanMs);
  for (const point of result.timeline) {
    const resources = sampler!.pointsAt(point.tMs);
    if (resources.length) point.resources = resources;
  }
}

function flagUnexpectedExits(
  state: VariantState,
  exits: NonNullable<VariantState['result']['unexpectedExits']>,
): void {
  const { result } = state;
  result.unexpectedExits = exits;
  if (result.status !== 'completed') return;
  // The figures stay in the result, but they measure a dead target, not the store.
  const first = exits[0]!;
  result.status = 'failed';
  result.reason = `${first.target} died at ${formatDuration(Math.max(0, first.tMs))} without a planned fault${first.detail ? ` (${first.detail})` : ''}`;
}
