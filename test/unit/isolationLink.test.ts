import { describe, expect, it } from 'vitest';
import { SkippedFault } from '../../src/lifecycle/faultTarget.js';
import { isolationLink } from '../../src/network/isolationLink.js';

function recordingSwitch(log: string[]) {
  return {
    how: "Galera's gmcast.isolate",
    isolate: async () => void log.push('isolate'),
    rejoin: async () => void log.push('rejoin'),
  };
}

describe('isolationLink', () => {
  it('a partition or down isolates the node, and clearing it lets the node rejoin', async () => {
    const log: string[] = [];
    const link = isolationLink('node1', '127.0.0.1:3307', recordingSwitch(log));
    await link.set({ kind: 'partition' });
    await link.clear();
    await link.set({ kind: 'down' });
    await link.clear();
    expect(log).toEqual(['isolate', 'rejoin', 'isolate', 'rejoin']);
  });

  it('skips what the switch cannot do, naming the node and the switch, and touches nothing', async () => {
    const log: string[] = [];
    const link = isolationLink('node1', '127.0.0.1:3307', recordingSwitch(log));
    const latency = link.set({ kind: 'latency', latencyMs: 100, jitterMs: 0, stream: 'both' });
    await expect(latency).rejects.toBeInstanceOf(SkippedFault);
    await expect(latency).rejects.toThrow(
      /no latency between node1 and its peers: they are cut only by Galera's gmcast.isolate/,
    );
    await expect(link.reset()).rejects.toBeInstanceOf(SkippedFault);
    expect(log).toEqual([]);
  });

  it('clearing always lets the node rejoin: an isolate that failed may still have been applied', async () => {
    const log: string[] = [];
    const sw = {
      ...recordingSwitch(log),
      isolate: async () => {
        log.push('isolate');
        throw new Error('timed out');
      },
    };
    const link = isolationLink('node1', '127.0.0.1:3307', sw);
    await expect(link.set({ kind: 'partition' })).rejects.toThrow('timed out');
    await link.clear();
    expect(log).toEqual(['isolate', 'rejoin']);
  });
});
