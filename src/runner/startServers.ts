import type { Backend, ServerSpecOptions } from '../backends/backend.js';
import type {
  Member,
  NodeIsolation,
  RunningTopology,
  TopologySpec,
} from '../backends/serverSpec.js';
import type { Plan } from '../config/planSchema.js';
import type { CleanupStack } from '../lifecycle/cleanupStack.js';
import type { EventLog } from '../lifecycle/eventLog.js';
import type { ProgressChannel } from '../lifecycle/progressChannel.js';
import type { Started } from '../providers/provider.js';
import type { NetworkLink } from '../network/faultProxy.js';
import { chooseProvider } from '../providers/registry.js';
import { isolationLink } from '../network/isolationLink.js';
import { peerLinksFor, placeFront, wantsProxy } from './placeProxy.js';

export interface StartedServers {
  started: Started;
  /** Why this provider, and what `auto` skipped. */
  why: string;
  settings: Record<string, string>;
  /** A replicated or clustered store: its spec and its running handle (roles, store settings). */
  topology?: { spec: TopologySpec; running: RunningTopology };
  /**
   * The links between the topology's nodes, by node name (when a network fault may
   * need them): the proxy's peer links, or the topology's own isolation of a node.
   */
  peerLinks?: { links: Map<string, NetworkLink>; how: string };
  /** The topology's front link, the app's only way to it (`TopologySpec.front`). */
  front?: { endpoint: string; link: NetworkLink };
}

/** Starts a server backend's nodes with the chosen provider; they stop with the cleanup stack. */
export async function startServers(
  backend: Backend,
  variant: string,
  plan: Plan,
  ctx: {
    runId: string;
    workDir: string;
    events: EventLog;
    signal: AbortSignal;
    cleanup: CleanupStack;
    progress?: ProgressChannel;
  },
): Promise<StartedServers> {
  const spec = backend.serverSpec!(variant, specOptions(plan));
  // The spec's own count: a topology has its nodes whatever --nodes says (Galera: 3).
  const companions = spec.topology?.companions;
  ctx.progress?.phase(
    variant,
    `starting ${backend.name} (${spec.nodes} node(s)${companions ? `, ${companions.count} ${companions.name}(s)` : ''})`,
  );
  const { provider, why } = await chooseProvider(plan.provider, spec, plan);
  const peer = spec.topology?.peerLinks ? peerLinksFor(plan, ctx) : undefined;
  const started = await provider.start(spec, {
    runId: ctx.runId,
    workDir: ctx.workDir,
    events: ctx.events,
    signal: ctx.signal,
    ...(ctx.progress ? { progress: ctx.progress } : {}),
    ...(peer ? { peerLinks: (nodes) => peer.place(nodes) } : {}),
    options: plan,
  });
  ctx.cleanup.push('servers', () => started.stop());
  if (!spec.topology) return { started, why, settings: spec.settings };
  const member = (n: { name: string; endpoint: string }) => ({
    name: n.name,
    endpoint: n.endpoint,
  });
  const nodes = started.nodes.map(member);
  const front = spec.topology.front ? await placeFront(nodes[0]!, ctx) : undefined;
  const running = await spec.topology.open(
    {
      nodes,
      companions: (started.companions ?? []).map(member),
      ...(started.peers ? { peers: started.peers } : {}),
      ...(front ? { front: front.front } : {}),
    },
    ctx.signal,
  );
  ctx.cleanup.push('topology', () => running.close());
  ctx.events.record('store', 'topology', `${spec.topology.kind} formed`);
  const isolation = spec.topology.isolation;
  const peerLinks = peer?.links
    ? { links: peer.links, how: 'network faults on nodes act between the nodes' }
    : isolation && wantsProxy(plan)
      ? {
          links: isolationLinks(isolation, nodes),
          how: `network faults on nodes cut them from their peers by ${isolation.how} (partition and down only)`,
        }
      : undefined;
  return {
    started,
    why,
    settings: { ...spec.settings, ...running.storeSettings },
    topology: { spec: spec.topology, running },
    ...(peerLinks ? { peerLinks } : {}),
    ...(front ? { front: { endpoint: front.front.endpoint, link: front.link } } : {}),
  };
}

/** One link per node that cuts it from its peers by the topology's own means. */
function isolationLinks(isolation: NodeIsolation, nodes: Member[]): Map<string, NetworkLink> {
  return new Map(
    nodes.map((n) => [
      n.name,
      isolationLink(n.name, n.endpoint, {
        how: isolation.how,
        isolate: () => isolation.isolate(n),
        rejoin: () => isolation.rejoin(n),
      }),
    ]),
  );
}

/** What the plan asks of a backend's topology (--nodes, the failover timings). */
export function specOptions(plan: Plan): ServerSpecOptions {
  const { nodes, sentinelDownAfter, sentinelFailoverTimeout, clusterNodeTimeout } = plan.topology;
  const { mysqlDetection, semiSyncTimeout } = plan.topology;
  const failover = {
    ...(sentinelDownAfter !== undefined ? { sentinelDownAfterMs: sentinelDownAfter } : {}),
    ...(sentinelFailoverTimeout !== undefined
      ? { sentinelFailoverTimeoutMs: sentinelFailoverTimeout }
      : {}),
    ...(clusterNodeTimeout !== undefined ? { clusterNodeTimeoutMs: clusterNodeTimeout } : {}),
    ...(mysqlDetection !== undefined ? { mysqlDetectionMs: mysqlDetection } : {}),
    ...(semiSyncTimeout !== undefined ? { semiSyncTimeoutMs: semiSyncTimeout } : {}),
  };
  const { galeraSst } = plan.topology;
  return { nodes, failover, ...(galeraSst !== undefined ? { galeraSst } : {}) };
}
