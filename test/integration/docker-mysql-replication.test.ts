import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mysqlBackend } from '../../src/backends/mysql.js';
import { rows, withMysql } from '../../src/backends/mysqlAdmin.js';
import type { MysqlOrchestrator } from '../../src/backends/mysqlOrchestrator.js';
import type { Member } from '../../src/backends/serverSpec.js';
import { EventLog } from '../../src/lifecycle/eventLog.js';
import { newRunId } from '../../src/lifecycle/runNames.js';
import { sleep } from '../../src/lifecycle/sleep.js';
import { FaultProxy } from '../../src/network/faultProxy.js';
import { DockerProvider } from '../../src/providers/docker.js';
import { dockerReady, labelled } from '../helpers/docker.js';

const available = await dockerReady();

/** Detection (2 s by default) plus promotion on a shared machine. */
const FAILOVER_BOUND_MS = 5_000;

describe.skipIf(!available)('MariaDB replication in containers (host networking)', () => {
  for (const variant of ['mysql:replica', 'mysql:semisync']) {
    it(`${variant}: forms through peer links, serves, fails over on kill:primary, leaves nothing`, async () => {
      const workDir = await mkdtemp(path.join(os.tmpdir(), 'session-bench-mysqlrepl-'));
      const runId = newRunId();
      const spec = mysqlBackend.serverSpec!(variant, { nodes: 1 });
      let proxy: FaultProxy | undefined;
      const started = await new DockerProvider().start(spec, {
        runId,
        workDir,
        events: new EventLog(),
        signal: new AbortController().signal,
        options: { imageSet: 'offline', dockerNetwork: 'host', targets: {} },
        peerLinks: async (nodes) => {
          proxy = await FaultProxy.start(
            nodes.map((n) => ({ name: n.name, upstream: n.endpoint })),
          );
          return nodes.map((n) => ({ name: n.name, endpoint: proxy!.links.get(n.name)!.endpoint }));
        },
      });
      try {
        const member = (n: Member) => ({ name: n.name, endpoint: n.endpoint });
        const topology = (await spec.topology!.open(
          { nodes: started.nodes.map(member), companions: [], peers: started.peers! },
          new AbortController().signal,
        )) as MysqlOrchestrator;
        try {
          expect(started.provider).toBe('docker');
          expect(started.peers).toHaveLength(2);
          expect(await topology.roleMap()).toEqual({ node0: 'primary', node1: 'replica' });
          if (variant === 'mysql:semisync')
            expect(await topology.semiSyncStatus('node0')).toBe('ON');
          const app = { user: 'app', password: spec.settings.password!, database: 'session_bench' };
          await withMysql(started.nodes[0]!.endpoint, app, (c) =>
            rows(c, 'INSERT INTO session_bench_probe VALUES (7, 7)'),
          );
          const killedAt = performance.now();
          let promotedMs = -1;
          await started.nodes[0]!.kill(async () => {
            while ((await topology.resolveRole('primary')) === 'node0') {
              if (performance.now() - killedAt > 20_000) break;
              await sleep(50);
            }
            promotedMs = performance.now() - killedAt;
          });
          process.stderr.write(
            `${variant} (docker): promoted after ${Math.round(promotedMs)} ms\n`,
          );
          expect(await topology.resolveRole('primary')).toBe('node1');
          expect(promotedMs).toBeLessThan(FAILOVER_BOUND_MS);
          const held = await withMysql(started.nodes[1]!.endpoint, app, (c) =>
            rows(c, 'SELECT id FROM session_bench_probe WHERE id = 7'),
          );
          expect(held).toHaveLength(1);
        } finally {
          await topology.close();
        }
      } finally {
        await started.stop();
        await proxy?.stop();
        await rm(workDir, { recursive: true, force: true });
      }
      expect(await labelled(runId)).toEqual({ containers: [], volumes: [], networks: [] });
    }, 180_000);
  }
});
