import { describe, expect, it } from 'vitest';
import { dockerReady, labelled } from '../helpers/docker.js';
import { resultFor, runSmoke } from '../helpers/runScenario.js';

const available = await dockerReady();

/** Detection (2 s by default) plus promotion and reconnection on a shared machine. */
const FAILOVER_BOUND_MS = 6_000;

describe.skipIf(!available)('MariaDB replication in containers (host networking)', () => {
  it('kill:primary: both variants form, serve through the front link, fail over, and leave no container', async () => {
    const run = await runSmoke({
      users: '200',
      rate: '100',
      duration: '10s',
      provider: 'docker',
      dockerNetwork: 'host',
      imageSet: 'offline',
      backends: 'mysql:replica,mysql:semisync',
      scenarioFaults: 'none',
      faults: ['kill:primary@3s:4s'],
    });
    for (const variant of ['mysql:replica', 'mysql:semisync']) {
      const result = resultFor(run, variant);
      expect(result.provider).toBe('docker');
      expect(result.topology?.members).toEqual(['node0', 'node1']);
      const fault = result.faults[0]!;
      expect(fault.failover, JSON.stringify(fault.failover)).toMatchObject({
        primaryBefore: 'node0',
        primaryAfter: 'node1',
        promoted: true,
      });
      expect(fault.failover!.failoverMs!, variant).toBeLessThan(FAILOVER_BOUND_MS);
      expect(fault.answers!.ok, variant).toBeGreaterThan(0);
      expect(result.audit.wrongUserSessions).toBe(0);
    }
    expect(await labelled(run.runId)).toEqual({ containers: [], volumes: [], networks: [] });
  }, 180_000);

  it('partition:primary: replication and the orchestrator go through peer links in containers too', async () => {
    const run = await runSmoke({
      users: '200',
      rate: '100',
      duration: '9s',
      provider: 'docker',
      dockerNetwork: 'host',
      imageSet: 'offline',
      backends: 'mysql:semisync',
      scenarioFaults: 'none',
      faults: ['partition:primary@2s:5s'],
    });
    const result = resultFor(run, 'mysql:semisync');
    expect(result.events.some((e) => e.event === 'peer links')).toBe(true);
    const fault = result.faults[0]!;
    expect(fault.failover?.promoted, JSON.stringify(fault.failover)).toBe(true);
    expect(fault.lostUpdates + fault.loggedOutUsers).toBe(0);
    expect(await labelled(run.runId)).toEqual({ containers: [], volumes: [], networks: [] });
  }, 180_000);
});
