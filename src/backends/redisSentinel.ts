import type { Redis } from 'ioredis';
import type { Member, RunningTopology, TopologySpec } from './serverSpec.js';
import { directPaths, info, withRedis } from './redisAdmin.js';
import { byIndex, memberAt, retryUntil, waitUntil } from './topologyAdmin.js';
import { hostPort } from './backend.js';

/** The name the sentinels monitor the primary under (`sentinel monitor <name> ...`). */
export const MASTER_NAME = 'sessions';
/** Sentinels that must agree the primary is down before a failover (of 3). */
const QUORUM = 2;
const FORM_TIMEOUT_MS = 30_000;

/** Settable timings of a Sentinel topology (Sentinel's own defaults: 30 s and 180 s). */
export interface SentinelTimings {
  downAfterMs: number;
  failoverTimeoutMs: number;
}

/**
 * Shorter than Sentinel's defaults (down-after-milliseconds 30000, failover-timeout
 * 180000) so that a failover fits a short run, yet well above the scheduling hiccups
 * of a loaded machine, which would otherwise fail over without a fault.
 */
export const SENTINEL_DEFAULTS: SentinelTimings = { downAfterMs: 2_000, failoverTimeoutMs: 10_000 };

/** `redis:sentinel-wait`: what makes a write wait for a replica. */
export interface WriteSafety {
  /** min-replicas-to-write / min-replicas-max-lag (seconds) on every node. */
  minReplicas?: { count: number; maxLagS: number };
  /** WAIT <replicas> <timeoutMs> after every write in the store; fewer acks fail the write. */
  wait?: { replicas: number; timeoutMs: number };
}

/** 1 primary (node0 at the start) + 2 replicas, watched by 3 sentinels (sentinel0..2). */
export function sentinelTopology(timings: SentinelTimings, safety: WriteSafety): TopologySpec {
  const configuration: Record<string, string> = {
    'sentinel monitor': `${MASTER_NAME} <node0> ${QUORUM}`,
    'down-after-milliseconds': String(timings.downAfterMs),
    'failover-timeout': String(timings.failoverTimeoutMs),
    'parallel-syncs': '1',
  };
  if (safety.minReplicas) {
    configuration['min-replicas-to-write'] = String(safety.minReplicas.count);
    configuration['min-replicas-max-lag'] = String(safety.minReplicas.maxLagS);
  }
  if (safety.wait) {
    configuration.WAIT = `${safety.wait.replicas} ${safety.wait.timeoutMs} (after every write)`;
  }
  return {
    kind: 'sentinel',
    configuration,
    peerLinks: true,
    form: (nodes, signal, peers) => replicateFromFirst(nodes, signal, peers),
    companions: {
      name: 'sentinel',
      count: 3,
      files: (placement, nodes) => ({
        'sentinel.conf': sentinelConf(placement.port, placement.dataDir, nodes[0]!, timings),
      }),
      args: (placement) => [`${placement.runDir}/sentinel.conf`, '--sentinel'],
      ready: async (endpoint) => {
        await withRedis(endpoint, (c) => c.call('SENTINEL', 'masters'));
      },
    },
    open: async (members, signal) => {
      await waitWhole(members, signal);
      return new SentinelRoles(members, safety, members.peers);
    },
  };
}

function sentinelConf(port: number, dir: string, primary: Member, t: SentinelTimings): string {
  const [host, primaryPort] = primary.endpoint.split(':');
  return [
    `port ${port}`,
    'bind 127.0.0.1',
    'daemonize no',
    'logfile ""',
    `dir ${dir}`,
    `sentinel monitor ${MASTER_NAME} ${host} ${primaryPort} ${QUORUM}`,
    `sentinel down-after-milliseconds ${MASTER_NAME} ${t.downAfterMs}`,
    `sentinel failover-timeout ${MASTER_NAME} ${t.failoverTimeoutMs}`,
    `sentinel parallel-syncs ${MASTER_NAME} 1`,
    '',
  ].join('\n');
}

/**
 * node1.. replicate node0. CONFIG REWRITE writes `replicaof` into the node's config
 * file, so a replica that is killed and started again comes back as a replica (the
 * sentinels rewrite it the same way when they fail over).
 *
 * With peer links every node announces its link (replica-announce-ip/-port): the
 * primary's INFO, and so the sentinels, know each node by it, and every later
 * REPLICAOF a sentinel sends at a failover names a link too. No node-to-node or
 * sentinel-to-node connection then bypasses the proxy.
 */
async function replicateFromFirst(
  nodes: Member[],
  signal: AbortSignal,
  peers?: Member[],
): Promise<void> {
  const [primary, ...replicas] = byIndex(nodes);
  const peerOf = (node: Member) => peers?.find((p) => p.name === node.name) ?? node;
  for (const node of peers ? nodes : []) {
    const announced = hostPort(peerOf(node).endpoint);
    // Rewritten into the config file: a node killed and started again still announces it.
    await withRedis(node.endpoint, async (c) => {
      await c.call('CONFIG', 'SET', 'replica-announce-ip', announced.host);
      await c.call('CONFIG', 'SET', 'replica-announce-port', String(announced.port));
      await c.call('CONFIG', 'REWRITE');
    });
  }
  const { host, port } = hostPort(peerOf(primary!).endpoint);
  for (const replica of replicas) {
    await withRedis(replica.endpoint, async (c) => {
      await c.call('REPLICAOF', host, String(port));
      await c.call('CONFIG', 'REWRITE');
    });
  }
  await waitUntil('replicas in sync with node0', FORM_TIMEOUT_MS, signal, async () => {
    for (const replica of replicas) {
      const fields = await withRedis(replica.endpoint, (c) => info(c, 'replication'));
      if (fields.master_link_status !== 'up') return false;
    }
    return true;
  });
}

/** Every sentinel knows both replicas and the two other sentinels: a failover can happen. */
async function waitWhole(
  members: { nodes: Member[]; companions: Member[] },
  signal: AbortSignal,
): Promise<void> {
  const replicas = members.nodes.length - 1;
  const others = members.companions.length - 1;
  await waitUntil(
    'sentinels that know every replica and each other',
    FORM_TIMEOUT_MS,
    signal,
    async () => {
      for (const sentinel of members.companions) {
        const ok = await withRedis(sentinel.endpoint, async (c) => {
          const seen = (await c.call('SENTINEL', 'replicas', MASTER_NAME)) as unknown[];
          const peers = (await c.call('SENTINEL', 'sentinels', MASTER_NAME)) as unknown[];
          return seen.length >= replicas && peers.length >= others;
        });
        if (!ok) return false;
      }
      return true;
    },
  );
}

/** Roles as the sentinels see them; the probe writes where they say the primary is. */
class SentinelRoles implements RunningTopology {
  readonly storeSettings: Record<string, string>;
  /** Nodes the sentinels have named primary at some time (roleMap's view). */
  private readonly named = new Set<string>();

  constructor(
    private readonly members: { nodes: Member[]; companions: Member[] },
    private readonly safety: WriteSafety,
    /** The nodes' peer links, which the sentinels know them by (absent: their own ports). */
    private readonly peers?: Member[],
  ) {
    this.storeSettings = {
      topology: 'sentinel',
      sentinels: members.companions.map((m) => m.endpoint).join(','),
      masterName: MASTER_NAME,
      ...(peers ? { natMap: JSON.stringify(directPaths(members.nodes, peers)) } : {}),
      ...(safety.wait
        ? {
            waitReplicas: String(safety.wait.replicas),
            waitTimeoutMs: String(safety.wait.timeoutMs),
          }
        : {}),
    };
  }

  /** The primary per the first sentinel that answers `SENTINEL get-master-addr-by-name`. */
  async primary(): Promise<Member | undefined> {
    for (const sentinel of this.members.companions) {
      const addr = await withRedis(sentinel.endpoint, (c) =>
        c.call('SENTINEL', 'get-master-addr-by-name', MASTER_NAME),
      ).catch(() => undefined);
      if (!Array.isArray(addr)) continue;
      const name =
        memberAt(this.members.nodes, String(addr[1])) ??
        memberAt(this.peers ?? [], String(addr[1]));
      return this.members.nodes.find((n) => n.name === name);
    }
    return undefined;
  }

  /** `primary`; `replica<i>`: the i-th of the other nodes by index, alive or not. */
  async resolveRole(role: string): Promise<string | undefined> {
    const primary = await this.primary();
    if (!primary) return undefined;
    if (role === 'primary') return primary.name;
    const match = /^replica(\d+)$/.exec(role);
    if (!match) return undefined;
    return byIndex(this.members.nodes.filter((n) => n !== primary))[Number(match[1])]?.name;
  }

  /**
   * The sentinels' primary; the other nodes replicas when they answer, else down. A node
   * acting as a primary the sentinels do not name is a `deposed primary` if they named it
   * before (a split brain: it accepts writes its demotion will discard), else
   * `promoting` (promoted, the sentinels not yet switched to it).
   */
  async roleMap(): Promise<Record<string, string>> {
    const primary = await this.primary();
    if (primary) this.named.add(primary.name);
    const roles: Record<string, string> = {};
    await Promise.all(
      this.members.nodes.map(async (node) => {
        const role = await withRedis(node.endpoint, (c) => c.call('ROLE')).catch(() => undefined);
        const own = Array.isArray(role) ? String(role[0]) : undefined;
        roles[node.name] = this.roleOf(node, own, primary);
      }),
    );
    return roles;
  }

  /** `own`: what the node says it is (ROLE), undefined when it does not answer. */
  private roleOf(node: Member, own: string | undefined, primary: Member | undefined): string {
    if (!own) return 'down';
    if (node === primary || (!primary && own === 'master')) return 'primary';
    if (own !== 'master') return 'replica';
    return this.named.has(node.name) ? 'deposed primary' : 'promoting';
  }

  firstAcknowledgedWrite(_formerPrimary: string, signal: AbortSignal): Promise<string> {
    return retryUntil(signal, async () => {
      const primary = await this.primary();
      if (!primary) return undefined;
      await withRedis(primary.endpoint, (c) => this.probeWrite(c));
      return primary.name;
    });
  }

  /** A SET like the store's (and its WAIT); a replica answers READONLY, a lonely primary NOREPLICAS. */
  private async probeWrite(client: Redis): Promise<void> {
    await client.set('session-bench:probe', String(Date.now()));
    const wait = this.safety.wait;
    if (!wait) return;
    const acked = (await client.call('WAIT', wait.replicas, wait.timeoutMs)) as number;
    if (acked < wait.replicas) throw new Error(`WAIT: ${acked} replicas acknowledged`);
  }

  async close(): Promise<void> {}
}
