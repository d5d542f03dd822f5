import { finalSweep } from '../audit/finalSweep.js';
import { warmUp } from '../load/warmUp.js';
import { mergeVariantResults } from '../report/mergeShards.js';
import type { VariantResult } from '../result/result.js';
import { NeighborPhases } from './neighborPhases.js';
import { waitForLoadStart } from './loadStart.js';
import { runLoad } from './runLoad.js';
import { startVariant } from './startVariant.js';
import { assembleResult, downWindows, recordFailure } from './variantResult.js';
import type { VariantRun } from './variantRun.js';
import { newVariantState, type VariantState } from './variantState.js';
import { WorkerPool } from './workers/workerPool.js';

export type { VariantRun };

type WorkerResults = Awaited<ReturnType<WorkerPool['finish']>>;

/**
 * One variant from start to stop: servers and app up (startVariant), warm-up,
 * load with faults (runLoad), final sweep, everything stopped, result assembled
 * (variantResult). With --workers, workers 2..N log in, load and sweep their own
 * users in step with this process, and their results are merged into its own.
 * Never throws for the variant's own failures: they come back as
 * `status: "failed"` with the reason, an interrupt as `status: "aborted"`.
 */
export async function runVariant(run: VariantRun): Promise<VariantResult> {
  const { plan, variant, signal } = run;
  const state = newVariantState(run);
  let neighbor: NeighborPhases | undefined;
  let workerResults: WorkerResults | undefined;
  try {
    const client = await startVariant(run, state);
    // The database's other work, alone before any session traffic (its baseline).
    neighbor = await NeighborPhases.start(run, state);
    await neighbor?.alone(run);
    state.endPhase('start');
    const pool = startWorkers(run, state);

    run.progress?.phase(variant, `warming up ${plan.load.users} users`);
    await warmUp(client, state.audit, plan.load.users, signal);
    await pool?.ready();
    state.endPhase('warmUp');

    await waitForLoadStart(run, state);
    // The wait for --start-at is no phase: restart the clock (the load's length overwrites this).
    state.endPhase('load');
    await neighbor?.besideLoad(run);
    pool?.go();
    await runLoad(run, state, client);
    state.endPhase('load');

    const finished = pool?.finish(downWindows(state.executions ?? [], state.measurements.now()));
    // Awaited after the sweep; a worker failing meanwhile must not be an unhandled rejection.
    finished?.catch(() => undefined);
    // Interrupted, the sweep counts every user it cannot reach as unverified.
    if (!signal.aborted) run.progress?.phase(variant, 'final sweep');
    await neighbor?.sweep();
    await finalSweep(client, state.ledger, state.audit, signal);
    workerResults = await finished;
    state.endPhase('sweep');
    await neighbor?.finish();
  } catch (error) {
    recordFailure(run, state, error);
  } finally {
    const problems = await state.cleanup.dispose();
    const result = state.result;
    if (problems.length) result.reason = [result.reason, ...problems].filter(Boolean).join('; ');
  }
  assembleResult(run, state);
  if (!workerResults) {
    // Failed before the workers reported: the variant still had all the users.
    if (run.workers) state.result.users.total = run.workers.fullPlan.load.users;
    return state.result;
  }
  return mergeVariantResults([
    { index: 1, ranFaults: true, variant: state.result },
    ...workerResults.map((w) => ({
      index: w.index,
      name: `worker${w.index}`,
      ranFaults: false,
      variant: w.result,
    })),
  ]);
}

/** Workers 2..N (--workers), stopped with the variant; none without the flag. */
function startWorkers(run: VariantRun, state: VariantState): WorkerPool | undefined {
  if (!run.workers || run.workers.count < 2) return undefined;
  const pool = WorkerPool.start(
    run.workers.fullPlan,
    run.workers.count,
    run.variant,
    state.apps.map((a) => a.url),
  );
  state.cleanup.push('load workers', () => pool.stop());
  return pool;
}
