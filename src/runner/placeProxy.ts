import type { FrontLink, Member } from '../backends/serverSpec.js';
import type { Plan } from '../config/planSchema.js';
import { isNetworkAction } from '../config/schema.js';
import type { CleanupStack } from '../lifecycle/cleanupStack.js';
import type { EventLog } from '../lifecycle/eventLog.js';
import { FaultProxy, FRONT_LINK, type NetworkLink } from '../network/faultProxy.js';
import { acrossApps, groupLinksByMember } from '../network/linkGroup.js';
import type { AppProcess } from '../app/appProcess.js';
import type { ProxyProcess } from '../config/schema.js';

/** A proxy goes in when a network fault is planned, or when the topology asks for one. */
export function wantsProxy(plan: Plan): boolean {
  return plan.topology.proxy === true || plan.faults.some((f) => isNetworkAction(f.action));
}

/**
 * Where the links between the app and the nodes run: in session-bench's own apps'
 * processes unless the topology says otherwise (a link on the store client's event
 * loop adds least: no other process to wake), in a process of their own for the
 * user's app (its process is not ours to extend).
 */
export function proxyProcessOf(plan: Plan): ProxyProcess {
  return plan.topology.proxyProcess ?? (plan.app.url === undefined ? 'app' : 'separate');
}

/**
 * The links that run in the apps, by node name: a network fault on a node acts on its
 * link in every app at once.
 */
export function inAppLinks(
  apps: AppProcess[],
  nodes: string[],
  events: EventLog,
): Map<string, NetworkLink> {
  events.record('proxy', 'placed', "in each app's process");
  const links = new Map<string, NetworkLink>();
  for (const node of nodes) {
    const each = apps.map((app) => app.links!.link(node));
    links.set(node, acrossApps(node, each));
  }
  for (const app of apps) {
    events.record('proxy', 'ready', app.links!.endpoints.join(','));
  }
  return links;
}

/**
 * Places the fault proxy between the app and the nodes, in a process of its own: the
 * store is then given the proxy's endpoints, in the nodes' order. The proxy stops
 * with the cleanup stack (after the app, before the servers).
 */
export async function placeProxy(
  nodes: { name: string; endpoint: string }[],
  ctx: { cleanup: CleanupStack; events: EventLog },
): Promise<{ endpoints: string[]; links: Map<string, NetworkLink> } | undefined> {
  if (nodes.length === 0) return undefined;
  const proxy = await FaultProxy.start(
    nodes.map((n) => ({ name: n.name, upstream: n.endpoint })),
    // As for a node or the app: an unplanned death flags the variant (unexpectedExits).
    (detail) => ctx.events.record('proxy', 'died', detail),
  );
  ctx.cleanup.push('fault proxy', () => proxy.stop());
  const endpoints = nodes.map((n) => proxy.links.get(n.name)!.endpoint);
  ctx.events.record('proxy', 'placed', 'in a process of its own');
  ctx.events.record('proxy', 'ready', endpoints.join(','));
  return { endpoints, links: proxy.links };
}

/** Peer links placed for a topology: the hook the provider forms through, and their links. */
export interface PeerLinks {
  /** For ProviderContext.peerLinks: starts the proxy, one link per node, named after it. */
  place(nodes: Member[]): Promise<Member[]>;
  /** The links by node name once placed (a network fault on a node acts on its peer link). */
  links: Map<string, NetworkLink> | undefined;
}

/**
 * Peer links between a topology's nodes (and its companions), when the plan wants a
 * proxy: every node-to-node and sentinel-to-node connection crosses the node's link, the
 * app does not. The proxy stops with the cleanup stack, after the servers.
 */
export function peerLinksFor(
  plan: Plan,
  ctx: { cleanup: CleanupStack; events: EventLog },
): PeerLinks | undefined {
  if (!wantsProxy(plan)) return undefined;
  const peer: PeerLinks = {
    links: undefined,
    async place(nodes) {
      const proxy = await FaultProxy.start(
        nodes.map((n) => ({
          name: n.name,
          upstream: n.endpoint,
          ...(n.speaks ? { identify: n.speaks } : {}),
        })),
        (detail) => ctx.events.record('proxy', 'died', detail),
      );
      ctx.cleanup.push('fault proxy (peer links)', () => proxy.stop());
      const identifying = new Set(nodes.filter((n) => n.speaks).map((n) => n.name));
      peer.links = groupLinksByMember(proxy.links, identifying);
      return nodes.map((n) => ({ name: n.name, endpoint: proxy.links.get(n.name)!.endpoint }));
    },
  };
  return peer;
}

/**
 * A topology's front link (its virtual IP), first pointed at `first`: placed whatever
 * the plan, since the app has no other way to the nodes. The proxy stops with the
 * cleanup stack, after the app and the topology's own monitor, before the servers.
 */
export async function placeFront(
  first: Member,
  ctx: { cleanup: CleanupStack; events: EventLog },
): Promise<{ front: FrontLink; link: NetworkLink }> {
  const proxy = await FaultProxy.start([{ name: FRONT_LINK, upstream: first.endpoint }], (detail) =>
    ctx.events.record('proxy', 'died', detail),
  );
  ctx.cleanup.push('fault proxy (front link)', () => proxy.stop());
  const link = proxy.links.get(FRONT_LINK)!;
  let target = first.name;
  const front: FrontLink = {
    endpoint: link.endpoint,
    get target() {
      return target;
    },
    async pointAt(node) {
      const reset = await link.retarget(node.endpoint);
      target = node.name;
      ctx.events.record(FRONT_LINK, 'pointed at', `${node.name} (${reset} connections reset)`);
    },
  };
  ctx.events.record(FRONT_LINK, 'pointed at', `${first.name} (${link.endpoint})`);
  return { front, link };
}
