import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { appPackagesFor, whyNoStore } from '../../src/app/flavours/storePackages.js';
import { variantApp } from '../../src/app/flavours/variantApp.js';
import { allVariants } from '../../src/backends/registry.js';
import { middlewareOptions, parseAppOptions } from '../../src/config/appFlavour.js';
import { loadPlan } from '../../src/config/loadPlan.js';
import { UsageError } from '../../src/errors.js';

async function usageError(promise: Promise<unknown>): Promise<string> {
  const error = await promise.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(UsageError);
  return (error as Error).message;
}

describe('--app-option key=value', () => {
  it('keeps the values as written and hands the middleware JSON where it parses, nested by dots', () => {
    const options = parseAppOptions([
      'resave=false',
      'cookie.maxAge=60000',
      'cookie.sameSite=strict',
      'rolling=true',
      'unset=destroy',
      'proxy=null',
      'name=a=b',
    ]);
    expect(options).toEqual({
      resave: 'false',
      'cookie.maxAge': '60000',
      'cookie.sameSite': 'strict',
      rolling: 'true',
      unset: 'destroy',
      proxy: 'null',
      name: 'a=b',
    });
    expect(middlewareOptions(options)).toEqual({
      resave: false,
      cookie: { maxAge: 60000, sameSite: 'strict' },
      rolling: true,
      unset: 'destroy',
      proxy: null,
      name: 'a=b',
    });
  });

  it('refuses a spec that is not key=value, naming it', () => {
    for (const bad of ['resave', '=false', 'cookie..maxAge=1', ' =1', '1x=2']) {
      expect(() => parseAppOptions([bad]), bad).toThrow(UsageError);
      expect(() => parseAppOptions([bad]), bad).toThrow(JSON.stringify(bad));
    }
  });

  it('reaches the plan through --app and --app-option; a flag wins over the scenario file', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sb-app-'));
    const file = path.join(dir, 's.yaml');
    await writeFile(
      file,
      'name: s\napp:\n  flavour: express\n  options:\n    resave: true\n    cookie: { maxAge: 1000 }\n',
    );
    const fromFile = await loadPlan({ scenario: file });
    expect(fromFile.app).toEqual({
      flavour: 'express',
      options: { resave: 'true', cookie: '{"maxAge":1000}' },
    });
    expect(middlewareOptions(fromFile.app.options)).toEqual({
      resave: true,
      cookie: { maxAge: 1000 },
    });
    const flagged = await loadPlan({
      scenario: file,
      app: 'fastify',
      appOptions: ['resave=false'],
    });
    expect(flagged.app).toEqual({
      flavour: 'fastify',
      options: { resave: 'false', cookie: '{"maxAge":1000}' },
    });
    expect((await loadPlan({})).app).toEqual({ flavour: 'builtin', options: {} });
  });

  it('refuses an unknown flavour, a bad option and options for the builtin app', async () => {
    expect(await usageError(loadPlan({ app: 'koa' }))).toMatch(/app\.flavour \(--app\)/);
    expect(await usageError(loadPlan({ app: 'express', appOptions: ['resave'] }))).toContain(
      '"resave"',
    );
    expect(await usageError(loadPlan({ appOptions: ['resave=false'] }))).toMatch(
      /builtin app has no middleware options/,
    );
  });
});

describe('flavour x backend -> store package', () => {
  it('names the package people use for each backend, the store before its client', () => {
    const table = Object.fromEntries(
      ['memory', 'disk', 'cookie', 'redis', 'memcached', 'mysql', 'postgres'].map((b) => [
        b,
        [appPackagesFor('express', b), appPackagesFor('fastify', b)],
      ]),
    );
    expect(table).toEqual({
      memory: [
        ['express', 'express-session'],
        ['fastify', '@fastify/cookie', '@fastify/session'],
      ],
      disk: [
        ['express', 'express-session', 'session-file-store'],
        ['fastify', '@fastify/cookie', '@fastify/session', 'session-file-store', 'express-session'],
      ],
      cookie: [['express', 'cookie-session'], undefined],
      redis: [
        ['express', 'express-session', 'connect-redis', 'redis'],
        [
          'fastify',
          '@fastify/cookie',
          '@fastify/session',
          'connect-redis',
          'redis',
          'express-session',
        ],
      ],
      memcached: [
        ['express', 'express-session', 'connect-memcached', 'memcached'],
        [
          'fastify',
          '@fastify/cookie',
          '@fastify/session',
          'connect-memcached',
          'memcached',
          'express-session',
        ],
      ],
      mysql: [
        ['express', 'express-session', 'express-mysql-session', 'mysql2'],
        [
          'fastify',
          '@fastify/cookie',
          '@fastify/session',
          'express-mysql-session',
          'mysql2',
          'express-session',
        ],
      ],
      postgres: [
        ['express', 'express-session', 'connect-pg-simple', 'pg'],
        [
          'fastify',
          '@fastify/cookie',
          '@fastify/session',
          'connect-pg-simple',
          'pg',
          'express-session',
        ],
      ],
    });
  });

  it('every variant of every backend has an entry (a new backend must pick its package)', () => {
    const ownSetting = ['postgres:unlogged', 'disk:fsync'];
    for (const { id } of allVariants().filter((v) => !ownSetting.includes(v.id))) {
      expect(() => whyNoStore('express', id, { nodes: 1 }), id).not.toThrow();
      expect(whyNoStore('express', id, { nodes: 1 }), id).toBeUndefined();
    }
  });

  it('says why a flavour cannot run a backend: the variant is skipped with that reason', () => {
    expect(whyNoStore('fastify', 'cookie', { nodes: 1 })).toMatch(/cookie-session is Express/);
    expect(whyNoStore('express', 'redis:aof-always', { nodes: 3 })).toMatch(/connect-redis/);
    expect(whyNoStore('express', 'memcached', { nodes: 3 })).toBeUndefined();
    expect(whyNoStore('express', 'postgres:unlogged', { nodes: 1 })).toMatch(/logged\) table/);
    expect(whyNoStore('fastify', 'disk:fsync', { nodes: 1 })).toMatch(/no fsync setting/);
    const skipped = variantApp({ flavour: 'fastify', options: {} }, 'cookie', { nodes: 1 });
    expect(skipped.skipReason).toMatch(/cookie-session/);
    expect(skipped.app.packages).toEqual([]);
  });

  it('records the installed versions, read from each package.json, and none for builtin', async () => {
    const { app } = variantApp({ flavour: 'express', options: { resave: 'false' } }, 'mysql', {
      nodes: 1,
    });
    const { createRequire } = await import('node:module');
    const require = createRequire(import.meta.url);
    const express = require('express/package.json') as { version: string };
    expect(app.flavour).toBe('express');
    expect(app.options).toEqual({ resave: 'false' });
    expect(app.packages[0]).toEqual({ name: 'express', version: express.version });
    // The store's own client is the one it loads (express-mysql-session pins its mysql2).
    const mysqlSession = require.resolve('express-mysql-session');
    const pinned = createRequire(mysqlSession)('mysql2/package.json') as { version: string };
    expect(app.packages.find((p) => p.name === 'mysql2')?.version).toBe(pinned.version);
    for (const p of app.packages) expect(p.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(variantApp({ flavour: 'builtin', options: {} }, 'redis', { nodes: 1 }).app).toEqual({
      flavour: 'builtin',
      options: {},
      packages: [],
    });
  });
});

describe('the plan line before a run', () => {
  it('names a middleware app and its options; the builtin app goes unsaid', async () => {
    const { describePlan } = await import('../../src/config/planSummary.js');
    const variants = [{ id: 'redis', server: true }];
    const plan = await loadPlan({ app: 'express', appOptions: ['resave=false'] });
    expect(describePlan(plan, variants, '')).toContain('\napp: express (resave=false)\n');
    expect(describePlan(await loadPlan({}), variants, '')).not.toContain('app:');
  });
});
