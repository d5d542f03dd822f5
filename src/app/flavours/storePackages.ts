import type { Store } from 'express-session';
import { backendNameOf, hostPort } from '../../backends/backend.js';
import type { StoreOptions } from '../../backends/sessionStore.js';

/**
 * The store package people use for each backend under real session middleware, and
 * how to build it from the run's StoreOptions. One table: the runner reads which
 * packages a variant runs (and skips what has none), the app builds the store.
 */

/** Middleware families: express-session (express, express:recommended) and @fastify/session. */
export type MiddlewareFamily = 'express' | 'fastify';

/** The express-session module: store packages take its Store class (`require('x')(session)`). */
export type SessionModule = typeof import('express-session');

/** A built store: what the middleware gets, and how the app closes it on a graceful stop. */
export interface BuiltStore {
  /** undefined: the middleware's own default store (its MemoryStore). */
  store?: Store;
  close(): Promise<void>;
}

interface StorePackage {
  /** npm packages of the store (store first, then its client), besides the middleware's. */
  packages: Partial<Record<MiddlewareFamily, string[]>>;
  /** The store package is the session middleware itself (cookie-session). */
  isMiddleware?: boolean;
  /** Why a family, or a topology, cannot run this backend; undefined when it can. */
  refuses?(
    family: MiddlewareFamily,
    options: { nodes: number; variant: string },
  ): string | undefined;
  build(options: StoreOptions, session: SessionModule): Promise<BuiltStore>;
}

const SECONDS = (ms: number) => Math.max(1, Math.round(ms / 1000));
const closeNothing = async () => {};

/** Settings keys are the backends' own (serverSpec settings, runData settings). */
const STORE_PACKAGES: Record<string, StorePackage> = {
  memory: {
    // express-session's and @fastify/session's own MemoryStore: no store package.
    packages: { express: [], fastify: [] },
    build: async () => ({ close: closeNothing }),
  },
  disk: {
    // write-file-atomic under it: temp file, fsync of the file, rename; never the folder.
    refuses: (_family, { variant }) =>
      variant === 'disk:fsync'
        ? 'session-file-store has no fsync setting: it always fsyncs the file (not its folder), so it runs as disk'
        : undefined,
    packages: {
      express: ['session-file-store'],
      fastify: ['session-file-store', 'express-session'],
    },
    build: async (options, session) => {
      const { default: fileStore } = await import('session-file-store');
      const FileStore = fileStore(session);
      const store = new FileStore({
        path: options.dataDir,
        ttl: SECONDS(options.ttlMs),
        // Its own default logs every missing file ("ENOENT") to the console.
        logFn: () => {},
      });
      return { store, close: closeNothing };
    },
  },
  cookie: {
    // cookie-session is Express middleware (the session is the cookie): no store.
    packages: { express: ['cookie-session'] },
    isMiddleware: true,
    refuses: (family) =>
      family === 'fastify'
        ? 'no cookie store for fastify: cookie-session is Express middleware'
        : undefined,
    build: async () => ({ close: closeNothing }),
  },
  redis: {
    packages: {
      express: ['connect-redis', 'redis'],
      fastify: ['connect-redis', 'redis', 'express-session'],
    },
    refuses: (_family, { nodes }) =>
      nodes > 1
        ? `connect-redis talks to one Redis (or a Redis Cluster), not ${nodes} independent servers`
        : undefined,
    build: async (options) => {
      const [{ RedisStore }, { createClient }] = await Promise.all([
        import('connect-redis'),
        import('redis'),
      ]);
      const { host, port } = hostPort(firstEndpoint(options));
      // The client's own defaults (offline queue, reconnect strategy): what people run.
      const client = createClient({ socket: { host, port } });
      client.on('error', () => {});
      await client.connect();
      const store = new RedisStore({
        client,
        prefix: options.settings?.keyPrefix ?? 'sess:',
        ttl: SECONDS(options.ttlMs),
      });
      return {
        store,
        close: async () => {
          await client.quit().catch(() => client.destroy());
        },
      };
    },
  },
  memcached: {
    // connect-memcached spreads keys over every host (the memcached client's hashing).
    packages: {
      express: ['connect-memcached', 'memcached'],
      fastify: ['connect-memcached', 'memcached', 'express-session'],
    },
    build: async (options, session) => {
      const { default: connectMemcached } = await import('connect-memcached');
      const MemcachedStore = connectMemcached(session);
      const store = new MemcachedStore({
        hosts: options.endpoints ?? [],
        prefix: options.settings?.keyPrefix ?? 'sess:',
        ttl: SECONDS(options.ttlMs),
      });
      return { store, close: async () => store.client.end() };
    },
  },
  mysql: {
    packages: {
      express: ['express-mysql-session', 'mysql2'],
      fastify: ['express-mysql-session', 'mysql2', 'express-session'],
    },
    build: async (options, session) => {
      const { default: mysqlSession } = await import('express-mysql-session');
      const MySQLStore = mysqlSession(session as never);
      const settings = options.settings ?? {};
      const store = new MySQLStore({
        ...hostPort(firstEndpoint(options)),
        user: settings.user,
        password: settings.password,
        database: settings.database,
        expiration: options.ttlMs,
        createDatabaseTable: true,
        schema: { tableName: settings.table ?? 'sessions' },
      });
      await store.onReady();
      return { store: store as unknown as Store, close: () => store.close() };
    },
  },
  postgres: {
    // Its table is its own (CREATE TABLE, logged): an unlogged variant would not be one.
    refuses: (_family, { variant }) =>
      variant === 'postgres:unlogged'
        ? 'connect-pg-simple creates its own (logged) table: postgres:unlogged is a setting of the builtin store'
        : undefined,
    packages: {
      express: ['connect-pg-simple', 'pg'],
      fastify: ['connect-pg-simple', 'pg', 'express-session'],
    },
    build: async (options, session) => {
      const { default: pgSession } = await import('connect-pg-simple');
      const PgStore = pgSession(session);
      const settings = options.settings ?? {};
      const store = new PgStore({
        conObject: { ...hostPort(firstEndpoint(options)), ...pick(settings) },
        tableName: settings.table ?? 'session',
        createTableIfMissing: true,
        ttl: SECONDS(options.ttlMs),
      });
      return { store, close: async () => store.close() };
    },
  },
};

function pick(settings: Record<string, string>) {
  return { user: settings.user, password: settings.password, database: settings.database };
}

function firstEndpoint(options: StoreOptions): string {
  const endpoint = options.endpoints?.[0];
  if (!endpoint) throw new Error(`${options.variant}: the store package needs an endpoint`);
  return endpoint;
}

function entryOf(variant: string): StorePackage {
  const entry = STORE_PACKAGES[backendNameOf(variant)];
  if (!entry) throw new Error(`no store package known for ${variant}`);
  return entry;
}

/** The web framework and its session middleware. */
const MIDDLEWARE: Record<MiddlewareFamily, { framework: string[]; session: string[] }> = {
  express: { framework: ['express'], session: ['express-session'] },
  fastify: { framework: ['fastify'], session: ['@fastify/cookie', '@fastify/session'] },
};

/**
 * Every npm package the app runs for a variant under a family: framework, session
 * middleware, store package, its client. Undefined when the backend has no store there.
 */
export function appPackagesFor(family: MiddlewareFamily, variant: string): string[] | undefined {
  const entry = entryOf(variant);
  const store = entry.packages[family];
  if (!store) return undefined;
  const { framework, session } = MIDDLEWARE[family];
  const packages = [...framework, ...(entry.isMiddleware ? [] : session), ...store];
  return [...new Set(packages)];
}

/** Why the variant cannot run under this family (no store package, or a topology it lacks). */
export function whyNoStore(
  family: MiddlewareFamily,
  variant: string,
  options: { nodes: number },
): string | undefined {
  const entry = entryOf(variant);
  const refused = entry.refuses?.(family, { ...options, variant });
  if (refused) return refused;
  if (!entry.packages[family]) return `no store package for ${variant} under ${family}`;
  return undefined;
}

export function buildStore(options: StoreOptions, session: SessionModule): Promise<BuiltStore> {
  return entryOf(options.variant).build(options, session);
}
