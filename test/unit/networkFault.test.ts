import { describe, expect, it } from 'vitest';
import { SkippedFault } from '../../src/lifecycle/faultTarget.js';
import type { NetworkLink } from '../../src/network/faultProxy.js';
import { runNetworkFault } from '../../src/network/networkFault.js';

function linkFailingSet(log: string[], failure: Error): NetworkLink {
  return {
    name: 'node1',
    endpoint: '127.0.0.1:3307',
    set: async () => {
      log.push('set');
      throw failure;
    },
    clear: async () => void log.push('clear'),
    reset: async () => 0,
    retarget: async () => 0,
  };
}

const partition = { action: 'partition', target: 'node1', atMs: 0, durationMs: 10 } as const;
const run = (link: NetworkLink) =>
  runNetworkFault(link, partition as never, async () => undefined, new AbortController().signal);

describe('runNetworkFault', () => {
  it('heals a link whose toxic failed to go on: it may have been applied all the same', async () => {
    const log: string[] = [];
    await expect(run(linkFailingSet(log, new Error('timed out')))).rejects.toThrow('timed out');
    expect(log).toEqual(['set', 'clear']);
  });

  it('leaves a link alone when its fault is skipped: nothing was touched', async () => {
    const log: string[] = [];
    const skipped = new SkippedFault('no partition here');
    await expect(run(linkFailingSet(log, skipped))).rejects.toBe(skipped);
    expect(log).toEqual(['set']);
  });
});
