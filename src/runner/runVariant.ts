import { finalSweep } from '../audit/finalSweep.js';
import { warmUp } from '../load/warmUp.js';
import type { VariantResult } from '../result/result.js';
import { waitForLoadStart } from './loadStart.js';
import { runLoad } from './runLoad.js';
import { startVariant } from './startVariant.js';
import { assembleResult, recordFailure } from './variantResult.js';
import type { VariantRun } from './variantRun.js';
import { newVariantState } from './variantState.js';

export type { VariantRun };

/**
 * One variant from start to stop: servers and app up (startVariant), warm-up,
 * load with faults (runLoad), final sweep, everything stopped, result assembled
 * (variantResult). Never throws for the variant's own failures: they come back as
 * `status: "failed"` with the reason, an interrupt as `status: "aborted"`.
 */
export async function runVariant(run: VariantRun): Promise<VariantResult> {
  const { plan, variant, signal } = run;
  const state = newVariantState(run);
  try {
    const client = await startVariant(run, state);
    state.endPhase('start');

    run.progress?.phase(variant, `warming up ${plan.load.users} users`);
    await warmUp(client, state.audit, plan.load.users, signal);
    state.endPhase('warmUp');

    await waitForLoadStart(run, state);
    // The wait for --start-at is no phase: restart the clock (the load's length overwrites this).
    state.endPhase('load');

    await runLoad(run, state, client);
    state.endPhase('load');

    // Interrupted, the sweep counts every user it cannot reach as unverified.
    if (!signal.aborted) run.progress?.phase(variant, 'final sweep');
    await finalSweep(client, state.ledger, state.audit, signal);
    state.endPhase('sweep');
  } catch (error) {
    recordFailure(run, state, error);
  } finally {
    const problems = await state.cleanup.dispose();
    const result = state.result;
    if (problems.length) result.reason = [result.reason, ...problems].filter(Boolean).join('; ');
  }
  assembleResult(run, state);
  return state.result;
}
