import mysql from 'mysql2/promise';
import { hostPort } from './backend.js';
import { within } from './mysqlAdmin.js';

/** The run's credentials (ServerSpec.settings of the mysql backend). */
export type Login = Record<string, string>;

/** What a Galera node says about itself. */
export interface NodeStatus {
  /** wsrep_local_state_comment: Synced, Joining, Joined, Donor/Desynced, Initialized. */
  state: string;
  /** wsrep_cluster_status: Primary, or non-Primary when it lost quorum. */
  clusterStatus: string;
  clusterSize: number;
  /** wsrep_cluster_state_uuid: the same on every node of one cluster. */
  clusterUuid: string;
  /** @@wsrep_node_address, its gcomm address (127.0.0.1:port). */
  address: string;
}

const CONNECT_TIMEOUT_MS = 1_000;
/**
 * One use of a node may not take longer: a health check or a probe that hangs would
 * stop the balancer from ever moving the front (a commit waits at most for Galera to
 * evict a dead node, evs.inactive_timeout 4 s).
 */
const USE_TIMEOUT_MS = 6_000;

/** One short connection to a node as root, closed after `use`. */
export async function withNode<T>(
  endpoint: string,
  login: Login,
  use: (connection: mysql.Connection) => Promise<T>,
  connectTimeout = CONNECT_TIMEOUT_MS,
): Promise<T> {
  const connection = await mysql.createConnection({
    ...hostPort(endpoint),
    user: login.user ?? 'root',
    password: login.password,
    database: login.database,
    connectTimeout,
  });
  try {
    return await within(USE_TIMEOUT_MS, use(connection));
  } finally {
    connection.destroy();
  }
}

export async function nodeStatus(connection: mysql.Connection): Promise<NodeStatus> {
  const [rows] = await connection.query("SHOW GLOBAL STATUS LIKE 'wsrep_%'");
  const status = new Map<string, string>();
  for (const row of rows as { Variable_name: string; Value: string }[]) {
    status.set(row.Variable_name, row.Value);
  }
  const [vars] = await connection.query('SELECT @@wsrep_node_address AS address');
  return {
    state: status.get('wsrep_local_state_comment') ?? 'unknown',
    clusterStatus: status.get('wsrep_cluster_status') ?? 'unknown',
    clusterSize: Number(status.get('wsrep_cluster_size') ?? 0),
    clusterUuid: status.get('wsrep_cluster_state_uuid') ?? '',
    address: String((vars as { address: string }[])[0]?.address ?? ''),
  };
}

/** A node the app may be sent to: Synced in the primary component. */
export function serves(status: NodeStatus): boolean {
  return status.state === 'Synced' && status.clusterStatus === 'Primary';
}
