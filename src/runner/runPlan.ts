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
import {
  SCHEMA_VERSION,
  type RunResult,
  type ShardInfo,
  type VariantResult,
} from '../result/result.js';
import { TOOL_VERSION } from '../version.js';
import type { Progress } from './progress.js';
import { runVariant, type VariantRun } from './runVariant.js';
import {
  runsFaults,
  shardPlan,
  shardSlice,
  variantStartMs,
  type ShardSetup,
} from '../config/shard.js';
import { newRunId, runName } from '../lifecycle/runNames.js';

export interface RunOptions {
  signal: AbortSignal;
  progress?: Progress;
  /** Called after each variant with the result so far (status "partial"), so an interrupt or a crash loses nothing. */
  onPartial?: (result: RunResult) => Promise<void>;
  /** The run id to use (one run made of several plans, as the claims scenario is); default: a new one. */
  runId?: string;
  /** This process drives one shard of a run (`--shard i/N`): its users, its share of the rate. */
  shard?: ShardSetup;
  /** `--workers N`: N generator processes (this one and N-1 workers), one result. */
  workers?: number;
}

const INTERRUPTED_BEFORE = 'run interrupted before this variant';

/** Runs every variant of the plan, one after the other, and returns the result object. */
export async function runPlan(plan: Plan, options: RunOptions): Promise<RunResult> {
  // Default: one variant per backend; `all` and the default skip what cannot run here.
  const { ids: variants, chosen } = selectVariants(plan.variants);
  const runId = options.runId ?? newRunId();
  const workDir = await mkdtemp(path.join(os.tmpdir(), `${runName(runId)}-`));
  await writeOwnerFile(workDir);
  const result = newRunResult(runId, plan);
  if (options.shard) result.shard = shardInfo(plan, options.shard);
  if ((options.workers ?? 1) > 1) result.workers = options.workers;
  const shared = { runId, plan, workDir, secret: randomBytes(32).toString('hex') };
  try {
    for (const [k, variant] of variants.entries()) {
      const probe = chosen !== 'listed' && !options.signal.aborted;
      const run = {
        ...shared,
        ...shardParts(plan, options.shard, k),
        ...workerParts(plan, options),
      };
      result.results.push(await variantOutcome(variant, probe, run, options));
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

/** What a shard's result says about its slice, for `merge`. */
function shardInfo(plan: Plan, shard: ShardSetup): ShardInfo {
  return {
    runId: shard.runId,
    planHash: shard.planHash,
    index: shard.index,
    count: shard.count,
    users: shardSlice(plan.load.users, shard.index, shard.count),
    ranFaults: runsFaults(shard),
    ...(shard.startAtMs !== undefined ? { startAt: new Date(shard.startAtMs).toISOString() } : {}),
  };
}

/** A shard's variant k: its plan (users, rate, faults), first user id, and planned load start. */
function shardParts(plan: Plan, shard: ShardSetup | undefined, k: number) {
  if (!shard) return { plan };
  const { from } = shardSlice(plan.load.users, shard.index, shard.count);
  const startAtMs = shard.startAtMs;
  return {
    plan: shardPlan(plan, shard),
    userOffset: from,
    shardResult: true,
    ...(startAtMs !== undefined
      ? { loadStartAtMs: variantStartMs(startAtMs, k, plan.load.durationMs) }
      : {}),
  };
}

/** --workers N: this process drives slice 1 of N and runs the faults; the workers the rest. */
function workerParts(plan: Plan, options: RunOptions) {
  const count = options.workers ?? 1;
  if (count < 2) return {};
  const first = { runId: '', planHash: '', index: 1, count, faults: 'first' as const };
  return { plan: shardPlan(plan, first), shardResult: true, workers: { count, fullPlan: plan } };
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
  shared: Omit<VariantRun, 'variant' | 'backend' | 'signal' | 'progress'>,
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
