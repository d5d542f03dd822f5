import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/result/result.js';
import { dockerReady } from '../helpers/docker.js';
import { missingServers, skipServerTests } from '../helpers/processServers.js';
import { resultFor, runSmoke } from '../helpers/runScenario.js';

const VARIANTS = ['redis:none', 'redis:aof-always', 'memcached', 'mysql'];
/** Writes that persist every session write: well over this many bytes in a few seconds. */
const WRITES_BYTES = 256 * 1024;
/** No persistence: at most a few pages (a log line, a pid file) in the whole load. */
const NO_WRITES_BYTES = 64 * 1024;

function expectCostFigures(run: RunResult, provider: string): void {
  let nodeCpuMs = 0;
  for (const variant of VARIANTS) {
    const result = resultFor(run, variant);
    const resources = result.resources ?? [];
    const figures = JSON.stringify(resources);
    expect(result.provider).toBe(provider);
    expect(resources.map((r) => r.target).sort(), variant).toEqual(['app0', 'node0']);
    for (const r of resources) {
      expect(r.visible, `${variant} ${figures}`).toBe(true);
      expect(r.rssBytesMax, `${variant} ${figures}`).toBeGreaterThan(0);
      // Per 1,000 requests, from the same ticks: 0 exactly when the CPU time is.
      expect(r.cpuMsPer1kRequests! > 0, `${variant} ${figures}`).toBe(r.cpuMs! > 0);
    }
    const node = resources.find((r) => r.target === 'node0')!;
    const app = resources.find((r) => r.target === 'app0')!;
    // /proc counts CPU in 10 ms ticks: 600 requests cost redis or memcached ~5 ms, which
    // may read 0 (a full run saw it); the app's ~170 ms never does.
    expect(app.cpuMs, `${variant} ${figures}`).toBeGreaterThan(0);
    if (provider === 'docker') expect(node.cpuMs, `${variant} ${figures}`).toBeGreaterThan(0);
    nodeCpuMs += node.cpuMs!;
    expect(node.source).toBe(provider === 'docker' ? 'docker' : 'proc');
    if (variant === 'redis:aof-always' || variant === 'mysql') {
      expect(node.writtenBytes, `${variant} ${figures}`).toBeGreaterThan(WRITES_BYTES);
    } else {
      expect(node.writtenBytes, `${variant} ${figures}`).toBeLessThan(NO_WRITES_BYTES);
    }
    // Each second of the timeline carries each target's use.
    const sampled = result.timeline.filter((p) => p.resources?.length === 2);
    expect(sampled.length, `${variant} ${JSON.stringify(result.timeline)}`).toBeGreaterThanOrEqual(
      result.timeline.length - 1,
    );
  }
  // The servers' CPU is seen at all (mysql alone uses ~100 ms here).
  expect(nodeCpuMs).toBeGreaterThan(0);
}

const LOAD = { users: '300', rate: '150', duration: '4s', backends: VARIANTS.join(',') };
const missing = await missingServers([['redis-server'], ['memcached'], ['mariadbd', 'mysqld']]);

describe.skipIf(skipServerTests(missing))('resource cost on local processes', () => {
  it('CPU and RSS for every node and app; bytes written only where the store persists', async () => {
    const run = await runSmoke({ ...LOAD, provider: 'process' });
    expectCostFigures(run, 'process');
  }, 120_000);
});

describe.runIf(await dockerReady())('resource cost in containers', () => {
  it('the Docker stats API gives the same figures', async () => {
    const run = await runSmoke({ ...LOAD, provider: 'docker', imageSet: 'offline' });
    expectCostFigures(run, 'docker');
  }, 180_000);
});

describe('resource cost of an external server', () => {
  it('is not visible, and says so instead of 0', async () => {
    const { ResourceSampler } = await import('../../src/runner/resourceSampler.js');
    const external = {
      name: 'node0',
      kill: async () => {},
      restart: async () => {},
      pause: async () => {},
    };
    const sampler = new ResourceSampler([external], () => 0);
    const [usage] = sampler.usage(100, 1000);
    expect(usage).toMatchObject({
      target: 'node0',
      visible: false,
      cpuMs: null,
      writtenBytes: null,
    });
    expect(usage!.reason).toContain('not visible');
  });
});
