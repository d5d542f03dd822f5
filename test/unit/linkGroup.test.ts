import { describe, expect, it } from 'vitest';
import type { NetworkLink } from '../../src/network/faultProxy.js';
import { groupLinksByMember } from '../../src/network/linkGroup.js';
import type { Toxic } from '../../src/network/toxics.js';

/** A link that writes down what is done to it. */
function recordingLink(name: string, port: number, log: string[]): NetworkLink {
  return {
    name,
    endpoint: `127.0.0.1:${port}`,
    set: async (toxic: Toxic) =>
      void log.push(`${name} ${toxic.kind}${'fromPort' in toxic ? ` from ${toxic.fromPort}` : ''}`),
    clear: async () => void log.push(`${name} clear`),
    reset: async () => (log.push(`${name} reset`), 1),
    retarget: async () => 0,
  };
}

function clusterLinks(log: string[]): Map<string, NetworkLink> {
  const names = ['node0', 'node1', 'node0.bus', 'node1.bus'];
  return new Map(names.map((n, i) => [n, recordingLink(n, 7000 + i, log)]));
}

describe('groupLinksByMember', () => {
  it('a partition cuts a member on its own links and holds what it sends on its peers’ buses', async () => {
    const log: string[] = [];
    const grouped = groupLinksByMember(clusterLinks(log), new Set(['node0.bus', 'node1.bus']));
    expect([...grouped.keys()]).toEqual(['node0', 'node1']);
    await grouped.get('node0')!.set({ kind: 'partition' });
    // node0 announces its data link's port (7000): node1's bus holds that sender.
    expect(log).toEqual([
      'node0 partition',
      'node0.bus partition',
      'node1.bus partition from 7000',
    ]);
    log.length = 0;
    await grouped.get('node0')!.clear();
    expect(log.sort()).toEqual(['node0 clear', 'node0.bus clear', 'node1.bus clear']);
  });

  it('other faults act on the member’s own links only; a reset counts them', async () => {
    const log: string[] = [];
    const grouped = groupLinksByMember(clusterLinks(log), new Set(['node0.bus', 'node1.bus']));
    await grouped.get('node1')!.set({ kind: 'latency', latencyMs: 5, jitterMs: 0, stream: 'both' });
    expect(log).toEqual(['node1 latency', 'node1.bus latency']);
    expect(await grouped.get('node1')!.reset()).toBe(2);
  });

  it('a member with one link and no identifying peers keeps that link itself', () => {
    const log: string[] = [];
    const links = new Map([['node0', recordingLink('node0', 7000, log)]]);
    expect(groupLinksByMember(links, new Set()).get('node0')).toBe(links.get('node0'));
  });
});
