import { setTimeout as sleep } from 'node:timers/promises';
import type { FrontLink, Member, RunningTopology } from './serverSpec.js';
import { byIndex, retryUntil } from './topologyAdmin.js';
import { nodeStatus, serves, withNode, type Login, type NodeStatus } from './galeraAdmin.js';

/** A load balancer's health check of the node the front points at. */
export interface GaleraMonitor {
  intervalMs: number;
  /** Consecutive failed checks that take the node out: detection window = interval x this. */
  failuresToDown: number;
}

const PROBE_TABLE = 'session_bench_probe';

/**
 * The primary of a Galera cluster is the node the front link points at (every node
 * accepts writes; the app writes where the balancer sends it). A health check moves the
 * front to another Synced node when that one stops answering as Synced.
 */
export class GaleraRoles implements RunningTopology {
  readonly storeSettings: Record<string, string> = { topology: 'galera' };
  private current: string;
  private readonly stopped = new AbortController();
  private readonly loop: Promise<void>;

  constructor(
    private readonly nodes: Member[],
    private readonly login: Login,
    private readonly monitor: GaleraMonitor,
    private readonly front?: FrontLink,
  ) {
    this.current = front?.target ?? byIndex(nodes)[0]!.name;
    this.loop = this.watch();
  }

  /** The node the app's writes go to now. */
  get target(): string {
    return this.front?.target ?? this.current;
  }

  private async watch(): Promise<void> {
    let failures = 0;
    while (!this.stopped.signal.aborted) {
      await sleep(this.monitor.intervalMs, undefined, { signal: this.stopped.signal }).catch(
        () => undefined,
      );
      if (this.stopped.signal.aborted) return;
      const ok = await this.status(this.target).then((s) => s !== undefined && serves(s));
      failures = ok ? 0 : failures + 1;
      if (failures >= this.monitor.failuresToDown && (await this.moveFront())) failures = 0;
    }
  }

  /** Points the front at the first other node that is Synced; false when none is. */
  private async moveFront(): Promise<boolean> {
    for (const node of byIndex(this.nodes.filter((n) => n.name !== this.target))) {
      const status = await this.status(node.name);
      if (!status || !serves(status)) continue;
      if (this.front) await this.front.pointAt(node);
      this.current = node.name;
      return true;
    }
    return false;
  }

  private status(name: string): Promise<NodeStatus | undefined> {
    const node = this.nodes.find((n) => n.name === name);
    if (!node) return Promise.resolve(undefined);
    return withNode(node.endpoint, this.login, (c) => nodeStatus(c)).catch(() => undefined);
  }

  /** `primary`: the front's node; `replica<i>`: the i-th of the others by index. */
  resolveRole(role: string): Promise<string | undefined> {
    if (role === 'primary') return Promise.resolve(this.target);
    const match = /^replica(\d+)$/.exec(role);
    const others = byIndex(this.nodes.filter((n) => n.name !== this.target));
    return Promise.resolve(match ? others[Number(match[1])]?.name : undefined);
  }

  /** primary (the front's node, Synced) / synced / joining / donor / down. */
  async roleMap(): Promise<Record<string, string>> {
    const roles: Record<string, string> = {};
    await Promise.all(
      this.nodes.map(async (node) => {
        roles[node.name] = roleOf(await this.status(node.name), node.name === this.target);
      }),
    );
    return roles;
  }

  /** Writes a probe row through the front (or the node it would point at) until one commits. */
  firstAcknowledgedWrite(_formerPrimary: string, signal: AbortSignal): Promise<string> {
    return retryUntil(signal, async () => {
      const name = this.target;
      const endpoint = this.front?.endpoint ?? this.nodes.find((n) => n.name === name)!.endpoint;
      await withNode(endpoint, this.login, async (c) => {
        await c.query(`CREATE TABLE IF NOT EXISTS ${PROBE_TABLE} (id INT PRIMARY KEY, at BIGINT)`);
        await c.query(`REPLACE INTO ${PROBE_TABLE} VALUES (1, ?)`, [Date.now()]);
      });
      return name;
    });
  }

  async close(): Promise<void> {
    this.stopped.abort();
    await this.loop;
  }
}

export function roleOf(status: NodeStatus | undefined, fronted: boolean): string {
  if (!status) return 'down';
  if (status.clusterStatus !== 'Primary') return 'non-primary';
  if (status.state === 'Synced') return fronted ? 'primary' : 'synced';
  if (/^(Donor|Desynced)/.test(status.state)) return 'donor';
  return 'joining';
}
