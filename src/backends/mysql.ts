import { randomBytes } from 'node:crypto';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { UsageError } from '../errors.js';
import { runTableName } from '../lifecycle/runNames.js';
import type { CommandRunner, NodePlacement, RunData, ServerSpec } from './serverSpec.js';
import { hostPort, type Backend, type ServerSpecOptions, type VariantInfo } from './backend.js';
import type { CreateStore, Session } from './sessionStore.js';
import { SqlSessionStore, type SqlDialect } from './sqlSessionStore.js';
import { sqlString } from './mysqlAdmin.js';
import { GALERA_VARIANT, galeraSpec } from './mysqlGalera.js';
import { MYSQL_REPLICATION, replicationSpec } from './mysqlReplication.js';

/** innodb_flush_log_at_trx_commit per variant. */
export const MYSQL_FLUSH: Record<string, 0 | 1 | 2> = {
  mysql: 1,
  'mysql:flush2': 2,
  'mysql:flush0': 0,
};

const VARIANTS: VariantInfo[] = [
  {
    id: 'mysql',
    description:
      'MariaDB/MySQL, InnoDB table, innodb_flush_log_at_trx_commit=1: redo log fsynced at every commit',
  },
  {
    id: 'mysql:flush2',
    description:
      'innodb_flush_log_at_trx_commit=2: written to the OS at commit, fsynced once a second (a server crash loses nothing, an OS crash ~1 s)',
  },
  {
    id: 'mysql:flush0',
    description:
      'innodb_flush_log_at_trx_commit=0: written and fsynced once a second; a server crash loses up to ~1 s',
  },
  {
    id: 'mysql:replica',
    description:
      'primary + 1 replica, asynchronous GTID replication (binlog ROW); session-bench orchestrates: 2 s of failed checks promote the replica and move the front link',
  },
  {
    id: 'mysql:semisync',
    description:
      'mysql:replica with semi-sync replication (rpl_semi_sync_master_timeout 10 s, then async): a commit is acknowledged once the replica has it',
  },
  {
    id: GALERA_VARIANT,
    description:
      'MariaDB Galera cluster of 3 nodes (wsrep, Galera 4, flush=1): the app behind a front link a health check moves to a Synced node when its node fails',
  },
];

export const DATABASE = 'session_bench';
const INIT_FILE = 'init.sql';

export const mysqlBackend: Backend = {
  name: 'mysql',
  kind: 'server',
  variants: VARIANTS,
  storeModule: new URL(import.meta.url),
  serverSpec: mysqlSpec,
};

export type MysqlFlavor = 'MariaDB' | 'MySQL';

/** "mariadbd  Ver 10.11.19-MariaDB-0+deb12u1 for ..." or "mysqld  Ver 8.0.36 for Linux ... (MySQL Community Server - GPL)" */
export function parseMysqlVersion(output: string): { name: MysqlFlavor; version: string } {
  const version = /\bVer\s+(\d+\.\d+\.\d+)/.exec(output)?.[1] ?? 'unknown';
  return { name: /mariadb/i.test(output) ? 'MariaDB' : 'MySQL', version };
}

/**
 * Statements run at every start: root over TCP gets the run's password, the database
 * exists. A server bound to loopback admits root from 127.0.0.1; one bound inside a
 * bridge-networked container sees clients arrive from the bridge gateway, so root may
 * come from any host there (the port is still published on 127.0.0.1 only).
 */
export function initSql(password: string, bindAddress = '127.0.0.1'): string {
  const quoted = sqlString(password);
  const host = bindAddress === '127.0.0.1' ? '127.0.0.1' : '%';
  return [
    `CREATE USER IF NOT EXISTS 'root'@'${host}' IDENTIFIED BY ${quoted};`,
    `ALTER USER 'root'@'${host}' IDENTIFIED BY ${quoted};`,
    `GRANT ALL PRIVILEGES ON *.* TO 'root'@'${host}' WITH GRANT OPTION;`,
    `CREATE DATABASE IF NOT EXISTS ${DATABASE};`,
    '',
  ].join('\n');
}

function mysqlSpec(variant: string, options: ServerSpecOptions): ServerSpec {
  if (MYSQL_REPLICATION[variant]) {
    return replicationSpec(variant, options, mysqlSpec('mysql', { nodes: 1 }));
  }
  if (variant === GALERA_VARIANT) {
    if (options.nodes !== 1 && options.nodes !== 3)
      throw new UsageError(`${variant} runs 3 nodes; --nodes ${options.nodes} does not apply`);
    return galeraSpec(options, mysqlSpec('mysql', { nodes: 1 }));
  }
  const flush = MYSQL_FLUSH[variant];
  if (flush === undefined) throw new UsageError(`unknown mysql variant ${variant}`);
  if (options.nodes !== 1) {
    throw new UsageError(
      `${variant} runs a single node; --nodes ${options.nodes} is only for redis and memcached`,
    );
  }
  // Never empty, new for every run; only the tool and the app see it.
  const password = randomBytes(18).toString('base64url');
  let flavor: MysqlFlavor = 'MariaDB';
  return {
    backend: 'mysql',
    variant,
    nodes: 1,
    binaries: ['mariadbd', 'mysqld'],
    // MySQL initialises its data dir with mysqld itself (initialiseDataDir).
    helperBinaries: (server) => (server.name === 'MariaDB' ? ['mariadb-install-db'] : []),
    files: (node) => ({ [INIT_FILE]: initSql(password, node.bindAddress) }),
    prepare: async (node, binary, run) => {
      flavor = parseMysqlVersion(await run(binary, ['--version'])).name;
      await initialiseDataDir(flavor, node, binary, run);
    },
    args: (node) => mysqlArgs(node, flush, flavor),
    ready: mysqlReady,
    versionArgs: ['--version'],
    parseVersion: parseMysqlVersion,
    // SIGTERM is mysqld's normal shutdown (the same path as SHUTDOWN / mysqladmin shutdown).
    stopSignal: 'SIGTERM',
    // Crash recovery after a SIGKILL replays the redo log before the server listens.
    startTimeoutMs: 60_000,
    settings: { user: 'root', password, database: DATABASE },
    runData: MYSQL_RUN_DATA,
  };
}

async function initialiseDataDir(
  flavor: MysqlFlavor,
  node: NodePlacement,
  binary: string,
  run: CommandRunner,
): Promise<void> {
  const user = node.runAsRoot ? ['--user=root'] : [];
  if (flavor === 'MySQL') {
    await run(binary, [
      '--no-defaults',
      '--initialize-insecure',
      `--datadir=${node.dataDir}`,
      secureFilePriv(node),
      tmpDir(node),
      ...user,
    ]);
    return;
  }
  // mariadb-install-db creates root@localhost with socket authentication only;
  // the init file adds root@127.0.0.1 with the run's password.
  await run('mariadb-install-db', [
    '--no-defaults',
    `--datadir=${node.dataDir}`,
    '--skip-test-db',
    '--skip-name-resolve',
    '--auth-root-authentication-method=socket',
    tmpDir(node),
    ...user,
  ]);
}

/**
 * The node's own: servers that share /tmp (install-db's bootstraps run side by side)
 * trip over each other's temporary tables ("Unknown table 'mysql.tmp_user_sys'"); 7
 * of 12 parallel mariadb-install-db runs failed so, none of 24 with their own tmpdir.
 */
function tmpDir(node: NodePlacement): string {
  return `--tmpdir=${node.runDir}`;
}

/**
 * Explicit, to a folder that exists: MySQL 8.4's compiled-in default
 * (/var/lib/mysql-files) is made only by its image's entrypoint, which is bypassed.
 */
function secureFilePriv(node: NodePlacement): string {
  return `--secure-file-priv=${node.runDir}`;
}

export function mysqlArgs(node: NodePlacement, flush: 0 | 1 | 2, flavor: MysqlFlavor): string[] {
  return [
    '--no-defaults',
    `--datadir=${node.dataDir}`,
    `--port=${node.port}`,
    `--bind-address=${node.bindAddress ?? '127.0.0.1'}`,
    // Relative: in the data dir (the server's working directory), so a long temp path
    // cannot push it past the 107-byte limit of a socket's path (the server would abort).
    '--socket=mysqld.sock',
    `--pid-file=${path.join(node.runDir, 'mysqld.pid')}`,
    // Clients from 127.0.0.1 match root@127.0.0.1; no DNS lookups.
    '--skip-name-resolve',
    `--init-file=${path.join(node.runDir, INIT_FILE)}`,
    '--default-storage-engine=InnoDB',
    `--innodb-flush-log-at-trx-commit=${flush}`,
    '--max-connections=200',
    secureFilePriv(node),
    tmpDir(node),
    ...(flavor === 'MySQL' ? ['--mysqlx=OFF'] : []),
    ...(node.runAsRoot ? ['--user=root'] : []),
  ];
}

/** SELECT 1 as root over TCP, in the sessions database the init file creates. */
async function mysqlReady(endpoint: string, settings: Record<string, string>): Promise<void> {
  const connection = await connectOnce(endpoint, settings, 1_000);
  try {
    await connection.query('SELECT 1');
  } finally {
    connection.destroy();
  }
}

function connectOnce(
  endpoint: string,
  settings: Record<string, string>,
  connectTimeout: number,
): Promise<mysql.Connection> {
  return mysql.createConnection({
    ...hostPort(endpoint),
    user: settings.user,
    password: settings.password,
    database: settings.database,
    connectTimeout,
  });
}

/** The sessions table on a server the run started; a shared server gets one named after the run. */
const TABLE = 'sessions';
/** Table names this store accepts: unquoted SQL names, so they never need escaping. */
const TABLE_NAME = /^[A-Za-z0-9_]{1,64}$/;

export function sessionsTableSql(table = TABLE): string {
  return `CREATE TABLE IF NOT EXISTS ${table} (
  id CHAR(32) CHARACTER SET ascii NOT NULL PRIMARY KEY,
  data MEDIUMTEXT NOT NULL,
  expires_at BIGINT UNSIGNED NOT NULL COMMENT 'ms since the epoch',
  KEY ${table}_expires_at (expires_at)
) ENGINE=InnoDB`;
}
export const SESSIONS_TABLE = sessionsTableSql();

function tableOf(settings: Record<string, string> | undefined): string {
  const table = settings?.table ?? TABLE;
  if (!TABLE_NAME.test(table))
    throw new Error(`mysql store: bad table name ${JSON.stringify(table)}`);
  return table;
}

/** In a database the user runs: a table `session_bench_<runId>`, dropped at the end. */
const MYSQL_RUN_DATA: RunData = {
  settings: (runId) => ({ table: runTableName(runId) }),
  remove: async (endpoint, settings) => {
    const table = tableOf(settings);
    if (table === TABLE) throw new Error('no table of the run: refusing to drop sessions');
    const connection = await connectOnce(endpoint, settings, 2_000);
    try {
      await connection.query(`DROP TABLE IF EXISTS ${table}`);
      return `dropped table ${table}`;
    } finally {
      connection.destroy();
    }
  },
};

/** MySQL's (and MariaDB's) statements for the sessions table, run through a mysql2 pool. */
function mysqlDialect(pool: mysql.Pool, table: string): SqlDialect {
  return {
    get: `SELECT data FROM ${table} WHERE id = ? AND expires_at > ?`,
    set:
      `INSERT INTO ${table} (id, data, expires_at) VALUES (?, ?, ?) ` +
      'ON DUPLICATE KEY UPDATE data = VALUES(data), expires_at = VALUES(expires_at)',
    destroy: `DELETE FROM ${table} WHERE id = ?`,
    // In small batches: a big delete would hold locks the sessions wait for.
    sweep: `DELETE FROM ${table} WHERE expires_at < ? LIMIT 1000`,
    getParams: (id) => [id, Date.now()],
    sweepParams: () => [Date.now()],
    expiry: (ttlMs) => Date.now() + ttlMs,
    query: async (sql, params) => {
      const [rows] = await pool.query(sql, params);
      return Array.isArray(rows) ? rows : [];
    },
    sessionOf: (row) => JSON.parse((row as { data: string }).data) as Session,
    end: () => pool.end(),
  };
}

const createStore: CreateStore = async (options) => {
  const endpoint = options.endpoints?.[0];
  const settings = options.settings ?? {};
  if (!endpoint || !settings.password)
    throw new Error('mysql store needs an endpoint and a password');
  const table = tableOf(settings);
  const pool = mysql.createPool({
    ...hostPort(endpoint),
    user: settings.user ?? 'root',
    password: settings.password,
    database: settings.database ?? DATABASE,
    connectionLimit: 32,
    connectTimeout: 2_000,
    enableKeepAlive: true,
    // A connection the server dropped (crash, restart) leaves the pool; the next
    // query opens a fresh one.
    maxIdle: 32,
  });
  await pool.query(sessionsTableSql(table));
  return new SqlSessionStore(mysqlDialect(pool, table), options.ttlMs);
};
export default createStore;
