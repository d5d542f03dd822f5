import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { UsageError } from '../errors.js';
import { runTableName } from '../lifecycle/runNames.js';
import type { NodePlacement, RunData, ServerSpec } from './serverSpec.js';
import { hostPort, type Backend, type VariantInfo } from './backend.js';
import type { CreateStore, Session } from './sessionStore.js';
import { SqlSessionStore, type SqlDialect } from './sqlSessionStore.js';

/** What each variant changes: the server's synchronous_commit, and the table's WAL logging. */
export const POSTGRES_VARIANTS: Record<
  string,
  { synchronousCommit: 'on' | 'off'; unlogged: boolean }
> = {
  postgres: { synchronousCommit: 'on', unlogged: false },
  'postgres:async': { synchronousCommit: 'off', unlogged: false },
  'postgres:unlogged': { synchronousCommit: 'on', unlogged: true },
};

const VARIANTS: VariantInfo[] = [
  {
    id: 'postgres',
    description:
      'PostgreSQL, synchronous_commit=on (the default): a commit returns once its WAL is flushed to disk',
  },
  {
    id: 'postgres:async',
    description:
      'synchronous_commit=off: a commit returns before its WAL is written; the WAL writer flushes every 200 ms, so a crash loses up to ~600 ms of commits (still in shared memory, not yet in the OS)',
  },
  {
    id: 'postgres:unlogged',
    description:
      'UNLOGGED sessions table: no WAL, fast; crash recovery empties it, a clean shutdown keeps it',
  },
];

/** The superuser initdb creates; its password is the run's. */
const SUPERUSER = 'postgres';
const DATABASE = 'postgres';
const PASSWORD_FILE = 'pwfile';
const HBA_FILE = 'pg_hba.conf';

export const postgresBackend: Backend = {
  name: 'postgres',
  kind: 'server',
  variants: VARIANTS,
  storeModule: new URL(import.meta.url),
  serverSpec: postgresSpec,
};

/** "postgres (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)" */
export function parsePostgresVersion(output: string): { name: string; version: string } {
  return {
    name: 'PostgreSQL',
    version: /\(PostgreSQL\)\s+(\d+(?:\.\d+)*)/.exec(output)?.[1] ?? 'unknown',
  };
}

/**
 * Password logins over TCP only. A server bound to loopback admits 127.0.0.1 and ::1;
 * one inside a bridge-networked container sees clients arrive from the bridge
 * gateway (the port is still published on 127.0.0.1 only).
 */
export function hbaConf(bindAddress = '127.0.0.1'): string {
  const hosts = bindAddress === '127.0.0.1' ? ['127.0.0.1/32', '::1/128'] : ['all'];
  return ['local all all trust', ...hosts.map((h) => `host all all ${h} scram-sha-256`), ''].join(
    '\n',
  );
}

function postgresSpec(variant: string, options: { nodes: number }): ServerSpec {
  const config = POSTGRES_VARIANTS[variant];
  if (!config) throw new UsageError(`unknown postgres variant ${variant}`);
  if (options.nodes !== 1) {
    throw new UsageError(
      `${variant} runs a single node; --nodes ${options.nodes} is only for redis and memcached`,
    );
  }
  const password = randomBytes(18).toString('base64url');
  return {
    backend: 'postgres',
    variant,
    nodes: 1,
    binaries: ['postgres'],
    files: (node) => ({ [PASSWORD_FILE]: `${password}\n`, [HBA_FILE]: hbaConf(node.bindAddress) }),
    prepare: async (node, binary, run) => {
      // initdb beside the server binary: the same build, wherever it was found.
      await run(path.join(path.dirname(binary), 'initdb'), initdbArgs(node));
    },
    args: (node) => postgresArgs(node, config.synchronousCommit),
    ready: postgresReady,
    versionArgs: ['--version'],
    parseVersion: parsePostgresVersion,
    // SIGINT is the postmaster's fast shutdown (pg_ctl stop -m fast): a shutdown checkpoint.
    stopSignal: 'SIGINT',
    // Crash recovery replays the WAL before the server accepts connections.
    startTimeoutMs: 60_000,
    unprivilegedUser: 'postgres',
    forks: true,
    settings: {
      user: SUPERUSER,
      password,
      database: DATABASE,
      ...(config.unlogged ? { unlogged: 'true' } : {}),
    },
    runData: POSTGRES_RUN_DATA,
  };
}

function initdbArgs(node: NodePlacement): string[] {
  return [
    `--pgdata=${node.dataDir}`,
    `--username=${SUPERUSER}`,
    `--pwfile=${path.join(node.runDir, PASSWORD_FILE)}`,
    '--auth=scram-sha-256',
    '--encoding=UTF8',
    '--locale=C',
    // Skips fsyncing the fresh catalog: only an OS crash right after initdb could
    // matter, and the faults here are process faults.
    '--no-sync',
  ];
}

export function postgresArgs(node: NodePlacement, synchronousCommit: 'on' | 'off'): string[] {
  const setting = (name: string, value: string | number) => ['-c', `${name}=${value}`];
  return [
    '-D',
    node.dataDir,
    ...setting('port', node.port),
    ...setting('listen_addresses', node.bindAddress ?? '127.0.0.1'),
    // No Unix socket: every client (the app, the checks) connects over TCP, and a
    // socket's path (107 bytes at most) below a long temp folder stops the server.
    ...setting('unix_socket_directories', ''),
    ...setting('hba_file', path.join(node.runDir, HBA_FILE)),
    ...setting('synchronous_commit', synchronousCommit),
    ...setting('fsync', 'on'),
    ...setting('max_connections', 200),
  ];
}

function clientConfig(
  endpoint: string,
  settings: Record<string, string>,
  connectionTimeoutMillis: number,
): pg.ClientConfig {
  return {
    ...hostPort(endpoint),
    user: settings.user ?? SUPERUSER,
    password: settings.password,
    database: settings.database ?? DATABASE,
    connectionTimeoutMillis,
  };
}

/** SELECT 1 over TCP with the run's password (refused while crash recovery runs). */
async function postgresReady(endpoint: string, settings: Record<string, string>): Promise<void> {
  const client = new pg.Client(clientConfig(endpoint, settings, 1_000));
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
  } finally {
    await client.end().catch(() => {});
  }
}

/** The sessions table on a server the run started; a shared server gets one named after the run. */
const TABLE = 'sessions';
/** Unquoted lower-case SQL names only, so they never need escaping. */
const TABLE_NAME = /^[a-z0-9_]{1,63}$/;

/** Shaped like connect-pg-simple's table: sid primary key, sess json, expire with an index. */
export function sessionsTableSql(table = TABLE, unlogged = false): string[] {
  return [
    `CREATE ${unlogged ? 'UNLOGGED ' : ''}TABLE IF NOT EXISTS ${table} (
  sid varchar NOT NULL PRIMARY KEY,
  sess json NOT NULL,
  expire timestamptz NOT NULL
)`,
    `CREATE INDEX IF NOT EXISTS ${table}_expire ON ${table} (expire)`,
  ];
}

function tableOf(settings: Record<string, string> | undefined): string {
  const table = (settings?.table ?? TABLE).toLowerCase();
  if (!TABLE_NAME.test(table))
    throw new Error(`postgres store: bad table name ${JSON.stringify(table)}`);
  return table;
}

/** In a database the user runs: a table `session_bench_<runId>`, dropped at the end. */
const POSTGRES_RUN_DATA: RunData = {
  settings: (runId) => ({ table: runTableName(runId).toLowerCase() }),
  remove: async (endpoint, settings) => {
    const table = tableOf(settings);
    if (table === TABLE) throw new Error('no table of the run: refusing to drop sessions');
    const client = new pg.Client(clientConfig(endpoint, settings, 2_000));
    client.on('error', () => {});
    await client.connect();
    try {
      await client.query(`DROP TABLE IF EXISTS ${table}`);
      return `dropped table ${table}`;
    } finally {
      await client.end().catch(() => {});
    }
  },
};

/** Two apps creating the table at once: one loses the race on the catalog; that is fine. */
const ALREADY_EXISTS = new Set(['42P07', '23505']);

/** PostgreSQL's statements for a connect-pg-simple shaped table, run through a pg Pool. */
function postgresDialect(pool: pg.Pool, table: string): SqlDialect {
  return {
    get: `SELECT sess FROM ${table} WHERE sid = $1 AND expire > now()`,
    set:
      `INSERT INTO ${table} (sid, sess, expire) VALUES ($1, $2, $3) ` +
      'ON CONFLICT (sid) DO UPDATE SET sess = EXCLUDED.sess, expire = EXCLUDED.expire',
    destroy: `DELETE FROM ${table} WHERE sid = $1`,
    // As connect-pg-simple's pruning.
    sweep: `DELETE FROM ${table} WHERE expire < now()`,
    getParams: (id) => [id],
    sweepParams: () => [],
    expiry: (ttlMs) => new Date(Date.now() + ttlMs),
    query: async (sql, params) => (await pool.query(sql, params)).rows,
    sessionOf: (row) => (row as { sess: Session }).sess,
    end: () => pool.end(),
  };
}

async function createTable(pool: pg.Pool, table: string, unlogged: boolean): Promise<void> {
  for (const statement of sessionsTableSql(table, unlogged)) {
    try {
      await pool.query(statement);
    } catch (error) {
      if (!ALREADY_EXISTS.has((error as { code?: string }).code ?? '')) throw error;
    }
  }
}

const createStore: CreateStore = async (options) => {
  const endpoint = options.endpoints?.[0];
  const settings = options.settings ?? {};
  if (!endpoint || !settings.password)
    throw new Error('postgres store needs an endpoint and a password');
  const table = tableOf(settings);
  const pool = new pg.Pool({ ...clientConfig(endpoint, settings, 2_000), max: 32 });
  // An idle connection the server dropped (crash, restart) leaves the pool with an
  // 'error' event; without a listener it would crash the app. The next query reconnects.
  pool.on('error', () => {});
  await createTable(pool, table, settings.unlogged === 'true');
  return new SqlSessionStore(postgresDialect(pool, table), options.ttlMs);
};
export default createStore;
