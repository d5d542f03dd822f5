import { mkdtemp } from 'node:fs/promises';
import path from 'node:path';
import type { StoreOptions } from '../backends/sessionStore.js';
import type { AppFlavour } from '../config/appFlavour.js';
import { AppClient } from '../load/appClient.js';
import { startApps } from './startApps.js';
import { placeProxy } from './placeProxy.js';
import { startServers } from './startServers.js';
import type { VariantRun } from './variantRun.js';
import type { VariantState } from './variantState.js';

/** How long the app may take to answer a store call before it answers 503. */
const STORE_TIMEOUT_MS = 2_000;

/**
 * Setup: the variant's data folder, its servers (if any) and its app instances, all
 * owned by the state's cleanup stack, and the HTTP client the load talks through.
 */
export async function startVariant(run: VariantRun, state: VariantState): Promise<AppClient> {
  const { plan, variant, backend } = run;
  const { result, events, cleanup, targets } = state;
  const dataDir = await mkdtemp(path.join(run.workDir, `${variant.replace(/[^a-z0-9-]/gi, '_')}-`));
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
    const proxied = await placeProxy(plan, servers.started.nodes, { cleanup, events });
    if (proxied) {
      store.endpoints = proxied.endpoints;
      state.links = proxied.links;
    }
  }
  run.progress?.phase(variant, 'starting the app');
  state.apps = await startApps(
    plan.topology.appInstances,
    {
      flavour: plan.app.flavour as AppFlavour,
      options: plan.app.options,
      storeModule: backend.storeModule.href,
      store,
      payloadBytes: plan.load.payloadBytes,
      storeTimeoutMs: STORE_TIMEOUT_MS,
    },
    { dataDir, events, cleanup, signal: run.signal },
  );
  for (const app of state.apps) targets.set(app.name, app);
  const client = new AppClient(
    state.apps.map((a) => a.url),
    plan.load.timeoutMs,
    plan.load.maxConnections,
  );
  cleanup.push('http client', () => client.close());
  return client;
}
