import type { Redis } from 'ioredis';
import type { Member, RunningTopology, TopologySpec } from './serverSpec.js';
import { directPaths, info, withRedis } from './redisAdmin.js';
import { byIndex, memberAt, retryUntil, waitUntil } from './topologyAdmin.js';
import { hostPort } from './backend.js';

/** Redis's default is 15000 ms; shorter so a failover fits a short run (stated in the result). */
export const CLUSTER_NODE_TIMEOUT_MS = 2_000;
const SLOTS = 16384;
const PRIMARIES = 3;
const FORM_TIMEOUT_MS = 30_000;

/** A node's cluster bus among the peer links: `node0.bus`. */
const BUS = '.bus';

/**
 * 3 primaries (node0..2, slots split evenly) + 3 replicas (node3..5, node<i+3>
 * replicates node<i>), every node announcing 127.0.0.1 and its own bus port. With
 * peer links a node announces the links of its data port and of its bus, so the
 * replicas' sync and the gossip cross them; the app, told the nodes' own ports by
 * natMap, does not (a partitioned primary still serves it: a split brain).
 */
export function clusterTopology(nodeTimeoutMs: number): TopologySpec {
  return {
    kind: 'cluster',
    configuration: {
      'cluster-node-timeout': String(nodeTimeoutMs),
      'cluster-replicas': '1',
      'cluster-require-full-coverage': 'yes',
      'cluster-announce-ip': '127.0.0.1',
    },
    extraPorts: 1,
    peerLinks: true,
    peerEndpoints: async (nodes) => [
      ...nodes,
      ...(await Promise.all(
        nodes.map(async (n) => ({
          name: `${n.name}${BUS}`,
          endpoint: await busOf(n),
          // A bus message names its sender's port: a partition holds what the cut node sends.
          speaks: 'redis-cluster-bus' as const,
        })),
      )),
    ],
    form: (nodes, signal, peers) => formCluster(byIndex(nodes), signal, peers),
    open: async (members, signal) => {
      await waitUntil('cluster state ok on every node', FORM_TIMEOUT_MS, signal, async () => {
        for (const node of members.nodes) {
          const fields = await withRedis(node.endpoint, (c) =>
            clusterInfo(c.call('CLUSTER', 'INFO')),
          );
          if (
            fields.cluster_state !== 'ok' ||
            fields.cluster_known_nodes !== String(members.nodes.length)
          )
            return false;
        }
        return true;
      });
      return new ClusterRoles(members.nodes, members.peers);
    },
  };
}

/** The node arguments that make a node a cluster member (beside its persistence). */
export function clusterArgs(busPort: number, nodeTimeoutMs: number): string[] {
  return [
    '--cluster-enabled',
    'yes',
    '--cluster-config-file',
    'nodes.conf',
    '--cluster-node-timeout',
    String(nodeTimeoutMs),
    '--cluster-port',
    String(busPort),
    '--cluster-announce-ip',
    '127.0.0.1',
  ];
}

/** The node's cluster bus, host:port (not port + 10000 here: --cluster-port). */
async function busOf(node: Member): Promise<string> {
  const [, busPort] = (await withRedis(node.endpoint, (c) =>
    c.call('CONFIG', 'GET', 'cluster-port'),
  )) as [string, string];
  return `${hostPort(node.endpoint).host}:${busPort}`;
}

/** The peer link of `name` (`node0`, `node0.bus`). */
function linkOf(peers: Member[], name: string): { host: string; port: number } {
  const peer = peers.find((p) => p.name === name);
  if (!peer) throw new Error(`no peer link ${name}`);
  return hostPort(peer.endpoint);
}

/**
 * Every node announces its links, rewritten into its config file so that a node
 * started again still does: its peers then reach it only through them.
 */
async function announcePeerLinks(nodes: Member[], peers: Member[]): Promise<void> {
  for (const node of nodes) {
    const data = linkOf(peers, node.name).port;
    const bus = linkOf(peers, `${node.name}${BUS}`).port;
    await withRedis(node.endpoint, async (c) => {
      await c.call('CONFIG', 'SET', 'cluster-announce-port', String(data));
      await c.call('CONFIG', 'SET', 'cluster-announce-bus-port', String(bus));
      await c.call('CONFIG', 'REWRITE');
    });
  }
}

/** CLUSTER MEET, ADDSLOTSRANGE on the primaries, REPLICATE on the replicas (what redis-cli --cluster create does). */
async function formCluster(nodes: Member[], signal: AbortSignal, peers?: Member[]): Promise<void> {
  const first = nodes[0]!;
  if (peers) await announcePeerLinks(nodes, peers);
  // MEET names the bus port too: it is not port + 10000 here.
  const meet = peers ? linkOf(peers, first.name) : hostPort(first.endpoint);
  const bus = peers ? linkOf(peers, `${first.name}${BUS}`) : hostPort(await busOf(first));
  for (const node of nodes.slice(1)) {
    await withRedis(node.endpoint, (c) =>
      c.call('CLUSTER', 'MEET', meet.host, meet.port, bus.port),
    );
  }
  for (let i = 0; i < PRIMARIES; i++) {
    const from = Math.floor((i * SLOTS) / PRIMARIES);
    const to = Math.floor(((i + 1) * SLOTS) / PRIMARIES) - 1;
    await withRedis(nodes[i]!.endpoint, (c) => c.call('CLUSTER', 'ADDSLOTSRANGE', from, to));
  }
  const ids = await Promise.all(
    nodes.map((n) => withRedis(n.endpoint, (c) => c.call('CLUSTER', 'MYID'))),
  );
  await waitUntil('every node knows every other', FORM_TIMEOUT_MS, signal, async () => {
    for (const node of nodes) {
      const text = String(await withRedis(node.endpoint, (c) => c.call('CLUSTER', 'NODES')));
      if (text.trim().split('\n').length < nodes.length) return false;
    }
    return true;
  });
  for (let i = PRIMARIES; i < nodes.length; i++) {
    const primaryId = String(ids[i - PRIMARIES]);
    await waitUntil(
      `node${i} replicating node${i - PRIMARIES}`,
      FORM_TIMEOUT_MS,
      signal,
      async () => {
        await withRedis(nodes[i]!.endpoint, (c) => c.call('CLUSTER', 'REPLICATE', primaryId));
        return true;
      },
    );
  }
  await waitUntil('replicas in sync', FORM_TIMEOUT_MS, signal, async () => {
    for (const node of nodes.slice(PRIMARIES)) {
      const fields = await withRedis(node.endpoint, (c) => info(c, 'replication'));
      if (fields.master_link_status !== 'up') return false;
    }
    return true;
  });
}

async function clusterInfo(reply: Promise<unknown>): Promise<Record<string, string>> {
  const fields: Record<string, string> = {};
  for (const line of String(await reply).split('\r\n')) {
    const [key, value] = line.split(':');
    if (key && value !== undefined) fields[key] = value;
  }
  return fields;
}

/** One line of CLUSTER NODES, as far as roles need it. */
interface ClusterNode {
  id: string;
  port: number;
  primary: boolean;
  failed: boolean;
  /** For a replica: its primary's id. */
  primaryId?: string;
  slots: [number, number][];
}

export function parseClusterNodes(text: string): ClusterNode[] {
  return text
    .trim()
    .split('\n')
    .map((line) => {
      const [id, address, flags, primaryId, , , , , ...slots] = line.split(' ');
      const port = Number(/:(\d+)@/.exec(address ?? '')?.[1]);
      const flagList = (flags ?? '').split(',');
      return {
        id: id!,
        port,
        primary: flagList.includes('master'),
        failed: flagList.includes('fail') || flagList.includes('fail?'),
        ...(primaryId && primaryId !== '-' ? { primaryId } : {}),
        slots: slots
          .filter((s) => !s.startsWith('['))
          .map((s) => {
            const [from, to] = s.split('-').map(Number);
            return [from!, to ?? from!] as [number, number];
          }),
      };
    });
}

/** CRC16-XMODEM mod 16384: Redis Cluster's key slot (no hash tags in the keys used here). */
export function keySlot(key: string): number {
  let crc = 0;
  for (const byte of Buffer.from(key)) {
    crc ^= byte << 8;
    for (let k = 0; k < 8; k++)
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % SLOTS;
}

/**
 * `primary` is the primary holding the most keys (DBSIZE: the run's sessions are the
 * only keys) among those serving slots now; `replica<i>` the i-th replica of it.
 */
class ClusterRoles implements RunningTopology {
  readonly storeSettings: Record<string, string>;
  /** Slot ranges of each node that was primary when a role was resolved: the probe's target. */
  private readonly slotsOf = new Map<string, [number, number][]>();

  constructor(
    private readonly nodes: Member[],
    /** The nodes' peer links (and their buses'): the ports the cluster knows them by. */
    private readonly peers?: Member[],
  ) {
    this.storeSettings = {
      topology: 'cluster',
      ...(peers ? { natMap: JSON.stringify(directPaths(nodes, peers)) } : {}),
    };
  }

  /** The node the cluster knows by `port` (its own, or its peer link's). */
  private nodeAt(port: number): Member | undefined {
    const name = memberAt(this.nodes, port) ?? memberAt(this.peers ?? [], port);
    return this.nodes.find((n) => n.name === name);
  }

  /** Asks the node itself, never through its peer link (which a partition may hold). */
  private direct<T>(port: number, act: (c: Redis) => Promise<T>): Promise<T> {
    const node = this.nodeAt(port);
    if (!node) return Promise.reject(new Error(`no node at port ${port}`));
    return withRedis(node.endpoint, act);
  }

  /**
   * The cluster's view: of the nodes that answer, the one that holds the fewest nodes
   * failed. A node cut off from its peers holds all of them failed; the majority's
   * view is the cluster's.
   */
  private async view(): Promise<ClusterNode[] | undefined> {
    const views = await Promise.all(
      this.nodes.map((node) =>
        withRedis(node.endpoint, (c) => c.call('CLUSTER', 'NODES')).then(
          (text) => parseClusterNodes(String(text)),
          () => undefined,
        ),
      ),
    );
    const failed = (view: ClusterNode[]) => view.filter((n) => n.failed).length;
    let best: ClusterNode[] | undefined;
    for (const view of views) if (view && (!best || failed(view) < failed(best))) best = view;
    return best;
  }

  async resolveRole(role: string): Promise<string | undefined> {
    const view = await this.view();
    if (!view) return undefined;
    const primaries = view.filter((n) => n.primary && !n.failed && n.slots.length > 0);
    const sizes = await Promise.all(
      primaries.map((p) => this.direct(p.port, (c) => c.dbsize()).catch(() => -1)),
    );
    const top = primaries[sizes.indexOf(Math.max(...sizes))];
    const topName = top && this.nodeAt(top.port)?.name;
    if (!top || !topName) return undefined;
    this.slotsOf.set(topName, top.slots);
    if (role === 'primary') return topName;
    const match = /^replica(\d+)$/.exec(role);
    if (!match) return undefined;
    const replicas = view.filter((n) => n.primaryId === top.id).sort((a, b) => a.port - b.port);
    const replica = replicas[Number(match[1])];
    return replica ? this.nodeAt(replica.port)?.name : undefined;
  }

  /**
   * Roles as the cluster sees them: primaries serving slots, replicas. A node the
   * cluster holds failed is asked itself: `down` if it does not answer, a `deposed
   * primary` if it still acts as one (cut off from its peers: a split brain).
   */
  async roleMap(): Promise<Record<string, string>> {
    const roles: Record<string, string> = {};
    await Promise.all(
      ((await this.view()) ?? []).map(async (node) => {
        const name = this.nodeAt(node.port)?.name;
        if (!name) return;
        if (!node.failed) return void (roles[name] = node.primary ? 'primary' : 'replica');
        const own = await this.direct(node.port, (c) => c.call('ROLE')).catch(() => undefined);
        if (!Array.isArray(own)) roles[name] = 'down';
        else roles[name] = own[0] === 'master' ? 'deposed primary' : 'replica';
      }),
    );
    return roles;
  }

  /** Writes a key in the first slot `formerPrimary` served, to whichever node serves it now. */
  firstAcknowledgedWrite(formerPrimary: string, signal: AbortSignal): Promise<string> {
    const slot = this.slotsOf.get(formerPrimary)?.[0]?.[0] ?? 0;
    let n = 0;
    while (keySlot(`session-bench:probe:${n}`) !== slot) n++;
    const key = `session-bench:probe:${n}`;
    return retryUntil(signal, async () => {
      const view = await this.view();
      const owner = view?.find(
        (v) => v.primary && !v.failed && v.slots.some(([a, b]) => slot >= a && slot <= b),
      );
      if (!owner) return undefined;
      await this.direct(owner.port, (c) => c.set(key, String(Date.now())));
      return this.nodeAt(owner.port)?.name;
    });
  }

  async close(): Promise<void> {}
}
