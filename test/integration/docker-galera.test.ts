import { describe, expect, it } from 'vitest';
import { dockerReady, labelled } from '../helpers/docker.js';
import { runGaleraFault } from '../helpers/galera.js';

const available = await dockerReady();

describe.skipIf(!available)(
  'mysql:galera in containers (host networking, offline image, mariabackup SST)',
  () => {
    it("three nodes form one cluster, the app serves through the front link, Galera's own isolation cuts the primary in a container too, and no container is left", async () => {
      const { result, runId } = await runGaleraFault('docker', 'partition');
      expect(result.provider).toBe('docker');
      expect(result.topology?.kind).toBe('galera');
      expect(result.topology?.members).toEqual(['node0', 'node1', 'node2']);
      // node1 and node2 joined by mariabackup inside their containers.
      expect(result.topology?.configuration.wsrep_sst_method).toBe('mariabackup');
      const roles = result.events
        .filter((e) => e.event === 'role')
        .map((e) => `${e.target} ${e.detail}`);
      expect(roles).toEqual(
        expect.arrayContaining([
          'node0 primary',
          'node1 synced',
          'node2 synced',
          'node0 non-primary (was primary)',
        ]),
      );
      const fault = result.faults[0]!;
      expect(fault.status, fault.reason).toBe('done');
      expect(fault.failover).toMatchObject({ primaryBefore: 'node0', promoted: true });
      expect(fault.failover!.primaryAfter).not.toBe('node0');
      expect(fault.phases?.after?.requests ?? 0).toBeGreaterThan(0);
      expect(result.audit.loggedOutUsers + result.audit.lostUpdates).toBe(0);
      expect(result.audit.wrongUserSessions).toBe(0);
      expect(await labelled(runId)).toEqual({ containers: [], volumes: [], networks: [] });
    }, 180_000);
  },
);
