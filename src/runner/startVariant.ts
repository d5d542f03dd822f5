import { mkdtemp } from 'node:fs/promises';
import path from 'node:path';
import type { StoreOptions } from '../backends/sessionStore.js';
import type { AppFlavour } from '../config/appFlavour.js';
import { AppClient } from '../load/appClient.js';
import { socketsFor } from '../load/loadDriver.js';
import type { AppProcess } from '../app/appProcess.js';
import type { RunningApp } from '../app/runningApp.js';
import type { CleanupStack } from '../lifecycle/cleanupStack.js';
import type { EventLog } from '../lifecycle/eventLog.js';
import type { VariantResult } from '../result/result.js';
import { startApps } from './startApps.js';
import { externalAppResult, startOwnApp } from './startOwnApp.js';
import { FRONT_LINK } from '../network/faultProxy.js';
import { inAppLinks, placeProxy, proxyProcessOf, wantsProxy } from './placeProxy.js';
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
  /** The nodes the apps reach through links of their own (the proxy in the app's process). */
  let proxiedNodes: { name: string; endpoint: string }[] | undefined;
  if (backend.serverSpec) {
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
    state.nodeEndpoints = [...store.endpoints];
    state.serverSettings = servers.settings;
    for (const node of servers.started.nodes) targets.set(node.name, node);
    for (const member of servers.started.companions ?? []) targets.set(member.name, member);
    if (servers.topology) {
      state.roles = servers.topology.running;
      result.topology = {
        kind: servers.topology.spec.kind,
        configuration: servers.topology.spec.configuration,
        members: [...targets.keys()],
      };
    }
    // The clients of a topology connect where its members announce (the sentinels name
    // the primary's own port): a proxy in front of node0.. would not be on their path.
    // A topology with peer links carries network faults there instead (node to node).
    const proxyHere = !servers.topology && wantsProxy(plan) && servers.started.nodes.length > 0;
    if (proxyHere && proxyProcessOf(plan) === 'app') proxiedNodes = servers.started.nodes;
    const proxied =
      proxyHere && !proxiedNodes
        ? await placeProxy(servers.started.nodes, { cleanup, events })
        : undefined;
    if (servers.peerLinks) {
      state.links = new Map(servers.peerLinks.links);
      events.record('store', 'peer links', servers.peerLinks.how);
    } else if (servers.topology && !servers.front && wantsProxy(plan)) {
      events.record(
        'store',
        'no proxy',
        `${servers.topology.spec.kind}: clients reach the members directly`,
      );
    }
    if (proxied) {
      store.endpoints = proxied.endpoints;
      state.links = proxied.links;
    }
    if (servers.front) {
      // The app knows the topology by its front link only; `store` faults act on it.
      store.endpoints = [servers.front.endpoint];
      state.links = new Map(state.links ?? []).set(FRONT_LINK, servers.front.link);
    }
  }
  run.progress?.phase(variant, 'starting the app');
  const ctx = { dataDir, events, cleanup, signal: run.signal };
  state.apps = await startTheApps(run, result, store, ctx, proxiedNodes);
  if (proxiedNodes) {
    // Only session-bench's own apps run links (loadPlan refuses proxyProcess app with --app-url).
    const nodes = proxiedNodes.map((n) => n.name);
    state.links = inAppLinks(state.apps as AppProcess[], nodes, events);
  }
  for (const app of state.apps) targets.set(app.name, app);
  const client = new AppClient(
    state.apps.map((a) => a.url),
    plan.load.timeoutMs,
    socketsFor(plan.load),
    run.userOffset ?? 0,
  );
  cleanup.push('http client', () => client.close());
  return client;
}

/**
 * The app under test: the user's own (--app-url), or ours, one per instance (running
 * the proxy's links to `proxiedNodes` when given).
 */
async function startTheApps(
  run: VariantRun,
  result: VariantResult,
  store: StoreOptions,
  ctx: { dataDir: string; events: EventLog; cleanup: CleanupStack; signal: AbortSignal },
  proxiedNodes: { name: string; endpoint: string }[] | undefined,
): Promise<RunningApp[]> {
  const { plan, backend } = run;
  const payloadBytes = plan.load.payloadBytes;
  if (plan.app.url !== undefined) {
    result.app = externalAppResult();
    const setup = { backend: backend.name, store, payloadBytes };
    return [await startOwnApp({ ...plan.app, url: plan.app.url }, setup, ctx)];
  }
  return startApps(
    plan.topology.appInstances,
    {
      flavour: plan.app.flavour as AppFlavour,
      options: plan.app.options,
      storeModule: backend.storeModule.href,
      store,
      payloadBytes,
      storeTimeoutMs: STORE_TIMEOUT_MS,
    },
    ctx,
    proxiedNodes,
  );
}
