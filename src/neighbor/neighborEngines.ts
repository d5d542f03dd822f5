import { Redis } from 'ioredis';
import memjs from 'memjs';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { hostPort } from '../backends/backend.js';
import { MEMJS_OPTIONS } from '../backends/memcached.js';
import type { NeighborConfig, NeighborEngine } from './neighborProtocol.js';

/**
 * The database's other work, in the style of sysbench's oltp_point_select and
 * oltp_update_index: a table of `rows` rows (id, an indexed k, a 120-byte c), point
 * selects by id and updates of k by id. Redis and memcached get the same on their own
 * keys: GET and SET of a 120-byte value.
 */
export interface NeighborOps {
  /** Creates and fills the table (or keys). */
  prepare(): Promise<void>;
  read(id: number): Promise<void>;
  update(id: number): Promise<void>;
  /** Drops the table (or keys); says what it removed. */
  remove(): Promise<string>;
  close(): Promise<void>;
}

const VALUE = 'x'.repeat(120);
const FILL_BATCH = 500;
/** Its own connections: a pool as an application server keeps, not one per request. */
const POOL_SIZE = 8;

/** Batches of ids 1..rows, for the multi-row inserts that fill a table. */
function batches(rows: number): number[][] {
  const out: number[][] = [];
  for (let from = 1; from <= rows; from += FILL_BATCH) {
    out.push(Array.from({ length: Math.min(FILL_BATCH, rows - from + 1) }, (_, i) => from + i));
  }
  return out;
}

function mysqlOps(config: NeighborConfig): NeighborOps {
  const { settings, name: table } = config;
  const pool = mysql.createPool({
    ...hostPort(config.endpoint),
    user: settings.user,
    password: settings.password,
    database: settings.database,
    connectionLimit: POOL_SIZE,
  });
  return {
    prepare: async () => {
      await pool.query(`DROP TABLE IF EXISTS ${table}`);
      await pool.query(
        `CREATE TABLE ${table} (id INT NOT NULL PRIMARY KEY, k INT NOT NULL, c CHAR(120) NOT NULL, KEY ${table}_k (k)) ENGINE=InnoDB`,
      );
      for (const ids of batches(config.rows)) {
        await pool.query(`INSERT INTO ${table} (id, k, c) VALUES ?`, [
          ids.map((id) => [id, id, VALUE]),
        ]);
      }
    },
    read: async (id) => void (await pool.execute(`SELECT c FROM ${table} WHERE id = ?`, [id])),
    update: async (id) =>
      void (await pool.execute(`UPDATE ${table} SET k = k + 1 WHERE id = ?`, [id])),
    remove: async () => {
      await pool.query(`DROP TABLE IF EXISTS ${table}`);
      return `dropped table ${table}`;
    },
    close: () => pool.end(),
  };
}

function postgresOps(config: NeighborConfig): NeighborOps {
  const { settings, name: table } = config;
  const pool = new pg.Pool({
    ...hostPort(config.endpoint),
    user: settings.user,
    password: settings.password,
    database: settings.database,
    max: POOL_SIZE,
  });
  pool.on('error', () => undefined); // a server restart must not end the child
  return {
    prepare: async () => {
      await pool.query(`DROP TABLE IF EXISTS ${table}`);
      await pool.query(
        `CREATE TABLE ${table} (id INT NOT NULL PRIMARY KEY, k INT NOT NULL, c CHAR(120) NOT NULL)`,
      );
      await pool.query(`CREATE INDEX ${table}_k ON ${table} (k)`);
      await pool.query(
        `INSERT INTO ${table} (id, k, c) SELECT i, i, $1 FROM generate_series(1, $2::int) AS i`,
        [VALUE, config.rows],
      );
    },
    read: async (id) => void (await pool.query(`SELECT c FROM ${table} WHERE id = $1`, [id])),
    update: async (id) =>
      void (await pool.query(`UPDATE ${table} SET k = k + 1 WHERE id = $1`, [id])),
    remove: async () => {
      await pool.query(`DROP TABLE IF EXISTS ${table}`);
      return `dropped table ${table}`;
    },
    close: () => pool.end(),
  };
}

function redisOps(config: NeighborConfig): NeighborOps {
  const { host, port } = hostPort(config.endpoint);
  const client = new Redis({ host, port, lazyConnect: true, maxRetriesPerRequest: 1 });
  client.on('error', () => undefined);
  const key = (id: number) => `${config.name}${id}`;
  const removeKeys = async () => {
    for (const ids of batches(config.rows)) await client.del(...ids.map(key));
  };
  return {
    prepare: async () => {
      await client.connect();
      for (const ids of batches(config.rows)) {
        await client.mset(...ids.flatMap((id) => [key(id), VALUE]));
      }
    },
    read: async (id) => void (await client.get(key(id))),
    update: async (id) => void (await client.set(key(id), VALUE)),
    remove: async () => {
      await removeKeys();
      return `deleted keys ${config.name}*`;
    },
    close: async () => void client.disconnect(),
  };
}

function memcachedOps(config: NeighborConfig): NeighborOps {
  const client = memjs.Client.create(config.endpoint, MEMJS_OPTIONS);
  const key = (id: number) => `${config.name}${id}`;
  return {
    prepare: async () => {
      for (const ids of batches(config.rows)) {
        await Promise.all(ids.map((id) => client.set(key(id), VALUE, {})));
      }
    },
    read: async (id) => void (await client.get(key(id))),
    update: async (id) => void (await client.set(key(id), VALUE, {})),
    remove: async () => {
      for (const ids of batches(config.rows))
        await Promise.all(ids.map((id) => client.delete(key(id))));
      return `deleted keys ${config.name}*`;
    },
    close: async () => client.close(),
  };
}

const ENGINES: Record<NeighborEngine, (config: NeighborConfig) => NeighborOps> = {
  mysql: mysqlOps,
  postgres: postgresOps,
  redis: redisOps,
  memcached: memcachedOps,
};

export function neighborOps(config: NeighborConfig): NeighborOps {
  return ENGINES[config.engine](config);
}
