import { UsageError } from '../errors.js';
import type { ServerSpecOptions } from './backend.js';
import type { Member, NodePlacement, ServerSpec, TopologySpec } from './serverSpec.js';
import { hostPort } from './backend.js';
import { globalValue, slaveStatus, sqlString, withMysql, type MysqlLogin } from './mysqlAdmin.js';
import { MysqlOrchestrator } from './mysqlOrchestrator.js';
import { waitUntil } from './topologyAdmin.js';

/** The MariaDB replication variants and whether each waits for the replica (semi-sync). */
export const MYSQL_REPLICATION: Record<string, { semiSync: boolean }> = {
  'mysql:replica': { semiSync: false },
  'mysql:semisync': { semiSync: true },
};

/** Settable timings; session-bench's defaults below. */
export interface ReplicationTimings {
  /** Failed checks of the primary for this long promote the replica. */
  detectionMs: number;
  checkIntervalMs: number;
  /** rpl_semi_sync_master_timeout: MariaDB's own default, 10 s. */
  semiSyncTimeoutMs: number;
}

/**
 * 2 s of failed checks every 500 ms: short enough for a failover within a short run,
 * four checks so that one slow answer on a loaded machine does not fail over.
 * The semi-sync timeout stays MariaDB's default (10 s), as users run it.
 */
export const REPLICATION_DEFAULTS: ReplicationTimings = {
  detectionMs: 2_000,
  checkIntervalMs: 500,
  semiSyncTimeoutMs: 10_000,
};

const FORM_TIMEOUT_MS = 30_000;
/** A replica whose link to the primary went quiet reconnects after this long (s). */
const SLAVE_NET_TIMEOUT_S = 4;

/**
 * mysql:replica / mysql:semisync: node0 primary, node1 its replica (GTID, row-based
 * binlog), session-bench as the orchestrator. `base` is plain `mysql`'s spec (one node,
 * the run's password), which this extends.
 */
export function replicationSpec(
  variant: string,
  options: ServerSpecOptions,
  base: ServerSpec,
): ServerSpec {
  const kind = MYSQL_REPLICATION[variant];
  if (!kind) throw new UsageError(`unknown mysql variant ${variant}`);
  if (options.nodes !== 1 && options.nodes !== 2) {
    throw new UsageError(
      `${variant} runs a primary and one replica; --nodes ${options.nodes} does not apply (leave it out)`,
    );
  }
  const timings: ReplicationTimings = {
    detectionMs: options.failover?.mysqlDetectionMs ?? REPLICATION_DEFAULTS.detectionMs,
    checkIntervalMs: REPLICATION_DEFAULTS.checkIntervalMs,
    semiSyncTimeoutMs:
      options.failover?.semiSyncTimeoutMs ?? REPLICATION_DEFAULTS.semiSyncTimeoutMs,
  };
  const password = base.settings.password!;
  const admin: MysqlLogin = { user: 'root', password };
  const app: MysqlLogin = { user: APP_USER, password, database: base.settings.database! };
  return {
    ...base,
    variant,
    nodes: 2,
    files: (node) => ({
      'init.sql': replicationInitSql(base.files!(node)['init.sql']!, password, node.bindAddress),
    }),
    args: (node, binary) => [
      ...base.args(node, binary),
      ...replicationArgs(node, kind.semiSync, timings),
    ],
    settings: { ...base.settings, user: APP_USER },
    // A shared server the run did not start is one node, never a topology.
    runData: undefined,
    topology: replicationTopology(kind.semiSync, timings, { admin, app }),
  };
}

const APP_USER = 'app';
const REPL_USER = 'repl';

/**
 * Not binlogged (each node creates its own users at every start, no GTID of its own);
 * root as before, a replication user, and the app's user limited to its database, so
 * that read_only refuses its writes on a replica (root's READ ONLY ADMIN would not).
 */
export function replicationInitSql(
  rootSql: string,
  password: string,
  bindAddress = '127.0.0.1',
): string {
  const quoted = sqlString(password);
  const host = bindAddress === '127.0.0.1' ? '127.0.0.1' : '%';
  const user = (name: string, grant: string) => [
    `CREATE USER IF NOT EXISTS '${name}'@'${host}' IDENTIFIED BY ${quoted};`,
    `ALTER USER '${name}'@'${host}' IDENTIFIED BY ${quoted};`,
    `GRANT ${grant} TO '${name}'@'${host}';`,
  ];
  return [
    'SET sql_log_bin = 0;',
    rootSql.trimEnd(),
    ...user(REPL_USER, 'REPLICATION SLAVE ON *.*'),
    ...user(APP_USER, 'ALL PRIVILEGES ON session_bench.*'),
    '',
  ].join('\n');
}

/** Unique server_id, binlog (rows) on every node so any can be primary; semi-sync plugins built in. */
export function replicationArgs(
  node: NodePlacement,
  semiSync: boolean,
  timings: ReplicationTimings,
): string[] {
  const primary = node.index === 0;
  return [
    `--server-id=${node.index + 1}`,
    '--log-bin=mysql-bin',
    '--log-slave-updates',
    '--binlog-format=ROW',
    '--relay-log=relay-bin',
    `--slave-net-timeout=${SLAVE_NET_TIMEOUT_S}`,
    ...(semiSync
      ? [
          '--rpl-semi-sync-slave-enabled=ON',
          // Only the first primary waits: a promoted node has no replica to wait for.
          `--rpl-semi-sync-master-enabled=${primary ? 'ON' : 'OFF'}`,
          `--rpl-semi-sync-master-timeout=${timings.semiSyncTimeoutMs}`,
        ]
      : []),
  ];
}

function replicationTopology(
  semiSync: boolean,
  timings: ReplicationTimings,
  logins: { admin: MysqlLogin; app: MysqlLogin },
): TopologySpec {
  return {
    kind: semiSync ? 'semi-sync replication' : 'async replication',
    configuration: replicationConfiguration(semiSync, timings),
    peerLinks: true,
    front: true,
    form: (nodes, signal, peers) => replicate(nodes, logins.admin, signal, peers),
    open: async (members, signal) => {
      const { front } = members;
      if (semiSync) await waitSemiSyncOn(members.nodes, logins.admin, signal);
      const orchestrator = new MysqlOrchestrator(
        {
          nodes: members.nodes,
          ...(members.peers ? { peers: members.peers } : {}),
          ...(front ? { front } : {}),
        },
        {
          ...logins,
          detectionMs: timings.detectionMs,
          checkIntervalMs: timings.checkIntervalMs,
          replUser: REPL_USER,
          semiSync,
        },
      );
      return orchestrator.start();
    },
  };
}

export function replicationConfiguration(
  semiSync: boolean,
  timings: ReplicationTimings,
): Record<string, string> {
  return {
    replication: 'node1 replicates node0: CHANGE MASTER TO ... MASTER_USE_GTID=slave_pos',
    binlog_format: 'ROW',
    'orchestrator check': `SELECT 1 on the primary every ${timings.checkIntervalMs} ms (through its peer link when placed)`,
    'orchestrator detection': `${timings.detectionMs} ms of failed checks, then the replica is promoted and the front link points at it`,
    'former primary':
      'rejoins as a replica of the new primary (MASTER_USE_GTID=current_pos) when it has no errant GTIDs; else stays out (deposed primary)',
    ...(semiSync
      ? {
          rpl_semi_sync_master_enabled: 'ON (node0)',
          rpl_semi_sync_slave_enabled: 'ON',
          rpl_semi_sync_master_timeout: String(timings.semiSyncTimeoutMs),
          rpl_semi_sync_master_wait_point: 'AFTER_COMMIT (MariaDB default)',
        }
      : {}),
  };
}

/** node1 replicates node0 (through node0's peer link when placed), read_only. */
async function replicate(
  nodes: Member[],
  admin: MysqlLogin,
  signal: AbortSignal,
  peers?: Member[],
): Promise<void> {
  const [primary, replica] = [...nodes].sort((a, b) => a.name.localeCompare(b.name));
  const source = hostPort((peers?.find((p) => p.name === primary!.name) ?? primary!).endpoint);
  await withMysql(replica!.endpoint, admin, async (c) => {
    await c.query('SET GLOBAL read_only = 1');
    await c.query(
      'CHANGE MASTER TO MASTER_HOST = ?, MASTER_PORT = ?, MASTER_USER = ?, MASTER_PASSWORD = ?, ' +
        'MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = 1, MASTER_HEARTBEAT_PERIOD = 1',
      [source.host, source.port, REPL_USER, admin.password],
    );
    await c.query('START SLAVE');
  });
  await waitUntil('node1 replicating node0', FORM_TIMEOUT_MS, signal, () =>
    withMysql(replica!.endpoint, admin, async (c) => {
      const status = await slaveStatus(c);
      if (status?.Last_IO_Error) throw new Error(String(status.Last_IO_Error));
      return status?.Slave_IO_Running === 'Yes' && status.Slave_SQL_Running === 'Yes';
    }),
  );
}

/** The primary waits for the replica's acknowledgement (semi-sync is on, one client). */
async function waitSemiSyncOn(
  nodes: Member[],
  admin: MysqlLogin,
  signal: AbortSignal,
): Promise<void> {
  const primary = nodes.find((n) => n.name === 'node0')!;
  await waitUntil('semi-sync on at node0', FORM_TIMEOUT_MS, signal, () =>
    withMysql(primary.endpoint, admin, async (c) => {
      const clients = await globalValue(c, 'STATUS', 'Rpl_semi_sync_master_clients');
      const on = await globalValue(c, 'STATUS', 'Rpl_semi_sync_master_status');
      return Number(clients) >= 1 && on === 'ON';
    }),
  );
}
