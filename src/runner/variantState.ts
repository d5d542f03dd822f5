import type { RunningApp } from '../app/runningApp.js';
import { Audit } from '../audit/audit.js';
import type { FaultExecution } from '../faults/faultRunner.js';
import { CleanupStack } from '../lifecycle/cleanupStack.js';
import { EventLog } from '../lifecycle/eventLog.js';
import type { FaultTarget, Roles } from '../lifecycle/faultTarget.js';
import { summarize } from '../load/latency.js';
import { Ledger } from '../load/ledger.js';
import { Measurements } from '../load/measurements.js';
import type { CapacityResult, VariantResult } from '../result/result.js';
import type { NetworkLink } from '../network/faultProxy.js';
import type { DownWindow } from '../load/stalls.js';
import type { LagFigures } from './generatorLag.js';
import type { ResourceSampler } from './resourceSampler.js';
import type { VariantRun } from './variantRun.js';

type Phase = keyof VariantResult['phasesMs'];

/** Everything one variant's phases share: what they measure, what they started. */
export interface VariantState {
  readonly result: VariantResult;
  readonly measurements: Measurements;
  readonly ledger: Ledger;
  readonly audit: Audit;
  readonly events: EventLog;
  readonly cleanup: CleanupStack;
  /** Fault targets by name: node0.., app0.. */
  readonly targets: Map<string, FaultTarget>;
  apps: RunningApp[];
  /** The fault proxy's link in front of each node, by node name, when a proxy is placed. */
  links?: Map<string, NetworkLink>;
  /** The nodes' own endpoints (not through the proxy) and the backend's settings. */
  nodeEndpoints?: string[];
  serverSettings?: Record<string, string>;
  /** A replicated store's roles (primary, replica<i>), resolved when a fault fires. */
  roles?: Roles;
  /** Set once the load phase ended, also when it failed after firing faults. */
  executions?: FaultExecution[];
  /** A worker's: where the runner's faults kept targets down (the worker fired none). */
  downWindows?: DownWindow[];
  /** Reads each node's and app's resources during the load; set when the load begins. */
  sampler?: ResourceSampler;
  /** The generator's event loop during a fixed-rate load (runLoad). */
  generatorLag?: LagFigures;
  /** Capacity mode's search, once it ran (also when cut short). */
  capacity?: CapacityResult;
  /** Records the time since the previous phase ended as `phase`'s length. */
  endPhase(phase: Phase): void;
}

export function newVariantState(run: VariantRun): VariantState {
  const { plan, variant, backend } = run;
  const measurements = new Measurements();
  const ledger = new Ledger(plan.load.users);
  const audit = new Audit(ledger, () => measurements.now());
  const events = new EventLog();
  const phasesMs = { start: 0, warmUp: 0, load: 0, sweep: 0 };
  const result: VariantResult = {
    variant,
    backend: backend.name,
    // Replaced by the provider that really starts the servers.
    provider: backend.kind === 'embedded' ? 'embedded' : plan.provider,
    server: null,
    status: 'completed',
    mode: plan.load.mode,
    requests: measurements.requests,
    throughputRps: 0,
    latencyUs: summarize(measurements.histogram),
    users: { total: plan.load.users, loggedInAtEnd: 0 },
    audit: audit.counts,
    faults: [],
    timeline: [],
    events: events.events,
    phasesMs,
  };
  let phaseStart = performance.now();
  return {
    result,
    measurements,
    ledger,
    audit,
    events,
    cleanup: new CleanupStack(),
    targets: new Map(),
    apps: [],
    endPhase(phase) {
      phasesMs[phase] = Math.round(performance.now() - phaseStart);
      phaseStart = performance.now();
    },
  };
}
