import mysql from 'mysql2/promise';
import { hostPort } from './backend.js';

/** One admin round trip may not take longer (a killed, paused or cut-off node). */
const ADMIN_TIMEOUT_MS = 1_000;

/** A string literal for SQL written to a file (init files run before any client). */
export function sqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/** Who the orchestrator and the probe log in as. */
export interface MysqlLogin {
  user: string;
  password: string;
  database?: string;
}

/**
 * Runs `use` on a fresh connection to one node, closed afterwards: admin calls and
 * probes never queue behind a dead pooled connection.
 */
export async function withMysql<T>(
  endpoint: string,
  login: MysqlLogin,
  use: (connection: mysql.Connection) => Promise<T>,
): Promise<T> {
  const connection = await mysql.createConnection({
    ...hostPort(endpoint),
    user: login.user,
    password: login.password,
    ...(login.database ? { database: login.database } : {}),
    connectTimeout: ADMIN_TIMEOUT_MS,
  });
  connection.on('error', () => {});
  try {
    return await use(connection);
  } finally {
    connection.destroy();
  }
}

/** The rows of a query as plain records. */
export async function rows(
  connection: mysql.Connection,
  sql: string,
  params: unknown[] = [],
  timeoutMs = ADMIN_TIMEOUT_MS,
): Promise<Record<string, unknown>[]> {
  const [result] = await connection.query({ sql, timeout: timeoutMs }, params);
  return Array.isArray(result) ? (result as Record<string, unknown>[]) : [];
}

/** SHOW SLAVE STATUS of a replica; undefined on a node that replicates from nobody. */
export async function slaveStatus(
  connection: mysql.Connection,
): Promise<Record<string, unknown> | undefined> {
  return (await rows(connection, 'SHOW SLAVE STATUS'))[0];
}

/** A status or system variable's value (SHOW GLOBAL STATUS / VARIABLES LIKE name). */
export async function globalValue(
  connection: mysql.Connection,
  kind: 'STATUS' | 'VARIABLES',
  name: string,
): Promise<string | undefined> {
  const found = await rows(connection, `SHOW GLOBAL ${kind} LIKE ?`, [name]);
  const value = found[0]?.Value;
  return value === undefined || value === null ? undefined : String(value);
}

/** Where a failover probe writes, the way the store does (one row, upserted). */
const PROBE_TABLE = 'session_bench_probe';

export async function createProbeTable(connection: mysql.Connection): Promise<void> {
  await rows(
    connection,
    `CREATE TABLE IF NOT EXISTS ${PROBE_TABLE} (id INT PRIMARY KEY, at BIGINT)`,
  );
}

/** One probe write; it commits only where the node accepts writes. */
export async function writeProbe(connection: mysql.Connection): Promise<void> {
  await rows(
    connection,
    `INSERT INTO ${PROBE_TABLE} VALUES (1, ?) ON DUPLICATE KEY UPDATE at = VALUES(at)`,
    [Date.now()],
  );
}
