import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import memjs from 'memjs';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostPort } from '../../src/backends/backend.js';
import { memcachedBackend } from '../../src/backends/memcached.js';
import { SESSIONS_TABLE, mysqlBackend } from '../../src/backends/mysql.js';
import { redisBackend } from '../../src/backends/redis.js';
import { EventLog } from '../../src/lifecycle/eventLog.js';
import { runKeyPrefix, runTableName } from '../../src/lifecycle/runNames.js';
import { processProvider } from '../../src/providers/process.js';
import type { Started } from '../../src/providers/provider.js';
import type { VariantResult } from '../../src/result/result.js';
import { newRunId } from '../../src/lifecycle/runNames.js';
import { missingServers, skipServerTests } from '../helpers/processServers.js';
import { resultFor, runSmoke } from '../helpers/runScenario.js';

const missing = await missingServers([['redis-server'], ['memcached'], ['mariadbd', 'mysqld']]);

/** A session id of the user's own app, in the key and table names session-bench uses by default. */
const USERS_ID = 'f'.repeat(32);

/** The "cleaned" lines the run wrote to its event log, per node. */
const cleaned = (result: VariantResult) =>
  result.events.filter((e) => e.event === 'cleaned').map((e) => `${e.target}: ${e.detail}`);

describe.skipIf(skipServerTests(missing))(
  "the external provider removes what the run wrote from the user's servers",
  () => {
    let workDir: string;
    const servers: Started[] = [];
    /** Starts servers the way a user would run them: nothing to do with the run under test. */
    const userServers = async (started: Promise<Started>) => {
      servers.push(await started);
      return servers.at(-1)!;
    };
    const ctx = () => ({
      runId: newRunId(),
      workDir,
      events: new EventLog(),
      signal: new AbortController().signal,
    });

    beforeAll(async () => {
      workDir = await mkdtemp(path.join(os.tmpdir(), 'external-cleanup-'));
    });
    afterAll(async () => {
      for (const started of servers) await started.stop();
      await rm(workDir, { recursive: true, force: true });
    });

    it('has the servers installed', () => {
      expect(missing, 'install them with .ci/setup-servers.sh').toEqual([]);
    });

    it('redis and memcached keep only their own keys, mysql only its own table', async () => {
      const redisSpec = redisBackend.serverSpec!('redis:none', { nodes: 2 });
      const redis = await userServers(processProvider.start(redisSpec, ctx()));
      const memcachedSpec = memcachedBackend.serverSpec!('memcached', { nodes: 1 });
      const memcached = await userServers(processProvider.start(memcachedSpec, ctx()));
      const mysqlSpec = mysqlBackend.serverSpec!('mysql:flush2', { nodes: 1 });
      const db = await userServers(processProvider.start(mysqlSpec, ctx()));
      const redisClients = redis.nodes.map((n) => new Redis(hostPort(n.endpoint)));
      const memcachedClient = memjs.Client.create(memcached.nodes[0]!.endpoint, {
        logger: { log: () => {} },
      });
      const dbSettings = mysqlSpec.settings;
      const sql = await mysql.createConnection({
        ...hostPort(db.nodes[0]!.endpoint),
        user: dbSettings.user,
        password: dbSettings.password,
        database: dbSettings.database,
      });
      try {
        // The user's own data, under the names a run used before it had names of its own,
        // and a key of another run, which this run must not touch.
        for (const client of redisClients) {
          await client.set(`sess:${USERS_ID}`, 'mine');
          await client.set(`${runKeyPrefix('20200101T000000-aaaaaa')}sess:x`, 'other run');
        }
        await memcachedClient.set(`sess:${USERS_ID}`, 'mine', { expires: 600 });
        await sql.query(SESSIONS_TABLE);
        await sql.query('INSERT INTO sessions VALUES (?, ?, ?)', [USERS_ID, 'mine', 9e12]);

        const run = await runSmoke({
          backends: 'redis,memcached,mysql',
          provider: 'external',
          users: '100',
          rate: '100',
          duration: '2s',
          targets: [
            ...redis.nodes.map((n) => `redis=redis://${n.endpoint}`),
            `memcached=${memcached.nodes[0]!.endpoint}`,
            `mysql=mysql://${dbSettings.user}:${dbSettings.password}@${db.nodes[0]!.endpoint}/${dbSettings.database}`,
          ],
        });
        const prefix = runKeyPrefix(run.runId);

        // The run wrote sessions (under its own names) and removed every one of them.
        const redisResult = resultFor(run, 'redis');
        expect(redisResult.requests.ok).toBeGreaterThan(100);
        expect(cleaned(redisResult)).toEqual([
          expect.stringMatching(new RegExp(`^node0: removed [1-9]\\d* keys ${prefix}sess:\\*$`)),
          expect.stringMatching(new RegExp(`^node1: removed [1-9]\\d* keys ${prefix}sess:\\*$`)),
        ]);
        for (const client of redisClients) {
          expect((await client.keys('*')).sort()).toEqual([
            `sess:${USERS_ID}`,
            `${runKeyPrefix('20200101T000000-aaaaaa')}sess:x`,
          ]);
          expect(await client.get(`sess:${USERS_ID}`)).toBe('mine');
        }

        const memcachedResult = resultFor(run, 'memcached');
        expect(memcachedResult.requests.ok).toBeGreaterThan(100);
        expect(cleaned(memcachedResult)).toEqual([
          expect.stringMatching(new RegExp(`^node0: removed [1-9]\\d* keys ${prefix}sess:\\*$`)),
        ]);
        const items = await new Promise((resolve, reject) =>
          memcachedClient.stats((error, _server, stats) =>
            error ? reject(error) : resolve(stats?.curr_items),
          ),
        );
        expect(items, 'items left in memcached').toBe('1');
        expect((await memcachedClient.get(`sess:${USERS_ID}`)).value?.toString()).toBe('mine');

        const mysqlResult = resultFor(run, 'mysql');
        expect(mysqlResult.requests.ok).toBeGreaterThan(100);
        expect(cleaned(mysqlResult)).toEqual([`node0: dropped table ${runTableName(run.runId)}`]);
        const [tables] = await sql.query<mysql.RowDataPacket[]>('SHOW TABLES');
        expect(tables.map((row) => Object.values(row)[0])).toEqual(['sessions']);
        const [rows] = await sql.query<mysql.RowDataPacket[]>('SELECT id, data FROM sessions');
        expect(rows).toEqual([{ id: USERS_ID, data: 'mine' }]);
      } finally {
        for (const client of redisClients) client.disconnect();
        memcachedClient.close();
        await sql.end();
      }
    });
  },
);
