import { sleep } from '../lifecycle/sleep.js';
import type { FrontLink, Member, RunningTopology } from './serverSpec.js';
import { FailureDetector } from './failureDetector.js';
import { galeraStatus, serves, type NodeStatus } from './galeraAdmin.js';
import { createProbeTable, rows, withMysql, writeProbe, type MysqlLogin } from './mysqlAdmin.js';
import { byIndex, retryUntil } from './topologyAdmin.js';

/** A load balancer's health check of the node the front points at. */
export interface GaleraMonitor {
  checkIntervalMs: number;
  /** Failed checks for this long take the node out of the front (FailureDetector). */
  detectionMs: number;
}

/**
 * The primary of a Galera cluster is the node the front link points at (every node
 * accepts writes; the app writes where the balancer sends it). A health check every
 * `checkIntervalMs` asks that node's wsrep status; once it has failed the health rule
 * (`serves`) for `detectionMs`, the front moves to the first other node that passes it.
 * With none passing (no primary component) the front stays and the window stays open.
 */
export class GaleraRoles implements RunningTopology {
  readonly storeSettings: Record<string, string> = {};
  private readonly stopped = new AbortController();
  private readonly detector: FailureDetector;
  private readonly loop: Promise<void>;

  constructor(
    private readonly nodes: Member[],
    private readonly login: MysqlLogin,
    private readonly monitor: GaleraMonitor,
    private readonly front: FrontLink,
  ) {
    this.detector = new FailureDetector(monitor.detectionMs);
    this.loop = this.watch();
  }

  /** The node the app's writes go to now. */
  get target(): string {
    return this.front.target;
  }

  private async watch(): Promise<void> {
    const signal = this.stopped.signal;
    while (!signal.aborted) {
      const startedMs = performance.now();
      const ok = serves(await this.status(this.target));
      if (this.detector.observe(ok, performance.now(), startedMs) && !signal.aborted) {
        if (await this.moveFront()) this.detector.reset();
      }
      await sleep(this.monitor.checkIntervalMs, signal).catch(() => undefined);
    }
  }

  /** Points the front at the first other node that serves; false when none does. */
  private async moveFront(): Promise<boolean> {
    for (const node of byIndex(this.nodes.filter((n) => n.name !== this.target))) {
      if (!serves(await this.status(node.name))) continue;
      await this.front.pointAt(node);
      return true;
    }
    return false;
  }

  private status(name: string): Promise<NodeStatus | undefined> {
    const node = this.nodes.find((n) => n.name === name);
    if (!node) return Promise.resolve(undefined);
    return galeraStatus(node.endpoint, this.login).catch(() => undefined);
  }

  /** `primary`: the front's node; `replica<i>`: the i-th of the others by index. */
  resolveRole(role: string): Promise<string | undefined> {
    if (role === 'primary') return Promise.resolve(this.target);
    const match = /^replica(\d+)$/.exec(role);
    const others = byIndex(this.nodes.filter((n) => n.name !== this.target));
    return Promise.resolve(match ? others[Number(match[1])]?.name : undefined);
  }

  /** primary (the front's node, serving) / synced / joining / donor / non-primary / down. */
  async roleMap(): Promise<Record<string, string>> {
    const roles: Record<string, string> = {};
    await Promise.all(
      this.nodes.map(async (node) => {
        roles[node.name] = roleOf(await this.status(node.name), node.name === this.target);
      }),
    );
    return roles;
  }

  /**
   * Writes a probe row through the front until one commits; resolves with the node
   * that committed it (its wsrep_node_name, asked on the same connection: the front
   * may move between two attempts).
   */
  firstAcknowledgedWrite(_formerPrimary: string, signal: AbortSignal): Promise<string> {
    return retryUntil(signal, () =>
      withMysql(this.front.endpoint, this.login, async (c) => {
        await createProbeTable(c);
        await writeProbe(c);
        const [me] = await rows(c, 'SELECT @@wsrep_node_name AS name');
        return String(me?.name ?? this.target);
      }),
    );
  }

  async close(): Promise<void> {
    this.stopped.abort();
    await this.loop;
  }
}

export function roleOf(status: NodeStatus | undefined, fronted: boolean): string {
  if (!status) return 'down';
  if (status.clusterStatus !== 'Primary') return 'non-primary';
  if (serves(status)) return fronted ? 'primary' : 'synced';
  if (/^(Donor|Desynced)/.test(status.state)) return 'donor';
  return 'joining';
}
