import { readFile, readdir } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppProcess } from '../../src/app/appProcess.js';
import { backendOf } from '../../src/backends/registry.js';
import { SESSION_COOKIE } from '../../src/backends/sessionToken.js';
import { EventLog } from '../../src/lifecycle/eventLog.js';
import { freePort } from '../../src/lifecycle/freePort.js';
import { expectServedCleanly, packageNames, SERVE_LOAD } from '../helpers/middlewareRuns.js';
import { missingServers, skipServerTests } from '../helpers/processServers.js';
import { resultFor, runSmoke } from '../helpers/runScenario.js';

const missing = await missingServers([['redis-server'], ['memcached'], ['mariadbd', 'mysqld']]);

describe.skipIf(skipServerTests(missing))(
  'express + express-session and the store packages',
  () => {
    it('express (its defaults) serves login, page, update and logout on every backend, one request per user at a time', async () => {
      const backends = ['memory', 'disk', 'cookie', 'redis', 'memcached', 'mysql', 'postgres'];
      const run = await runSmoke({
        ...SERVE_LOAD,
        provider: 'process',
        backends: backends.join(','),
        app: 'express',
      });
      for (const backend of backends) {
        const result = resultFor(run, backend);
        expectServedCleanly(result);
        expect(result.app?.flavour).toBe('express');
        expect(result.app?.options).toEqual({});
      }
      expect(packageNames(resultFor(run, 'redis'))).toEqual([
        'express',
        'express-session',
        'connect-redis',
        'redis',
      ]);
      expect(packageNames(resultFor(run, 'cookie'))).toEqual(['express', 'cookie-session']);
      // A logged-out signed cookie is still accepted (cookie-session cannot revoke it).
      expect(resultFor(run, 'cookie').audit.resurrectedSessions).toBeGreaterThan(0);
      for (const backend of backends.filter((b) => b !== 'cookie')) {
        expect(resultFor(run, backend).audit.resurrectedSessions, backend).toBe(0);
      }
    });

    it('express:recommended and --app-option reach express-session', async () => {
      const run = await runSmoke({
        ...SERVE_LOAD,
        provider: 'process',
        backends: 'memory,redis,mysql',
        app: 'express:recommended',
        appOptions: ['rolling=true', 'cookie.maxAge=600000'],
      });
      for (const backend of ['memory', 'redis', 'mysql']) {
        const result = resultFor(run, backend);
        expectServedCleanly(result);
        expect(result.audit.resurrectedSessions, backend).toBe(0);
        expect(result.app?.options).toEqual({ rolling: 'true', 'cookie.maxAge': '600000' });
      }
    });

    it("keeps the session in express-session's own object, written by session-file-store", async () => {
      const dataDir = await mkdtemp(path.join(os.tmpdir(), 'sb-express-'));
      const app = new AppProcess(
        'app0',
        {
          port: await freePort(),
          flavour: 'express',
          options: { 'cookie.maxAge': '60000' },
          storeModule: backendOf('disk').storeModule.href,
          store: { variant: 'disk', ttlMs: 3_600_000, secret: 'x'.repeat(32), dataDir },
          payloadBytes: 64,
          storeTimeoutMs: 2_000,
        },
        new EventLog(),
      );
      try {
        await app.start();
        const login = await fetch(`${app.url}/login?u=7`, { method: 'POST' });
        expect(await login.json()).toEqual({ u: 7, c: 0 });
        const cookie = login.headers.get('set-cookie') ?? '';
        // express-session's signed id: s:<id>.<signature>, URL-encoded, with our max age.
        expect(cookie).toMatch(
          new RegExp(`^${SESSION_COOKIE}=s%3A[^.;]+\\.[^;]+; Path=/; Expires=`),
        );
        const headers = { cookie: cookie.split(';')[0]! };
        const update = await fetch(`${app.url}/update`, { method: 'POST', headers });
        expect(await update.json()).toEqual({ u: 7, c: 1 });
        const [file] = await readdir(path.join(dataDir));
        const stored = JSON.parse(await readFile(path.join(dataDir, file!), 'utf8')) as Record<
          string,
          unknown
        >;
        expect(stored).toMatchObject({ u: 7, c: 1, cookie: { originalMaxAge: 60000, path: '/' } });
        expect((stored.payload as string).length).toBe(64);
        const logout = await fetch(`${app.url}/logout`, { method: 'POST', headers });
        expect(logout.status).toBe(200);
        expect(logout.headers.get('set-cookie')).toMatch(new RegExp(`^${SESSION_COOKIE}=;`));
        expect((await fetch(`${app.url}/page`, { headers })).status).toBe(401);
        expect((await fetch(`${app.url}/health`)).status).toBe(200);
      } finally {
        await app.stop();
        await rm(dataDir, { recursive: true, force: true });
      }
    });
  },
);
