import type { FaultAction } from '../config/schema.js';
import type { Expectation, LossExpectation } from '../result/result.js';

/**
 * What each variant's documentation says a restart or a crash of the whole store
 * does to sessions. The run compares what it observed with this and flags a
 * mismatch; it never adjusts either side. Power loss and OS crashes cannot be
 * simulated here (a process kill leaves the OS page cache intact), which is exactly
 * where redis:aof-everysec, disk without fsync and mysql:flush2 would lose data.
 */
const REDIS_DOCS = 'https://redis.io/docs/latest/operate/oss_and_stack/management/persistence/';
const INNODB_DOCS =
  'https://dev.mysql.com/doc/refman/8.0/en/innodb-parameters.html#sysvar_innodb_flush_log_at_trx_commit';
const MEMCACHED_WARM = 'https://github.com/memcached/memcached/wiki/WarmRestart';
const PG_SYNC_COMMIT =
  'https://www.postgresql.org/docs/current/runtime-config-wal.html#GUC-SYNCHRONOUS-COMMIT';
const PG_ASYNC_COMMIT = 'https://www.postgresql.org/docs/current/wal-async-commit.html';
const PG_UNLOGGED =
  'https://www.postgresql.org/docs/current/sql-createtable.html#SQL-CREATETABLE-UNLOGGED';
const PG_SHUTDOWN = 'https://www.postgresql.org/docs/current/server-shutdown.html';

const both = (e: Expectation) => ({ restart: e, kill: e });

const TABLE: Record<string, Partial<Record<FaultAction, Expectation>>> = {
  memory: both({
    loss: 'all',
    claim: 'sessions live in the app process and die with it',
    source: 'in-process Map',
  }),
  disk: both({
    loss: 'none',
    claim: 'written files survive the process (page cache); rename is atomic',
    source: 'POSIX rename(2)',
  }),
  'disk:fsync': both({
    loss: 'none',
    claim: 'files and folder fsynced before the answer',
    source: 'POSIX fsync(2)',
  }),
  cookie: both({
    loss: 'none',
    claim: 'the session is in the client; nothing on the server to lose',
    source: 'stateless signed cookie',
  }),
  redis: {
    restart: {
      loss: 'none',
      claim: 'SHUTDOWN saves an RDB snapshot when save points are set',
      source: REDIS_DOCS,
    },
    kill: {
      loss: 'recent',
      claim: 'a crash loses writes since the last RDB snapshot',
      source: REDIS_DOCS,
    },
  },
  'redis:none': both({
    loss: 'all',
    claim: 'no persistence: a restart starts empty',
    source: REDIS_DOCS,
  }),
  'redis:rdb': {
    restart: { loss: 'none', claim: 'SHUTDOWN saves an RDB snapshot', source: REDIS_DOCS },
    kill: {
      loss: 'recent',
      claim: 'a crash loses writes since the last snapshot (save 5 1: up to 5 s)',
      source: REDIS_DOCS,
    },
  },
  'redis:aof-everysec': both({
    loss: 'none',
    claim:
      'every write reaches the AOF (kernel) before the reply; fsync each second only matters on power loss',
    source: REDIS_DOCS,
  }),
  'redis:aof-always': both({
    loss: 'none',
    claim: 'AOF fsynced before every reply',
    source: REDIS_DOCS,
  }),
  memcached: both({
    loss: 'all',
    claim: 'memory only: a restarted memcached is empty',
    source: 'https://github.com/memcached/memcached/wiki',
  }),
  'memcached:warm': {
    restart: {
      loss: 'none',
      claim: 'SIGUSR1 shutdown keeps the memory file for a warm restart',
      source: MEMCACHED_WARM,
    },
    kill: {
      loss: 'all',
      claim: 'warm restart needs a graceful shutdown; after a crash it starts cold',
      source: MEMCACHED_WARM,
    },
  },
  mysql: both({
    loss: 'none',
    claim: 'innodb_flush_log_at_trx_commit=1: redo log flushed at each commit',
    source: INNODB_DOCS,
  }),
  'mysql:flush2': both({
    loss: 'none',
    claim:
      'flush=2: log written to the OS at each commit; only an OS crash or power loss loses up to 1 s',
    source: INNODB_DOCS,
  }),
  'mysql:flush0': {
    restart: { loss: 'none', claim: 'a clean shutdown flushes the log', source: INNODB_DOCS },
    kill: {
      loss: 'recent',
      claim: 'flush=0: a mysqld crash can lose up to 1 s of transactions',
      source: INNODB_DOCS,
    },
  },
  postgres: both({
    loss: 'none',
    claim: 'synchronous_commit=on: a commit returns once its WAL record is flushed to disk',
    source: PG_SYNC_COMMIT,
  }),
  'postgres:async': {
    restart: {
      loss: 'none',
      claim: 'a fast shutdown writes the WAL and a shutdown checkpoint',
      source: PG_SHUTDOWN,
    },
    kill: {
      loss: 'recent',
      claim:
        'synchronous_commit=off: a crash loses commits of the last 3 x wal_writer_delay (~600 ms); their WAL may not have left shared memory',
      source: PG_ASYNC_COMMIT,
    },
  },
  'postgres:unlogged': {
    restart: {
      loss: 'none',
      claim: 'a clean shutdown keeps an UNLOGGED table',
      source: PG_UNLOGGED,
    },
    kill: {
      loss: 'all',
      claim: 'an UNLOGGED table is truncated by crash recovery',
      source: PG_UNLOGGED,
    },
  },
};

export function expectationFor(variant: string, action: FaultAction): Expectation | undefined {
  return TABLE[variant]?.[action];
}

const SENTINEL_DOCS = 'https://redis.io/docs/latest/operate/oss_and_stack/management/sentinel/';
const REPLICATION_DOCS =
  'https://redis.io/docs/latest/operate/oss_and_stack/management/replication/';
const CLUSTER_SPEC = 'https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/';
const WAIT_DOCS = 'https://redis.io/docs/latest/commands/wait/';
const JEPSEN_REDIS = 'https://aphyr.com/posts/283-jepsen-redis';
const GALERA_QUORUM =
  'https://mariadb.com/docs/galera-cluster/high-availability/understanding-quorum-monitoring-and-recovery';
const JEPSEN_GALERA = 'https://jepsen.io/blog/2026-03-16-mariadb-galera-cluster-12.1.2';
const MARIADB_REPLICATION = 'https://mariadb.com/kb/en/replication-overview/';
const MARIADB_SEMISYNC = 'https://mariadb.com/kb/en/semisynchronous-replication/';

/**
 * What the docs say a fault on the primary of a replicated store does (a node fault:
 * kill, restart or pause of the node that was primary when it fired). Replication is
 * asynchronous: writes acknowledged but not yet on the promoted replica are lost.
 */
const FAILOVER_TABLE: Record<string, Expectation> = {
  'redis:sentinel': {
    loss: 'recent',
    claim:
      'asynchronous replication: writes the primary acknowledged but had not sent to the promoted replica are lost (Sentinel docs; Jepsen lost acknowledged writes)',
    source: `${SENTINEL_DOCS} ; ${REPLICATION_DOCS} ; ${JEPSEN_REDIS}`,
  },
  'redis:sentinel-wait': {
    loss: 'none',
    claim:
      'WAIT 1 acknowledges only writes a replica has, and Sentinel promotes the most up-to-date replica; min-replicas-to-write bounds a lonely primary. WAIT does not make Redis strongly consistent: a loss is possible, not expected on a plain kill',
    source: `${WAIT_DOCS} ; ${REPLICATION_DOCS}#allow-writes-only-with-n-attached-replicas`,
  },
  'redis:cluster': {
    loss: 'recent',
    claim:
      'Redis Cluster "is not able to guarantee strong consistency": a primary that fails before replicating an acknowledged write loses it at failover',
    source: CLUSTER_SPEC,
  },
  'mysql:galera': {
    loss: 'none',
    claim:
      'a commit is certified by every node of the primary component before it is acknowledged, and the two survivors of one node killed out of three keep quorum (a majority of the last primary component), so they hold every acknowledged commit and go on serving (MariaDB docs on quorum). Jepsen 2026 (12.1.2-12.2.2) lost committed transactions when nodes crashed in quick succession under the recommended settings (no flush before the acknowledgement; here innodb_flush_log_at_trx_commit=1), and occasionally with crashes plus partitions; lost updates (P4) and stale reads even without faults. One node killed at a time is not expected to lose any',
    source: `${GALERA_QUORUM} ; ${JEPSEN_GALERA}`,
  },
  'mysql:replica': {
    loss: 'recent',
    claim:
      'asynchronous replication: the primary acknowledges a commit before the replica has received it; a primary killed before sending it loses it at the promotion',
    source: MARIADB_REPLICATION,
  },
  'mysql:semisync': {
    loss: 'none',
    claim:
      'semi-sync: a commit is acknowledged once the replica has it in its relay log (applied before the promotion), so none is lost while the replica acknowledges; without an acknowledgement for rpl_semi_sync_master_timeout the primary falls back to asynchronous and can lose commits',
    source: MARIADB_SEMISYNC,
  },
};

/**
 * A partition of the primary from its peers (the topology's peer links; Galera: its
 * own isolation) while the app still reaches it: a split brain where the old primary
 * acknowledges writes until its clients leave it and the heal discards them, unless
 * the minority side stops acknowledging (Galera's quorum, WAIT, semi-sync).
 */
const SPLIT_BRAIN_TABLE: Record<string, Expectation> = {
  'redis:sentinel': {
    loss: 'recent',
    claim:
      'a primary partitioned from the sentinels keeps accepting writes; at the heal it becomes a replica of the promoted node and those writes are lost (Sentinel docs on partitions; Jepsen lost 56% of acknowledged writes in a Sentinel split brain)',
    source: `${SENTINEL_DOCS} ; ${JEPSEN_REDIS}`,
  },
  'redis:sentinel-wait': {
    loss: 'none',
    claim:
      'min-replicas-to-write 1 (max lag 1 s) stops a primary that lost its replicas, and WAIT 1 fails every write no replica confirmed: a write of the split is not acknowledged, so none is lost (WAIT: not strongly consistent in general)',
    source: `${WAIT_DOCS} ; ${REPLICATION_DOCS}#allow-writes-only-with-n-attached-replicas`,
  },
  'redis:cluster': {
    loss: 'recent',
    claim:
      'a primary on the minority side of a partition accepts writes until cluster-node-timeout passes without it sensing the majority, then stops; the majority promotes its replica, and at the heal the old primary becomes a replica and loses the writes of that window (Cluster spec: "Windows to lose acknowledged writes are larger when clients are in a minority partition")',
    source: CLUSTER_SPEC,
  },
  'mysql:galera': {
    loss: 'none',
    claim:
      "the cut-off node is one of three, a minority without quorum: it turns non-Primary and refuses queries, and a commit it cannot certify with the majority is never acknowledged; the front's health check moves the app to the two that keep quorum, and the node rejoins by a state transfer at the heal (MariaDB docs on quorum). Jepsen 2026 lost committed transactions only with crashes besides partitions; a partition alone is not expected to lose any",
    source: `${GALERA_QUORUM} ; ${JEPSEN_GALERA}`,
  },
  'mysql:replica': {
    loss: 'recent',
    claim:
      'the cut-off primary keeps acknowledging the app until the orchestrator moves the front link (its detection window); those commits never reached the promoted replica',
    source: MARIADB_REPLICATION,
  },
  'mysql:semisync': {
    loss: 'none',
    claim:
      'commits on the cut-off primary wait for the replica; with rpl_semi_sync_master_timeout (10 s by default) longer than the detection window (2 s) the app gives up first and the front link moves: none acknowledged is lost (a shorter timeout falls back to asynchronous and loses the commits after it)',
    source: MARIADB_SEMISYNC,
  },
};

/** For a node fault, or a partition, on the primary of a replicated variant; undefined otherwise. */
export function failoverExpectationFor(
  variant: string,
  action: FaultAction,
): Expectation | undefined {
  if (action === 'partition') return SPLIT_BRAIN_TABLE[variant];
  if (action !== 'kill' && action !== 'restart' && action !== 'pause') return undefined;
  return FAILOVER_TABLE[variant];
}

/** What one fault did to sessions, as the audit attributed it. */
export interface ObservedLosses {
  /** Lost by this fault alone, among the users counted at it. */
  loggedOutUsers: number;
  lostUpdates: number;
  loggedInUsersAtFault?: number;
  /** Lost by this fault alone, among users who logged in after the count. */
  loggedOutOutsidePopulation?: number;
  /** Losses this fault or an overlapping one could have caused. */
  ambiguousLoggedOutUsers?: number;
  ambiguousLostUpdates?: number;
}

export interface Verdict {
  /** null: the run cannot decide. */
  matches: boolean | null;
  reason?: string;
}

/** Share of the users at risk an "all" loss may miss: users the run could not see again. */
const ALL_SHARE = 0.9;

/**
 * Does what happened fit what the documentation says? It compares what the fault
 * could have caused (its own losses plus those it shares with an overlapping
 * fault), and says when that cannot decide.
 */
export function matchesExpectation(expected: LossExpectation, observed: ObservedLosses): Verdict {
  const ownUsers = observed.loggedOutUsers + (observed.loggedOutOutsidePopulation ?? 0);
  const sharedUsers = observed.ambiguousLoggedOutUsers ?? 0;
  const sharedUpdates = observed.ambiguousLostUpdates ?? 0;
  switch (expected) {
    case 'none': {
      if (ownUsers > 0 || observed.lostUpdates > 0) {
        return {
          matches: false,
          reason: `${ownUsers} users logged out and ${observed.lostUpdates} updates lost at this fault`,
        };
      }
      if (sharedUsers > 0 || sharedUpdates > 0) {
        return {
          matches: null,
          reason: `${sharedUsers} logged-out users and ${sharedUpdates} lost updates could be this fault's or an overlapping one's`,
        };
      }
      return { matches: true };
    }
    case 'all': {
      const atRisk = observed.loggedInUsersAtFault;
      if (atRisk === undefined || atRisk === 0) {
        return { matches: null, reason: 'nobody was surely logged in when the fault was counted' };
      }
      const couldHave = Math.min(atRisk, observed.loggedOutUsers + sharedUsers);
      if (couldHave >= ALL_SHARE * atRisk && couldHave > 0) return { matches: true };
      return {
        matches: false,
        reason: `at most ${couldHave} of ${atRisk} users logged in at the fault were logged out by it`,
      };
    }
    case 'recent':
      return { matches: true };
  }
}
