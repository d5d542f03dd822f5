import type mysql from 'mysql2/promise';
import { withTimeout } from '../lifecycle/withTimeout.js';
import { rows, withMysql, type MysqlLogin } from './mysqlAdmin.js';

/** What a Galera node says about itself. */
export interface NodeStatus {
  /** wsrep_local_state_comment: Synced, Joining, Joined, Donor/Desynced, Initialized. */
  state: string;
  /** wsrep_cluster_status: Primary, or non-Primary when its component lost quorum. */
  clusterStatus: string;
  /** wsrep_ready: ON once the node accepts queries (in a primary component, not joining). */
  ready: string;
  clusterSize: number;
  /** wsrep_cluster_state_uuid: the same on every node of one cluster. */
  clusterUuid: string;
  /** @@wsrep_node_address, its gcomm address (127.0.0.1:port). */
  address: string;
}

/**
 * One status read may not take longer: a health check that hangs (a connection whose
 * handshake stalls on a frozen node) would stop the balancer from moving the front.
 */
const STATUS_TIMEOUT_MS = 2_000;

/** A node's status on a fresh connection, bounded; rejects when it does not answer. */
export function galeraStatus(endpoint: string, login: MysqlLogin): Promise<NodeStatus> {
  return withTimeout(
    withMysql(endpoint, login, nodeStatus),
    STATUS_TIMEOUT_MS,
    `the wsrep status of ${endpoint}`,
  );
}

export async function nodeStatus(connection: mysql.Connection): Promise<NodeStatus> {
  const status = new Map<string, string>();
  for (const row of await rows(connection, "SHOW GLOBAL STATUS LIKE 'wsrep_%'")) {
    status.set(String(row.Variable_name), String(row.Value));
  }
  const [vars] = await rows(connection, 'SELECT @@wsrep_node_address AS address');
  return {
    state: status.get('wsrep_local_state_comment') ?? 'unknown',
    clusterStatus: status.get('wsrep_cluster_status') ?? 'unknown',
    ready: status.get('wsrep_ready') ?? 'OFF',
    clusterSize: Number(status.get('wsrep_cluster_size') ?? 0),
    clusterUuid: status.get('wsrep_cluster_state_uuid') ?? '',
    address: String(vars?.address ?? ''),
  };
}

/**
 * The balancer's health rule: a node the app may be sent to is ready, Synced, in the
 * primary component (a node of a component without quorum refuses queries; a joiner or
 * a donor is behind or busy).
 */
export function serves(status: NodeStatus | undefined): boolean {
  return (
    status !== undefined &&
    status.ready === 'ON' &&
    status.state === 'Synced' &&
    status.clusterStatus === 'Primary'
  );
}

/**
 * Galera's own switch for cutting a node from the cluster (gmcast.isolate, as
 * MariaDB's Galera test suite uses it): on, the node closes its group connections and
 * refuses new ones; off, it connects to its peers again and rejoins (IST).
 */
export function setIsolated(endpoint: string, login: MysqlLogin, isolated: boolean): Promise<void> {
  return withTimeout(
    withMysql(endpoint, login, async (c) => {
      await rows(c, `SET GLOBAL wsrep_provider_options = 'gmcast.isolate=${isolated ? 1 : 0}'`);
    }),
    STATUS_TIMEOUT_MS,
    `gmcast.isolate=${isolated ? 1 : 0} on ${endpoint}`,
  );
}
