import { describe, expect, it } from 'vitest';
import { redisBackend } from '../../src/backends/redis.js';
import { DockerProvider } from '../../src/providers/docker.js';
import { dockerReady, labelled } from '../helpers/docker.js';
import { resultFor, runSmoke } from '../helpers/runScenario.js';

const available = await dockerReady();

describe.skipIf(!available)('replicated redis in containers (host networking)', () => {
  it('on a bridge network a topology is refused with the reason: its members would use container addresses', async () => {
    const spec = redisBackend.serverSpec!('redis:sentinel', { nodes: 1 });
    const check = await new DockerProvider().check(spec, {
      imageSet: 'offline',
      dockerNetwork: 'bridge',
      targets: {},
    });
    expect(check.available).toBe(false);
    expect(check.reason).toMatch(/--docker-network host/);
  });

  it('kill:primary: sentinel and cluster fail over, and no container or volume is left', async () => {
    const run = await runSmoke({
      users: '200',
      rate: '100',
      duration: '12s',
      provider: 'docker',
      dockerNetwork: 'host',
      imageSet: 'offline',
      backends: 'redis:sentinel,redis:cluster',
      faults: ['kill:primary@3s:4s'],
    });
    for (const variant of ['redis:sentinel', 'redis:cluster']) {
      const result = resultFor(run, variant);
      expect(result.provider).toBe('docker');
      expect(result.topology?.members.length, variant).toBe(6);
      const failover = result.faults[0]!.failover!;
      expect(failover.promoted, JSON.stringify(failover)).toBe(true);
      expect(failover.failoverMs!, variant).toBeLessThan(8_000);
      expect(result.audit.wrongUserSessions).toBe(0);
    }
    expect(await labelled(run.runId)).toEqual({ containers: [], volumes: [], networks: [] });
  }, 180_000);

  it('partition:primary: the peer links work in containers too, sentinel and cluster (split brain: promoted, writes lost)', async () => {
    const run = await runSmoke({
      users: '200',
      rate: '100',
      duration: '10s',
      provider: 'docker',
      dockerNetwork: 'host',
      imageSet: 'offline',
      backends: 'redis:sentinel,redis:cluster',
      scenarioFaults: 'none',
      faults: ['partition:primary@2s:6s'],
    });
    for (const variant of ['redis:sentinel', 'redis:cluster']) {
      const result = resultFor(run, variant);
      expect(result.provider).toBe('docker');
      expect(result.events.some((e) => e.event === 'peer links')).toBe(true);
      const fault = result.faults[0]!;
      expect(fault.failover?.promoted, `${variant}: ${JSON.stringify(fault.failover)}`).toBe(true);
      expect(fault.answers!.ok).toBeGreaterThan(0);
      expect(
        fault.lostUpdates + fault.loggedOutUsers + (fault.loggedOutOutsidePopulation ?? 0),
        variant,
      ).toBeGreaterThan(0);
    }
    expect(await labelled(run.runId)).toEqual({ containers: [], volumes: [], networks: [] });
  }, 180_000);
});
