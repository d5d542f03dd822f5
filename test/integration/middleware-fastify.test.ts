import { describe, expect, it } from 'vitest';
import { expectServedCleanly, packageNames, SERVE_LOAD } from '../helpers/middlewareRuns.js';
import { missingServers, skipServerTests } from '../helpers/processServers.js';
import { resultFor, runSmoke } from '../helpers/runScenario.js';

const missing = await missingServers([['redis-server'], ['memcached'], ['mariadbd', 'mysqld']]);

describe.skipIf(skipServerTests(missing))(
  'fastify + @fastify/session and the store packages',
  () => {
    it('serves login, page, update and logout on every backend it has a store for; cookie is skipped with the reason', async () => {
      const backends = ['memory', 'disk', 'redis', 'memcached', 'mysql', 'postgres'];
      const run = await runSmoke({
        ...SERVE_LOAD,
        provider: 'process',
        backends: [...backends, 'cookie'].join(','),
        app: 'fastify',
      });
      for (const backend of backends) {
        const result = resultFor(run, backend);
        expectServedCleanly(result);
        expect(result.audit.resurrectedSessions, backend).toBe(0);
        expect(result.app?.flavour).toBe('fastify');
      }
      expect(packageNames(resultFor(run, 'memory'))).toEqual([
        'fastify',
        '@fastify/cookie',
        '@fastify/session',
      ]);
      expect(packageNames(resultFor(run, 'mysql'))).toEqual([
        'fastify',
        '@fastify/cookie',
        '@fastify/session',
        'express-mysql-session',
        'mysql2',
        'express-session',
      ]);
      const cookie = run.results.find((r) => r.variant === 'cookie')!;
      expect(cookie.status).toBe('skipped');
      expect(cookie.reason).toMatch(/cookie-session is Express middleware/);
      expect(cookie.app?.flavour).toBe('fastify');
    });
  },
);
