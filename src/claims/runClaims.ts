import type { Plan } from '../config/planSchema.js';
import type { ClaimResult, RunResult } from '../result/result.js';
import { runPlan, type RunOptions } from '../runner/runPlan.js';
import { claimRun } from './claimPlans.js';
import { claimVerdict } from './claimVerdicts.js';

/**
 * `--scenario claims`: one run per claim, each with its own variants, topology and
 * faults, gathered into one result: every variant's result tagged with its claim,
 * and each claim's verdict from those results. An interrupt stops at the claim it
 * reached; the claims not run are left out (the result says `aborted`).
 */
export async function runClaims(plan: Plan, options: RunOptions): Promise<RunResult> {
  let combined: RunResult | undefined;
  const claims: ClaimResult[] = [];
  for (const id of plan.claims ?? []) {
    if (options.signal.aborted) break;
    const run = claimRun(id, plan);
    options.progress?.phase(id, `claim "${run.claim}": ${run.setup}`);
    const results = [];
    for (const part of [run.plan, run.capacityPlan]) {
      if (!part || options.signal.aborted) continue;
      const before = combined;
      const result = await runPlan(part, {
        ...options,
        ...(before ? { runId: before.runId } : {}),
        // The file holds every claim so far, not only this claim's variants.
        onPartial: async (partial) =>
          options.onPartial?.(gathered(before, partial, id, claims, plan)),
      });
      for (const r of result.results) r.claim = id;
      results.push(...result.results);
      combined = gathered(before, result, id, claims, plan);
    }
    claims.push({
      id,
      claim: run.claim,
      setup: run.setup,
      runId: combined!.runId,
      ...claimVerdict(id, results),
    });
    combined!.claims = [...claims];
  }
  if (!combined) throw new Error('the claims scenario lists no claim');
  combined.status = options.signal.aborted ? 'aborted' : 'completed';
  combined.finishedAt = new Date().toISOString();
  return combined;
}

/** The results of the claims before, this claim's so far, the verdicts so far. */
function gathered(
  before: RunResult | undefined,
  current: RunResult,
  id: ClaimResult['id'],
  claims: ClaimResult[],
  plan: Plan,
): RunResult {
  const tagged = current.results.map((r) => ({ ...r, claim: id }));
  return {
    ...(before ?? current),
    // The claims scenario as asked, not one claim's derived plan.
    scenario: { ...current.scenario, ...scenarioOf(plan) },
    status: 'partial',
    finishedAt: current.finishedAt,
    results: [...(before?.results ?? []), ...tagged],
    claims: [...claims],
  };
}

function scenarioOf(plan: Plan): Partial<Plan> {
  const { scenario, load, variants, faults, claims } = plan;
  return { scenario, load, variants, faults, claims };
}
