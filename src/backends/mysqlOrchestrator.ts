import { sleep } from '../lifecycle/sleep.js';
import { withTimeout } from '../lifecycle/withTimeout.js';
import type { FrontLink, Member, RunningTopology } from './serverSpec.js';
import { FailureDetector } from './failureDetector.js';
import {
  createProbeTable,
  globalValue,
  rows,
  slaveStatus,
  withMysql,
  writeProbe,
  type MysqlLogin,
} from './mysqlAdmin.js';
import { errantGtids, rejoinAsReplica } from './mysqlRejoin.js';
import { byIndex, retryUntil } from './topologyAdmin.js';

/*
 * session-bench as the orchestrator of a MariaDB primary + replica (MariaDB has no
 * failover of its own; orchestrator, MaxScale or MHA do this in production):
 *  - every `checkIntervalMs` it checks the primary with SELECT 1, through the
 *    primary's peer link when there is one (where an orchestrator stands: cut off
 *    from the primary with the other nodes, not with the app);
 *  - once every check for `detectionMs` failed it promotes the replica: STOP SLAVE
 *    IO_THREAD, waits until the relay log is applied (MASTER_GTID_WAIT on Gtid_IO_Pos:
 *    what the replica received, semi-sync acknowledged or not, is kept), STOP SLAVE,
 *    RESET SLAVE ALL, SET GLOBAL read_only=0; then points the front link (the app's
 *    one address, a virtual IP) at it, which resets the app's connections;
 *  - only a node that replicates from the primary is promoted;
 *  - a former primary that comes back rejoins as a read-only replica of the new primary
 *    (CHANGE MASTER TO ... MASTER_USE_GTID=current_pos, as orchestrator and MaxScale do)
 *    only when its binlog holds no GTID the new primary lacked at its promotion. With
 *    errant GTIDs (commits it acknowledged that never reached the replica: the lost
 *    ones) replaying the new primary's rows onto it is not safe without rebuilding it,
 *    so it stays out ("deposed primary", `errant` lists them): never promoted, never
 *    pointed at by the front link.
 *  - semi-sync: a promoted node has no replica to wait for (its master side is off);
 *    it is turned on once a former primary rejoined as its replica.
 */

export interface OrchestratorOptions {
  /** Administers the nodes (STOP SLAVE, SET GLOBAL). */
  admin: MysqlLogin;
  /** The app's own user (no READ ONLY ADMIN: read_only refuses its writes on a replica). */
  app: MysqlLogin;
  detectionMs: number;
  checkIntervalMs: number;
  /** The replication user (same password as `admin`). */
  replUser: string;
  semiSync: boolean;
}

/** How long a promotion waits for the relay log to be applied (s, MASTER_GTID_WAIT). */
const RELAY_APPLY_TIMEOUT_S = 10;
/** One check of the primary may take this long (below the check interval). */
const CHECK_TIMEOUT_MS = 400;
/**
 * STOP SLAVE waits for the replica's IO thread, which a cut link can hold in a network
 * read until slave_net_timeout: a promotion's statements get this long.
 */
const PROMOTE_STATEMENT_TIMEOUT_MS = 10_000;

export class MysqlOrchestrator implements RunningTopology {
  readonly storeSettings: Record<string, string> = {};
  private primaryName: string;
  /** Former primaries not (yet) rejoined, with the new primary's GTID position at their deposal. */
  private readonly deposed = new Map<string, string>();
  /** Former primaries that cannot rejoin: their GTIDs the new primary never had. */
  readonly errant = new Map<string, string[]>();
  private rejoining: Promise<void> | undefined;
  /** The node being promoted, until the front link points at it. */
  private promoting: string | undefined;
  private readonly detector: FailureDetector;
  private readonly stop = new AbortController();
  private monitor: Promise<void> | undefined;
  /** Each promotion: when (performance.now()) and which node. */
  readonly promotions: { atMs: number; from: string; to: string }[] = [];

  constructor(
    private readonly members: { nodes: Member[]; peers?: Member[]; front?: FrontLink },
    private readonly options: OrchestratorOptions,
  ) {
    this.primaryName = byIndex(members.nodes)[0]!.name;
    this.detector = new FailureDetector(options.detectionMs);
  }

  /** Creates the probe's table on the primary (it replicates) and starts the monitor. */
  async start(): Promise<this> {
    await withMysql(this.node(this.primaryName).endpoint, this.options.app, (c) =>
      createProbeTable(c),
    );
    this.monitor = this.watch();
    return this;
  }

  private node(name: string): Member {
    return this.members.nodes.find((n) => n.name === name)!;
  }

  /** Where the orchestrator reaches a node: its peer link when placed. */
  private adminPath(name: string): string {
    return (this.members.peers?.find((p) => p.name === name) ?? this.node(name)).endpoint;
  }

  private async watch(): Promise<void> {
    const signal = this.stop.signal;
    while (!signal.aborted) {
      const startedMs = performance.now();
      // Bounded here too: a connection behind a cut link can hang in its handshake
      // whatever the driver's timeouts say.
      const ok = await withTimeout(
        withMysql(this.adminPath(this.primaryName), this.options.admin, (c) => rows(c, 'SELECT 1')),
        CHECK_TIMEOUT_MS,
        'a check of the primary',
      ).then(
        () => true,
        () => false,
      );
      if (this.detector.observe(ok, performance.now(), startedMs) && !signal.aborted) {
        // A failed promotion (the replica did not answer in time) is tried at the next check.
        await this.failover().catch(() => undefined);
      }
      // In the background: a rejoin must not delay the next check.
      if (ok && this.deposed.size > 0) {
        this.rejoining ??= this.rejoinDeposed().finally(() => (this.rejoining = undefined));
      }
      await sleep(this.options.checkIntervalMs, signal);
    }
  }

  /** Promotes the first node that replicates; none: waits (the window stays open). */
  private async failover(): Promise<void> {
    const candidate = await this.candidate();
    if (!candidate) return;
    this.promoting = candidate;
    try {
      const promotedAt = await this.promote(candidate);
      await this.members.front?.pointAt(this.node(candidate));
      this.promotions.push({ atMs: performance.now(), from: this.primaryName, to: candidate });
      this.deposed.set(this.primaryName, promotedAt);
      this.primaryName = candidate;
      this.detector.reset();
    } finally {
      this.promoting = undefined;
    }
  }

  private async candidate(): Promise<string | undefined> {
    for (const node of byIndex(this.members.nodes)) {
      if (node.name === this.primaryName || this.deposed.has(node.name)) continue;
      const status = await withMysql(
        this.adminPath(node.name),
        this.options.admin,
        slaveStatus,
      ).catch(() => undefined);
      if (status) return node.name;
    }
    return undefined;
  }

  /**
   * Applies what the replica received, then makes it a writable primary of nobody;
   * resolves with its GTID position then (what a former primary may hold to rejoin).
   */
  private async promote(name: string): Promise<string> {
    return withMysql(this.adminPath(name), this.options.admin, async (c) => {
      const run = (sql: string, params: unknown[] = []) =>
        rows(c, sql, params, PROMOTE_STATEMENT_TIMEOUT_MS);
      await run('STOP SLAVE IO_THREAD');
      const received = String((await slaveStatus(c))?.Gtid_IO_Pos ?? '');
      if (received) await run('SELECT MASTER_GTID_WAIT(?, ?)', [received, RELAY_APPLY_TIMEOUT_S]);
      await run('STOP SLAVE');
      await run('RESET SLAVE ALL');
      if (this.options.semiSync) await run('SET GLOBAL rpl_semi_sync_master_enabled = OFF');
      await run('SET GLOBAL read_only = 0');
      return (await globalValue(c, 'VARIABLES', 'gtid_binlog_pos')) ?? '';
    });
  }

  /** Each former primary that answers: rejoined when it has no errant GTID, else kept out. */
  private async rejoinDeposed(): Promise<void> {
    for (const [name, promotedAt] of this.deposed) {
      if (this.errant.has(name) || !(await this.hasNoErrant(name, promotedAt))) continue;
      // Semi-sync on before the replica connects: a replica that connected first is
      // served asynchronously until it reconnects.
      if (this.options.semiSync) await this.setSemiSync(true);
      const rejoined = await withMysql(this.adminPath(name), this.options.admin, (c) =>
        rejoinAsReplica(c, this.adminPath(this.primaryName), {
          replUser: this.options.replUser,
          password: this.options.admin.password,
        }),
      ).then(
        () => true,
        () => false,
      );
      if (rejoined) this.deposed.delete(name);
      else if (this.options.semiSync) await this.setSemiSync(false);
    }
  }

  /** False when it does not answer, or holds errant GTIDs (then recorded in `errant`). */
  private async hasNoErrant(name: string, promotedAt: string): Promise<boolean> {
    const own = await withMysql(this.adminPath(name), this.options.admin, (c) =>
      globalValue(c, 'VARIABLES', 'gtid_binlog_pos'),
    ).catch(() => undefined);
    if (own === undefined) return false;
    const errant = errantGtids(own, promotedAt);
    if (errant.length > 0) this.errant.set(name, errant);
    return errant.length === 0;
  }

  private async setSemiSync(on: boolean): Promise<void> {
    await withMysql(this.adminPath(this.primaryName), this.options.admin, (c) =>
      rows(c, `SET GLOBAL rpl_semi_sync_master_enabled = ${on ? 'ON' : 'OFF'}`),
    ).catch(() => undefined);
  }

  async primary(): Promise<Member | undefined> {
    return this.node(this.primaryName);
  }

  /** `primary`; `replica<i>`: the i-th of the other nodes by index, alive or not. */
  async resolveRole(role: string): Promise<string | undefined> {
    if (role === 'primary') return this.primaryName;
    const match = /^replica(\d+)$/.exec(role);
    if (!match) return undefined;
    const others = byIndex(this.members.nodes).filter((n) => n.name !== this.primaryName);
    return others[Number(match[1])]?.name;
  }

  /** primary / replica / deposed primary / standalone by what each node says; down when it does not answer. */
  async roleMap(): Promise<Record<string, string>> {
    const roles: Record<string, string> = {};
    await Promise.all(
      this.members.nodes.map(async (node) => {
        const replicating = await withMysql(node.endpoint, this.options.admin, slaveStatus).then(
          (s) => s !== undefined,
          () => undefined,
        );
        roles[node.name] = roleOf(node.name, replicating, {
          primary: this.primaryName,
          deposed: this.deposed,
          ...(this.promoting ? { promoting: this.promoting } : {}),
        });
      }),
    );
    return roles;
  }

  firstAcknowledgedWrite(_formerPrimary: string, signal: AbortSignal): Promise<string> {
    return retryUntil(signal, async () => {
      const name = this.primaryName;
      const via = this.members.front?.endpoint ?? this.node(name).endpoint;
      await withMysql(via, this.options.app, writeProbe);
      return this.members.front?.target ?? name;
    });
  }

  /** Semi-sync status of a node (Rpl_semi_sync_master_status: ON while a replica acknowledges). */
  async semiSyncStatus(name: string): Promise<string | undefined> {
    return withMysql(this.node(name).endpoint, this.options.admin, (c) =>
      globalValue(c, 'STATUS', 'Rpl_semi_sync_master_status'),
    );
  }

  async close(): Promise<void> {
    this.stop.abort();
    await this.monitor;
    await this.rejoining;
  }
}

/**
 * A node's role: `replicating` is whether it has a replication source (undefined: it
 * did not answer). The orchestrator's primary is `primary`; a former primary that came
 * back `deposed primary`; the node being promoted `promoting` (until the front link
 * points at it); a node that answers without a source `standalone`.
 */
export function roleOf(
  name: string,
  replicating: boolean | undefined,
  state: { primary: string; deposed: { has(name: string): boolean }; promoting?: string },
): string {
  if (replicating === undefined) return 'down';
  if (name === state.primary) return 'primary';
  if (name === state.promoting) return 'promoting';
  if (replicating) return 'replica';
  return state.deposed.has(name) ? 'deposed primary' : 'standalone';
}
