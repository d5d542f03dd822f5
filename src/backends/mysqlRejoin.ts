import type mysql from 'mysql2/promise';
import { hostPort } from './backend.js';
import { rows } from './mysqlAdmin.js';

/** One GTID position per replication domain: `domain-server-seq`. */
interface Gtid {
  domain: string;
  server: string;
  seq: number;
}

function parseGtids(position: string): Gtid[] {
  return position
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
    .map((part) => {
      const [domain = '', server = '', seq = '0'] = part.split('-');
      return { domain, server, seq: Number(seq) };
    });
}

/**
 * The GTIDs a former primary's binlog (`formerBinlog`, its @@gtid_binlog_pos) holds
 * beyond what the promoted node had when it was promoted (`promotedAt`): commits that
 * never reached the new primary ("errant"). Empty: the former primary's history is a
 * prefix of the new primary's, and it can replicate from it by GTID.
 */
export function errantGtids(formerBinlog: string, promotedAt: string): string[] {
  const had = new Map(parseGtids(promotedAt).map((g) => [g.domain, g]));
  return parseGtids(formerBinlog)
    .filter((g) => {
      const known = had.get(g.domain);
      return !known || known.server !== g.server || known.seq < g.seq;
    })
    .map((g) => `${g.domain}-${g.server}-${g.seq}`);
}

/**
 * Makes a former primary with no errant GTIDs a read-only replica of `source` (the new
 * primary's peer link), from its own position (MASTER_USE_GTID=current_pos).
 */
export async function rejoinAsReplica(
  connection: mysql.Connection,
  source: string,
  login: { replUser: string; password: string },
): Promise<void> {
  const { host, port } = hostPort(source);
  await rows(connection, 'SET GLOBAL read_only = 1');
  await rows(
    connection,
    'CHANGE MASTER TO MASTER_HOST = ?, MASTER_PORT = ?, MASTER_USER = ?, MASTER_PASSWORD = ?, ' +
      'MASTER_USE_GTID = current_pos, MASTER_CONNECT_RETRY = 1, MASTER_HEARTBEAT_PERIOD = 1',
    [host, port, login.replUser, login.password],
  );
  await rows(connection, 'START SLAVE');
}
