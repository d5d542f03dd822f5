import { mkdtemp } from 'node:fs/promises';
import path from 'node:path';
import { AppProcess } from '../app/appProcess.js';
import type { StoreOptions } from '../backends/sessionStore.js';
import { Audit } from '../audit/audit.js';
import { finalSweep } from '../audit/finalSweep.js';
import type { Backend } from '../backends/backend.js';
import type { Plan } from '../config/planSchema.js';
import { RuntimeError, errorMessage } from '../errors.js';
import { describeFaults } from '../faults/describeFaults.js';
import { runFaults, type FaultExecution } from '../faults/faultRunner.js';
import type { FaultTarget } from '../lifecycle/faultTarget.js';
import { CleanupStack } from '../lifecycle/cleanupStack.js';
import { EventLog } from '../lifecycle/eventLog.js';
import { AppClient } from '../load/appClient.js';
import { FixedRateDriver } from '../load/fixedRateDriver.js';
import { summarize } from '../load/latency.js';
import { Ledger } from '../load/ledger.js';
import { LogIndex } from '../load/logIndex.js';
import type { LoadContext, LoadDriver } from '../load/loadDriver.js';
import { Measurements } from '../load/measurements.js';
import { SaturationDriver } from '../load/saturationDriver.js';
import { warmUp } from '../load/warmUp.js';
import { Workload } from '../load/workload.js';
import type { VariantResult } from '../result/result.js';
import { buildTimeline } from '../load/timeline.js';
import type { Progress } from './progress.js';
import { startApps } from './startApps.js';
import { startServers } from './startServers.js';

export interface VariantRun {
  runId: string;
  variant: string;
  backend: Backend;
  plan: Plan;
  /** Cookie-signing secret, fixed for the whole run. */
  secret: string;
  /** The run's temp folder; this variant's data goes in a folder inside it. */
  workDir: string;
  signal: AbortSignal;
  progress?: Progress;
}

/** How long the app may take to answer a store call before it answers 503. */
const STORE_TIMEOUT_MS = 2_000;

/**
 * One variant from start to stop: app (and later servers) up, warm-up, load with
 * faults, final sweep, everything stopped. Never throws for the variant's own
 * failures: they come back as `status: "failed"` with the reason.
 */
export async function runVariant(run: VariantRun): Promise<VariantResult> {
  const { plan, variant, backend, signal } = run;
  const cleanup = new CleanupStack();
  const events = new EventLog();
  const measurements = new Measurements();
  const ledger = new Ledger(plan.load.users);
  const audit = new Audit(ledger, () => measurements.now());
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
  // The request log sorted by intended time, built once for the fault figures and the timeline.
  let sortedLog: LogIndex | undefined;
  const logIndex = () => (sortedLog ??= new LogIndex(measurements.log));
  let apps: AppProcess[] = [];
  let phaseStart = performance.now();
  const endPhase = (phase: keyof typeof phasesMs) => {
    phasesMs[phase] = Math.round(performance.now() - phaseStart);
    phaseStart = performance.now();
  };
  const targets = new Map<string, FaultTarget>();
  try {
    const dataDir = await mkdtemp(
      path.join(run.workDir, `${variant.replace(/[^a-z0-9-]/gi, '_')}-`),
    );
    const store: StoreOptions = { variant, ttlMs: plan.sessionTtlMs, secret: run.secret };
    if (backend.serverSpec) {
      run.progress?.phase(variant, `starting ${backend.name} (${plan.topology.nodes} node(s))`);
      const servers = await startServers(backend, variant, plan, {
        ...run,
        workDir: dataDir,
        events,
        cleanup,
      });
      result.provider = servers.started.provider;
      result.providerReason = servers.why;
      result.server = servers.started.server;
      result.serverCommand = servers.started.commandLine;
      store.endpoints = servers.started.nodes.map((n) => n.endpoint);
      store.settings = servers.settings;
      for (const node of servers.started.nodes) targets.set(node.name, node);
    }
    run.progress?.phase(variant, 'starting the app');
    apps = await startApps(
      plan.topology.appInstances,
      {
        storeModule: backend.storeModule.href,
        store,
        payloadBytes: plan.load.payloadBytes,
        storeTimeoutMs: STORE_TIMEOUT_MS,
      },
      { dataDir, events, cleanup, signal },
    );
    for (const app of apps) targets.set(app.name, app);
    const urls = apps.map((a) => a.url);
    const client = new AppClient(urls, plan.load.timeoutMs, plan.load.maxConnections);
    cleanup.push('http client', () => client.close());
    endPhase('start');

    run.progress?.phase(variant, `warming up ${plan.load.users} users`);
    await warmUp(client, audit, plan.load.users, signal);
    endPhase('warmUp');

    const context: LoadContext = {
      load: plan.load,
      client,
      ledger,
      audit,
      measurements,
      signal,
      workload: new Workload(ledger, plan.load.mix, plan.load.seed),
    };
    const driver: LoadDriver =
      plan.load.mode === 'fixed'
        ? new FixedRateDriver(context)
        : new SaturationDriver(context, urls);
    measurements.originMs = performance.now();
    events.setOrigin(measurements.originMs);
    // Everyone warm-up logged in was fine when the load began (times count from here).
    ledger.lastGoodMs.fill(0);
    const stopTicker = run.progress?.load(variant, plan, measurements, audit.counts);
    // Faults stop with the run, and also when this variant's load fails: none may
    // fire later, during cleanup or the next variant.
    const stopFaults = new AbortController();
    const forwardAbort = () => stopFaults.abort();
    signal.addEventListener('abort', forwardAbort, { once: true });
    const faultRuns = runFaults(plan.faults, {
      targets,
      driver,
      ledger,
      audit,
      measurements,
      events,
      signal: stopFaults.signal,
      seed: plan.load.seed,
    });
    let executions: FaultExecution[];
    try {
      await driver.run();
      executions = await faultRuns;
    } catch (error) {
      stopFaults.abort();
      await faultRuns.catch(() => undefined);
      throw error;
    } finally {
      signal.removeEventListener('abort', forwardAbort);
      // Also when the load fails: the ticker would keep redrawing through the next variants.
      stopTicker?.();
    }
    endPhase('load');

    if (!signal.aborted) {
      run.progress?.phase(variant, 'final sweep');
      await finalSweep(client, ledger, audit, signal);
    }
    endPhase('sweep');
    const loadEndMs = Math.max(measurements.lastCompletedMs, plan.load.durationMs);
    const nodes = [...targets.keys()].filter((name) => name.startsWith('node'));
    const holders = nodes.length ? nodes : apps.map((a) => a.name);
    result.faults = describeFaults(executions, logIndex(), audit, plan.load, loadEndMs, {
      variant,
      holders,
    });
  } catch (error) {
    result.status = 'failed';
    result.reason = errorMessage(error);
    result.logTail = [
      ...(error instanceof RuntimeError ? error.logTail : []),
      ...apps.flatMap((a) => a.logTail()),
    ];
  } finally {
    const problems = await cleanup.dispose();
    if (problems.length) result.reason = [result.reason, ...problems].filter(Boolean).join('; ');
  }
  if (signal.aborted && result.status === 'completed') {
    result.status = 'aborted';
    result.reason = 'interrupted';
  }
  const loadMs = Math.max(measurements.lastCompletedMs, 1);
  result.throughputRps = Math.round((measurements.requests.ok / loadMs) * 1000 * 10) / 10;
  result.latencyUs = summarize(measurements.histogram);
  result.users.loggedInAtEnd = ledger.loggedInCount();
  result.timeline = buildTimeline(logIndex(), Math.min(loadMs, plan.load.durationMs));
  return result;
}
