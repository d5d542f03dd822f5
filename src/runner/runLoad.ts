import { runFaults, type FaultExecution } from '../faults/faultRunner.js';
import type { AppClient } from '../load/appClient.js';
import { FixedRateDriver } from '../load/fixedRateDriver.js';
import type { LoadContext, LoadDriver } from '../load/loadDriver.js';
import { SaturationDriver } from '../load/saturationDriver.js';
import { Workload } from '../load/workload.js';
import { watchGeneratorLag } from './generatorLag.js';
import { withRoleTimeline } from './roleTimeline.js';
import { startLoadTicker } from './loadTicker.js';
import { ResourceSampler } from './resourceSampler.js';
import { runCapacity } from './runCapacity.js';
import type { VariantRun } from './variantRun.js';
import type { VariantState } from './variantState.js';

/** Choice: the plan's mode picks the driver; both record through the same path. */
function chooseDriver(run: VariantRun, state: VariantState, client: AppClient): LoadDriver {
  const { plan, signal } = run;
  const context: LoadContext = {
    load: plan.load,
    client,
    ledger: state.ledger,
    audit: state.audit,
    measurements: state.measurements,
    signal,
    workload: new Workload(state.ledger, plan.load.mix, plan.load.seed),
  };
  if (plan.load.mode === 'fixed') return new FixedRateDriver(context);
  return new SaturationDriver(context);
}

/**
 * The load phase: the clock starts, the resource sampler reads every node and app
 * instance each second, and the plan's mode runs (capacity steps, or one load with
 * its faults). The sampler's last reading is taken also when the load fails.
 */
export async function runLoad(
  run: VariantRun,
  state: VariantState,
  client: AppClient,
): Promise<void> {
  const { measurements, events, ledger } = state;
  measurements.startLoad();
  events.setOrigin(measurements.originMs);
  // Everyone warm-up logged in was fine when the load began (times count from here).
  ledger.lastGoodMs.fill(0);
  const sampler = new ResourceSampler(state.targets.values(), () => measurements.now());
  state.sampler = sampler;
  sampler.start();
  try {
    if (run.plan.load.mode === 'capacity') await runCapacity(run, state, client);
    else await loadWithFaults(run, state, client);
  } finally {
    await sampler.stop();
  }
}

/**
 * The load phase with its faults. Faults stop with the run, and also when this
 * variant's load fails: none may fire later, during cleanup or the next variant
 * (abort forwarding). The executions are kept in the state, also on failure.
 */
async function loadWithFaults(
  run: VariantRun,
  state: VariantState,
  client: AppClient,
): Promise<void> {
  const { plan, variant, signal } = run;
  const { measurements, events, ledger, audit } = state;
  const driver = chooseDriver(run, state, client);
  const stopTicker = run.progress
    ? startLoadTicker(run.progress, variant, plan, measurements, audit.counts)
    : undefined;
  const stopFaults = new AbortController();
  const forwardAbort = () => stopFaults.abort();
  signal.addEventListener('abort', forwardAbort, { once: true });
  // An interrupt during the warm-up already fired: the listener above never will.
  if (signal.aborted) stopFaults.abort();
  const faultRuns = runFaults(plan.faults, {
    targets: state.targets,
    ...(state.links ? { links: state.links } : {}),
    ...(state.roles ? { roles: state.roles } : {}),
    driver,
    ledger,
    audit,
    measurements,
    events,
    signal: stopFaults.signal,
    seed: plan.load.seed,
  });
  let executions: FaultExecution[] | undefined;
  // At a fixed rate, whether the generator kept time tells its late requests apart.
  const lag = plan.load.mode === 'fixed' ? watchGeneratorLag() : undefined;
  try {
    await withRoleTimeline(state.roles, events, async () => {
      await driver.run();
      // Here, not after the role watch has stopped: its last question may still be out.
      measurements.loadEndedMs = measurements.now();
      if (lag) state.generatorLag = lag.stop();
    });
    executions = await faultRuns;
  } finally {
    // On a failed load only: stop() sorts every tick, once is enough.
    if (lag && !state.generatorLag) lag.stop();
    measurements.loadEndedMs ??= measurements.now();
    stopFaults.abort();
    executions ??= await faultRuns.catch(() => undefined);
    state.executions = executions;
    signal.removeEventListener('abort', forwardAbort);
    // Also when the load fails: the ticker would keep redrawing through the next variants.
    stopTicker?.();
  }
}
