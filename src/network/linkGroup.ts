import type { NetworkLink } from './faultProxy.js';
import type { Toxic } from './toxics.js';

/**
 * The links of one member as one, named after it. A member its peers reach on more
 * than one port (Redis Cluster: its data port `node0` and its bus `node0.bus`) is cut,
 * slowed or reset on all of them at once. A partition also holds, on the other
 * members' links that identify their senders (`identifying`), what this member sends
 * them: a node connects out to its peers through their links, and a node whose
 * messages still arrive is alive to them. A link carries one toxic at a time, so two
 * overlapping partitions of different members share the others' links: the later
 * replaces the earlier's sender there, and the first to end clears them.
 */
export function groupLinksByMember(
  links: Map<string, NetworkLink>,
  identifying: Set<string>,
): Map<string, NetworkLink> {
  const memberOf = (name: string) => name.split('.')[0]!;
  const grouped = new Map<string, NetworkLink>();
  for (const name of links.keys()) {
    const member = memberOf(name);
    if (grouped.has(member)) continue;
    const own = [...links].filter(([n]) => memberOf(n) === member).map(([, l]) => l);
    const others = [...links]
      .filter(([n]) => memberOf(n) !== member && identifying.has(n))
      .map(([, l]) => l);
    grouped.set(
      member,
      own.length === 1 && others.length === 0 ? own[0]! : group(member, own, others),
    );
  }
  return grouped;
}

/**
 * One node's links in every app that runs its own (topology.proxyProcess app with
 * several app instances) as one: a fault on the node acts on all of them at once.
 */
export function acrossApps(name: string, links: NetworkLink[]): NetworkLink {
  return links.length === 1 ? links[0]! : group(name, links, []);
}

function group(name: string, own: NetworkLink[], others: NetworkLink[]): NetworkLink {
  // Its peers know the member by the port of its first link (what it announces).
  const fromPort = Number(own[0]!.endpoint.split(':').pop());
  const each = async <T>(of: NetworkLink[], act: (link: NetworkLink) => Promise<T>) =>
    Promise.all(of.map(act));
  return {
    name,
    endpoint: own[0]!.endpoint,
    set: async (toxic: Toxic) => {
      await each(own, (l) => l.set(toxic));
      if (toxic.kind === 'partition')
        await each(others, (l) => l.set({ kind: 'partition', fromPort }));
    },
    clear: async () => void (await each([...own, ...others], (l) => l.clear())),
    reset: async () => (await each(own, (l) => l.reset())).reduce((a, b) => a + b, 0),
    retarget: () => Promise.reject(new Error(`${name}: a group of links cannot be moved`)),
  };
}
