import { describe, expect, it } from 'vitest';
import { dockerReady, labelled } from '../helpers/docker.js';
import { resultFor, runSmoke } from '../helpers/runScenario.js';

const available = await dockerReady();

describe.skipIf(!available)('mysql:galera in containers (host networking, offline image)', () => {
  it('three nodes form one cluster, the app serves through the front link, and no container is left', async () => {
    const run = await runSmoke({
      users: '100',
      rate: '50',
      duration: '3s',
      provider: 'docker',
      dockerNetwork: 'host',
      imageSet: 'offline',
      backends: 'mysql:galera',
      scenarioFaults: 'none',
    });
    const result = resultFor(run, 'mysql:galera');
    expect(result.provider).toBe('docker');
    expect(result.topology?.kind).toBe('galera');
    expect(result.topology?.members).toEqual(['node0', 'node1', 'node2']);
    const roles = result.events
      .filter((e) => e.event === 'role')
      .map((e) => `${e.target} ${e.detail}`);
    expect(roles).toEqual(
      expect.arrayContaining(['node0 primary', 'node1 synced', 'node2 synced']),
    );
    expect(result.requests.ok).toBeGreaterThan(0);
    expect(result.requests.errors + result.requests.timeouts).toBe(0);
    expect(result.audit.loggedOutUsers).toBe(0);
    expect(result.audit.wrongUserSessions).toBe(0);
    expect(await labelled(run.runId)).toEqual({ containers: [], volumes: [], networks: [] });
  }, 180_000);
});
