import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Backend } from '../../src/backends/backend.js';
import { loadPlan, type RunOverrides } from '../../src/config/loadPlan.js';
import { type Plan } from '../../src/config/planSchema.js';
import type { RunResult, VariantResult } from '../../src/result/result.js';
import { runPlan } from '../../src/runner/runPlan.js';
import { newRunId } from '../../src/lifecycle/runNames.js';
import { runVariant } from '../../src/runner/runVariant.js';

/** A plan from the smoke scenario with the given flags, exactly as the CLI builds it. */
export function smokePlan(flags: RunOverrides = {}): Promise<Plan> {
  return loadPlan({ scenario: 'smoke', ...flags });
}

/** Runs the smoke scenario with `flags`; `adjust` edits the plan (fields with no flag). */
export async function runSmoke(
  flags: RunOverrides,
  adjust?: (plan: Plan) => void,
): Promise<RunResult> {
  const plan = await smokePlan(flags);
  adjust?.(plan);
  return runPlan(plan, { signal: new AbortController().signal });
}

/**
 * No logouts of the users' own: a logout the app answers 503 while the store is down
 * may or may not have applied, so the audit never counts that user's later "not logged
 * in" as a loss, and how many such logouts a kill meets grows with how long the store
 * takes to come back. Without them "everyone logged in at the kill is logged out" is
 * exact to within the count's window.
 */
export function withoutLogouts(plan: Plan): void {
  plan.load.mix.logout = 0;
}

/** Runs one variant of a backend that is not in the registry (test-only stores). */
export async function runBackend(
  backend: Backend,
  variant: string,
  plan: Plan,
): Promise<VariantResult> {
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'session-bench-test-'));
  try {
    return await runVariant({
      runId: newRunId(),
      variant,
      backend,
      plan,
      secret: 'test-secret',
      workDir,
      signal: new AbortController().signal,
    });
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

export function resultFor(run: RunResult, variant: string): VariantResult {
  const result = run.results.find((r) => r.variant === variant);
  if (!result) throw new Error(`no result for ${variant}`);
  if (result.status !== 'completed') {
    throw new Error(
      `${variant} ${result.status}: ${result.reason}\n${(result.logTail ?? []).join('\n')}`,
    );
  }
  return result;
}
