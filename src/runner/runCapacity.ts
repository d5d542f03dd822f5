import { parseSlo } from '../config/slo.js';
import type { AppClient } from '../load/appClient.js';
import {
  CapacitySearch,
  PEAK_FACTOR,
  judgeStep,
  kneePerDay,
  type NextStep,
} from '../load/capacitySearch.js';
import { FixedRateDriver } from '../load/fixedRateDriver.js';
import { summarize } from '../load/latency.js';
import { Measurements } from '../load/measurements.js';
import { Workload } from '../load/workload.js';
import { sleep } from '../lifecycle/sleep.js';
import type { CapacityResult, CapacityStep } from '../result/result.js';
import type { VariantRun } from './variantRun.js';
import type { VariantState } from './variantState.js';
import { watchGeneratorLag } from './generatorLag.js';

/** Between steps: answers of the last one drain and the store's queues empty. */
const COOL_DOWN_MS = 1_000;

/**
 * Capacity mode: fixed-rate load steps on the same servers and app (the one fixed-rate
 * driver, a fresh measurement per step), geometric then bisected (CapacitySearch),
 * each judged against the SLO. Every step's requests also go into the variant's own
 * measurements, so its timeline, totals and audit cover the whole search.
 */
export async function runCapacity(
  run: VariantRun,
  state: VariantState,
  client: AppClient,
): Promise<void> {
  const { plan, variant, signal } = run;
  const capacity = plan.load.capacity!;
  const slo = parseSlo(capacity.slo);
  const { measurements } = state;
  const workload = new Workload(state.ledger, plan.load.mix, plan.load.seed);
  const search = new CapacitySearch(plan.load.rateRps, capacity.stepFactor, capacity.bisections);
  const steps: CapacityStep[] = [];
  try {
    for (let next = search.next(); next && !signal.aborted; next = search.next()) {
      if (steps.length) await sleep(COOL_DOWN_MS, signal).catch(() => undefined);
      if (signal.aborted) break;
      run.progress?.phase(variant, `capacity step ${steps.length + 1}: ${next.rateRps} req/s`);
      const step = await runStep(run, state, client, workload, next);
      // A step cut short by an interrupt measured a part of its load: not judged.
      if (signal.aborted) break;
      const judged = judgeStep(step.figures, slo);
      search.record(next, judged.verdict);
      steps.push({ ...step.row, ...judged });
      run.progress?.phase(
        variant,
        `${next.rateRps} req/s: ${judged.verdict}${judged.reasons.length ? ` (${judged.reasons.join(', ')})` : ''}`,
      );
    }
  } finally {
    measurements.loadEndedMs = measurements.now();
    state.capacity = capacityResult(search, steps, capacity);
  }
}

async function runStep(
  run: VariantRun,
  state: VariantState,
  client: AppClient,
  workload: Workload,
  next: NextStep,
) {
  const { plan, signal } = run;
  const own = new Measurements();
  own.startLoad();
  const fromMs = state.measurements.now();
  const lag = watchGeneratorLag();
  const load = { ...plan.load, mode: 'fixed' as const, curve: 'constant' as const };
  const driver = new FixedRateDriver({
    load: { ...load, rateRps: next.rateRps },
    client,
    ledger: state.ledger,
    audit: state.audit,
    measurements: own,
    signal,
    workload,
  });
  await driver.run();
  const { lagP99Us, lagMaxUs, stalledMs } = lag.stop();
  mergeInto(state.measurements, own, own.originMs - state.measurements.originMs);
  const toMs = state.measurements.now();
  const latencyUs = summarize(own.histogram);
  const errors = own.requests.errors + own.requests.timeouts;
  const cpuPercent = state.sampler?.cpuPercentBetween(fromMs, toMs);
  const figures = {
    requests: own.requests.total,
    errors,
    late: own.requests.late,
    latencyUs,
    generatorLagP99Us: lagP99Us,
    generatorLagMaxUs: lagMaxUs,
    generatorStalledMs: stalledMs,
    durationMs: toMs - fromMs,
  };
  const row = {
    rateRps: next.rateRps,
    kind: next.kind,
    durationMs: Math.round(toMs - fromMs),
    requests: figures.requests,
    errors,
    late: figures.late,
    p50Us: latencyUs.p50,
    p99Us: latencyUs.p99,
    generatorLagP99Us: lagP99Us,
    generatorLagMaxUs: lagMaxUs,
    generatorStalledMs: stalledMs,
    ...(cpuPercent && Object.keys(cpuPercent).length ? { cpuPercent } : {}),
  };
  return { figures, row };
}

/** A step's requests join the variant's, shifted to the variant's clock. */
function mergeInto(variant: Measurements, step: Measurements, offsetMs: number): void {
  const { log } = step;
  for (let i = 0; i < log.length; i++) {
    variant.record(
      log.intendedMs[i]! + offsetMs,
      log.latencyUs[i]!,
      log.outcome[i]!,
      log.failure[i]!,
    );
  }
  for (let i = 0; i < step.requests.late; i++) variant.markLate();
}

function capacityResult(
  search: CapacitySearch,
  steps: CapacityStep[],
  capacity: NonNullable<VariantRun['plan']['load']['capacity']>,
): CapacityResult {
  const knee = search.kneeRps;
  // The knee's figures: the passing step at that rate (a rate is tried once).
  const kneeStep = steps.find((s) => s.rateRps === knee && s.verdict === 'pass');
  return {
    slo: capacity.slo,
    stepFactor: capacity.stepFactor,
    stepMs: capacity.stepMs,
    bisections: capacity.bisections,
    steps,
    kneeRps: knee ?? null,
    kneeP50Us: kneeStep?.p50Us ?? null,
    kneeP99Us: kneeStep?.p99Us ?? null,
    limitedBy: search.limitedBy,
    peakFactor: PEAK_FACTOR,
    ...kneePerDay(knee),
  };
}
