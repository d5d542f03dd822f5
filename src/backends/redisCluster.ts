import type { Member, RunningTopology, TopologySpec } from './serverSpec.js';
import { byIndex, info, memberAt, retryUntil, waitUntil, withRedis } from './redisAdmin.js';

/** Redis's default is 15000 ms; shorter so a failover fits a short run (stated in the result). */
export const CLUSTER_NODE_TIMEOUT_MS = 2_000;
const SLOTS = 16384;
const PRIMARIES = 3;
const FORM_TIMEOUT_MS = 30_000;

/**
 * 3 primaries (node0..2, slots split evenly) + 3 replicas (node3..5, node<i+3>
 * replicates node<i>), every node announcing 127.0.0.1 and its own bus port.
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
    form: (nodes, signal) => formCluster(byIndex(nodes), signal),
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
      return new ClusterRoles(members.nodes);
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

/** CLUSTER MEET, ADDSLOTSRANGE on the primaries, REPLICATE on the replicas (what redis-cli --cluster create does). */
async function formCluster(nodes: Member[], signal: AbortSignal): Promise<void> {
  const [first] = nodes;
  const [host, port] = first!.endpoint.split(':') as [string, string];
  // The bus port is not port + 10000 here (--cluster-port): MEET must name it.
  const [, busPort] = (await withRedis(first!.endpoint, (c) =>
    c.call('CONFIG', 'GET', 'cluster-port'),
  )) as [string, string];
  for (const node of nodes.slice(1)) {
    await withRedis(node.endpoint, (c) => c.call('CLUSTER', 'MEET', host, port, busPort));
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
  readonly storeSettings = { topology: 'cluster' };
  /** Slot ranges of each node that was primary when a role was resolved: the probe's target. */
  private readonly slotsOf = new Map<string, [number, number][]>();

  constructor(private readonly nodes: Member[]) {}

  private async view(): Promise<ClusterNode[] | undefined> {
    for (const node of this.nodes) {
      const text = await withRedis(node.endpoint, (c) => c.call('CLUSTER', 'NODES')).catch(
        () => undefined,
      );
      if (text !== undefined) return parseClusterNodes(String(text));
    }
    return undefined;
  }

  async resolveRole(role: string): Promise<string | undefined> {
    const view = await this.view();
    if (!view) return undefined;
    const primaries = view.filter((n) => n.primary && !n.failed && n.slots.length > 0);
    const sizes = await Promise.all(
      primaries.map((p) => withRedis(`127.0.0.1:${p.port}`, (c) => c.dbsize()).catch(() => -1)),
    );
    const top = primaries[sizes.indexOf(Math.max(...sizes))];
    if (!top) return undefined;
    const topName = memberAt(this.nodes, top.port)!;
    this.slotsOf.set(topName, top.slots);
    if (role === 'primary') return topName;
    const match = /^replica(\d+)$/.exec(role);
    if (!match) return undefined;
    const replicas = view.filter((n) => n.primaryId === top.id).sort((a, b) => a.port - b.port);
    const replica = replicas[Number(match[1])];
    return replica ? memberAt(this.nodes, replica.port) : undefined;
  }

  /** Roles as the cluster sees them: primaries serving slots, replicas, failed nodes down. */
  async roleMap(): Promise<Record<string, string>> {
    const roles: Record<string, string> = {};
    for (const node of (await this.view()) ?? []) {
      const name = memberAt(this.nodes, node.port);
      if (name) roles[name] = node.failed ? 'down' : node.primary ? 'primary' : 'replica';
    }
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
      await withRedis(`127.0.0.1:${owner.port}`, (c) => c.set(key, String(Date.now())));
      return memberAt(this.nodes, owner.port);
    });
  }

  async close(): Promise<void> {}
}
