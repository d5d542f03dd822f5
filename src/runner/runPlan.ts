import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { variantApp } from '../app/flavours/variantApp.js';
import type { Backend } from '../backends/backend.js';
import { backendOf, selectVariants } from '../backends/registry.js';
import { durabilityCaveat } from '../config/compression.js';
import { redactPlanTargets } from '../config/targetUrl.js';
import { errorMessage } from '../errors.js';
import { writeOwnerFile } from '../lifecycle/runOwner.js';
import { chooseProvider } from '../providers/registry.js';
import type { Plan } from '../config/planSchema.js';
import { emptyVariantResult } from '../result/emptyResult.js';
import { SCHEMA_VERSION, type RunResult, type VariantResult } from '../result/result.js';
import { TOOL_VERSION } from '../version.js';
import type { Progress } from './progress.js';
import { runVariant } from './runVariant.js';
import { newRunId, runName } from '../lifecycle/runNames.js';

export interface RunOptions {
  signal: AbortSignal;
  progress?: Progress;
  /** Called after each variant with the result so far (status "partial"), so an interrupt or a crash loses nothing. */
  onPartial?: (result: RunResult) => Promise<void>;
}

const INTERRUPTED_BEFORE = 'run interrupted before this variant';

/** Runs every variant of the plan, one after the other, and returns the result object. */
export async function runPlan(plan: Plan, options: RunOptions): Promise<RunResult> {
  // Default: one variant per backend; `all` and the default skip what cannot run here.
  const { ids: variants, chosen } = selectVariants(plan.variants);
  const runId = newRunId();
  const workDir = await mkdtemp(path.join(os.tmpdir(), `${runName(runId)}-`));
  await writeOwnerFile(workDir);
  const result = newRunResult(runId, plan);
  const shared = { runId, plan, workDir, secret: randomBytes(32).toString('hex') };
  try {
    for (const variant of variants) {
      const probe = chosen !== 'listed' && !options.signal.aborted;
      result.results.push(await variantOutcome(variant, probe, shared, options));
      result.finishedAt = new Date().toISOString();
      await options.onPartial?.(result);
    }
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
  result.finishedAt = new Date().toISOString();
  result.status = options.signal.aborted ? 'aborted' : 'completed';
  return result;
}

/** The run's result before any variant: `partial` until the last variant is done. */
function newRunResult(runId: string, plan: Plan): RunResult {
  return {
    schemaVersion: SCHEMA_VERSION,
    runId,
    startedAt: new Date().toISOString(),
    finishedAt: '',
    // Until the last variant is done: a file left by a killed run says so.
    status: 'partial',
    tool: { name: 'session-bench', version: TOOL_VERSION },
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      memoryBytes: os.totalmem(),
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
    },
    // The store still gets the credentials from `plan`; the file never does.
    scenario: redactPlanTargets(plan),
    results: [],
  };
}

/**
 * One variant's result: run, or not run with the reason (interrupted before it, or,
 * unless listed by name, nothing here can start it).
 */
async function variantOutcome(
  variant: string,
  probe: boolean,
  shared: { runId: string; plan: Plan; workDir: string; secret: string },
  options: RunOptions,
): Promise<VariantResult> {
  const { plan } = shared;
  const backend = backendOf(variant);
  // A flavour without a store package for the backend skips it, even when listed.
  const { app, skipReason } = variantApp(plan.app, variant, plan.topology);
  const missing = skipReason ?? (probe ? await whyNotRunnable(backend, variant, plan) : undefined);
  // Also after the probe: an interrupt during it is not a reason the variant cannot run.
  if (options.signal.aborted) {
    return { ...notRun(variant, backend.name, plan, INTERRUPTED_BEFORE), app };
  }
  if (missing) {
    options.progress?.phase(variant, `skipped: ${missing}`);
    return { ...notRun(variant, backend.name, plan, missing), app };
  }
  const result = await runVariant({
    ...shared,
    variant,
    backend,
    signal: options.signal,
    progress: options.progress,
  });
  result.app = app;
  // A compressed day squeezes the traffic, not the stores' timers: loss figures are marked.
  const caveat = durabilityCaveat(plan.load);
  if (caveat) result.durabilityCaveat = caveat;
  return result;
}

async function whyNotRunnable(
  backend: Backend,
  variant: string,
  plan: Plan,
): Promise<string | undefined> {
  if (!backend.serverSpec) return undefined;
  try {
    await chooseProvider(
      plan.provider,
      backend.serverSpec(variant, { nodes: plan.topology.nodes }),
      plan,
    );
    return undefined;
  } catch (error) {
    return errorMessage(error);
  }
}

function notRun(variant: string, backend: string, plan: Plan, reason: string): VariantResult {
  return emptyVariantResult({
    variant,
    backend,
    provider: 'none',
    server: null,
    status: 'skipped',
    reason,
    mode: plan.load.mode,
    usersTotal: plan.load.users,
  });
}
