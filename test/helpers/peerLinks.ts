import type { Member } from '../../src/backends/serverSpec.js';
import { FaultProxy } from '../../src/network/faultProxy.js';

/**
 * A provider's `peerLinks` hook as the runner gives it (one fault-proxy link per node),
 * for tests that start a topology themselves; `proxy` is set once the hook ran.
 */
export function proxiedPeerLinks(): {
  hook: (nodes: Member[]) => Promise<Member[]>;
  proxy: FaultProxy | undefined;
} {
  const peer = {
    proxy: undefined as FaultProxy | undefined,
    hook: async (nodes: Member[]) => {
      const proxy = await FaultProxy.start(
        nodes.map((n) => ({ name: n.name, upstream: n.endpoint })),
      );
      peer.proxy = proxy;
      return nodes.map((n) => ({ name: n.name, endpoint: proxy.links.get(n.name)!.endpoint }));
    },
  };
  return peer;
}
