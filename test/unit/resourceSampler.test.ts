import { describe, expect, it } from 'vitest';
import type { ResourceReading } from '../../src/lifecycle/resourceUsage.js';
import { ResourceSampler } from '../../src/runner/resourceSampler.js';

/** A metered target that returns the readings given, one per sample. */
function target(readings: ResourceReading[]) {
  let i = 0;
  return {
    name: 'node0',
    usageSource: 'proc' as const,
    usage: async () => readings[Math.min(i++, readings.length - 1)],
    kill: async () => {},
    restart: async () => {},
    pause: async () => {},
  };
}

const tree = (processes: Record<number, [number, number]>): ResourceReading => {
  const entries = Object.entries(processes).map(([pid, [cpuMs, writtenBytes]]) => [
    Number(pid),
    { cpuMs, writtenBytes },
  ]);
  return {
    cpuMs: entries.reduce((s, [, p]) => s + (p as { cpuMs: number }).cpuMs, 0),
    rssBytes: 1000,
    writtenBytes: entries.reduce((s, [, p]) => s + (p as { writtenBytes: number }).writtenBytes, 0),
    processes: Object.fromEntries(entries),
  };
};

async function sampled(readings: ResourceReading[]) {
  let now = 0;
  const sampler = new ResourceSampler([target(readings)], () => now);
  sampler.start();
  for (let i = 1; i < readings.length; i++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    now = i * 1000;
    await (sampler as unknown as { sampleAll(): Promise<void> }).sampleAll();
  }
  await sampler.stop();
  return sampler.usage(1000, readings.length * 1000)[0]!;
}

describe('the resource sampler', () => {
  it('counts a process tree per pid: one that exits takes nothing back, a new one counts from 0', async () => {
    const usage = await sampled([
      tree({ 1: [100, 1000], 2: [50, 5000] }),
      tree({ 1: [150, 1500], 2: [80, 9000] }),
      // pid 2 exited (its counters gone), pid 3 started.
      tree({ 1: [200, 2000], 3: [20, 300] }),
    ]);
    // pid 1: +100 ms, +1000 B; pid 2: +30 ms, +4000 B; pid 3: +20 ms, +300 B.
    expect(usage.cpuMs).toBe(150);
    expect(usage.writtenBytes).toBe(5300);
    expect(usage.cpuMsPer1kRequests).toBe(150);
  });

  it('takes a fallen cumulative counter (a restarted container) as counting from 0', async () => {
    const flat = (cpuMs: number, writtenBytes: number) => ({ cpuMs, rssBytes: 1, writtenBytes });
    const usage = await sampled([flat(100, 1000), flat(300, 3000), flat(50, 200)]);
    expect(usage.cpuMs).toBe(250);
    expect(usage.writtenBytes).toBe(2200);
  });
});
