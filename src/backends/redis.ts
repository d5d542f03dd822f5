import { Cluster, Redis, type NatMap } from 'ioredis';
import { UsageError } from '../errors.js';
import { runKeyPrefix } from '../lifecycle/runNames.js';
import type { NodePlacement, RunData, ServerSpec } from './serverSpec.js';
import { hostPort, type Backend, type ServerSpecOptions, type VariantInfo } from './backend.js';
import { CLUSTER_NODE_TIMEOUT_MS, clusterArgs, clusterTopology } from './redisCluster.js';
import { SENTINEL_DEFAULTS, sentinelTopology, type WriteSafety } from './redisSentinel.js';
import type { CreateStore, Session, SessionStore } from './sessionStore.js';
import { isSessionId } from './sessionToken.js';

/**
 * Persistence flags per variant. `redis` passes none: Redis's built-in defaults
 * (RDB snapshots with `save 3600 1 300 100 60 10000` in Redis 7, no AOF).
 */
export const REDIS_PERSISTENCE: Record<string, string[]> = {
  redis: [],
  'redis:none': ['--save', '', '--appendonly', 'no'],
  'redis:rdb': ['--save', '5 1', '--appendonly', 'no'],
  'redis:aof-everysec': ['--appendonly', 'yes', '--appendfsync', 'everysec', '--save', ''],
  'redis:aof-always': ['--appendonly', 'yes', '--appendfsync', 'always', '--save', ''],
};

/**
 * Replicated topologies persist like redis:aof-everysec: a killed node that starts
 * again before anyone noticed reloads its data instead of coming back empty (an empty
 * primary would wipe its replicas: the Redis replication docs warn against it).
 */
const REPLICATED_PERSISTENCE = REDIS_PERSISTENCE['redis:aof-everysec']!;

/** WAIT's timeout per write in redis:sentinel-wait: below the app's 2 s store timeout. */
const WAIT_TIMEOUT_MS = 500;

/**
 * redis:sentinel-wait uses both: min-replicas-to-write 1 (max lag 1 s) makes a primary
 * cut off from its replicas refuse writes after ~1 s (it bounds what a split brain
 * accepts), and WAIT 1 after each write makes the app acknowledge only writes a
 * replica has (it closes the asynchronous window a kill of the primary opens). Neither
 * makes Redis strongly consistent (the WAIT docs say so): a failover may still promote
 * the other replica, and a write that timed out in WAIT stays applied on the primary.
 */
const SENTINEL_WAIT_SAFETY: WriteSafety = {
  minReplicas: { count: 1, maxLagS: 1 },
  wait: { replicas: 1, timeoutMs: WAIT_TIMEOUT_MS },
};

/** Variants that run a topology of their own rather than --nodes independent servers. */
const TOPOLOGY_NODES: Record<string, number> = {
  'redis:sentinel': 3,
  'redis:sentinel-wait': 3,
  'redis:cluster': 6,
};

const VARIANTS: VariantInfo[] = [
  {
    id: 'redis',
    description:
      "Redis's own defaults: RDB snapshots (save 3600 1 300 100 60 10000), no AOF; a crash loses writes since the last snapshot",
  },
  {
    id: 'redis:none',
    description: 'no persistence (save "", appendonly no): a restart empties it',
  },
  {
    id: 'redis:rdb',
    description:
      'RDB snapshot every 5 s when at least 1 key changed (save "5 1"), no AOF: a crash loses up to 5 s of writes',
  },
  {
    id: 'redis:aof-everysec',
    description:
      'append-only file fsynced once a second (appendfsync everysec), no RDB: a crash loses up to ~1 s',
  },
  {
    id: 'redis:aof-always',
    description: 'append-only file fsynced before every reply (appendfsync always), no RDB',
  },
  {
    id: 'redis:sentinel',
    description:
      '1 primary + 2 replicas (asynchronous replication), 3 sentinels (quorum 2, down-after 2 s, failover-timeout 10 s by default), AOF everysec; ioredis Sentinel client',
  },
  {
    id: 'redis:sentinel-wait',
    description:
      'redis:sentinel plus min-replicas-to-write 1 (max lag 1 s) and WAIT 1 500 after every write: acknowledged writes are on a replica',
  },
  {
    id: 'redis:cluster',
    description:
      'Redis Cluster: 3 primaries + 3 replicas, cluster-node-timeout 2 s by default, AOF everysec; ioredis Cluster client',
  },
];

export const redisBackend: Backend = {
  name: 'redis',
  kind: 'server',
  variants: VARIANTS,
  storeModule: new URL(import.meta.url),
  serverSpec: redisSpec,
};

function redisSpec(variant: string, options: ServerSpecOptions): ServerSpec {
  if (TOPOLOGY_NODES[variant]) return replicatedSpec(variant, options);
  const persistence = REDIS_PERSISTENCE[variant];
  if (!persistence) throw new UsageError(`unknown redis variant ${variant}`);
  return {
    backend: 'redis',
    variant,
    nodes: options.nodes,
    binaries: ['redis-server'],
    args: (node) => redisArgs(node, persistence),
    ready: redisReady,
    versionArgs: ['--version'],
    parseVersion: parseRedisVersion,
    // SIGTERM is Redis's own shutdown path: it saves the RDB when save points are
    // configured and fsyncs the AOF before exiting.
    stopSignal: 'SIGTERM',
    settings: {},
    runData: REDIS_RUN_DATA,
  };
}

/**
 * Sentinel and Cluster variants: a fixed number of nodes, each with a config file of
 * its own (empty at first) so that CONFIG REWRITE, which replication and failovers
 * use, keeps a node's role across its restarts.
 */
function replicatedSpec(variant: string, options: ServerSpecOptions): ServerSpec {
  const nodes = TOPOLOGY_NODES[variant]!;
  if (options.nodes !== 1 && options.nodes !== nodes) {
    throw new UsageError(
      `${variant} runs a fixed topology of ${nodes} nodes; --nodes ${options.nodes} does not apply (leave it out)`,
    );
  }
  const failover = options.failover ?? {};
  const nodeTimeoutMs = failover.clusterNodeTimeoutMs ?? CLUSTER_NODE_TIMEOUT_MS;
  const cluster = variant === 'redis:cluster';
  const topology = cluster
    ? clusterTopology(nodeTimeoutMs)
    : sentinelTopology(
        {
          downAfterMs: failover.sentinelDownAfterMs ?? SENTINEL_DEFAULTS.downAfterMs,
          failoverTimeoutMs:
            failover.sentinelFailoverTimeoutMs ?? SENTINEL_DEFAULTS.failoverTimeoutMs,
        },
        variant === 'redis:sentinel-wait' ? SENTINEL_WAIT_SAFETY : {},
      );
  const minReplicas =
    variant === 'redis:sentinel-wait' ? SENTINEL_WAIT_SAFETY.minReplicas! : undefined;
  return {
    ...redisSpec('redis', { nodes: 1 }),
    variant,
    nodes,
    files: () => ({ 'redis.conf': '' }),
    args: (node) => [
      `${node.runDir}/redis.conf`,
      ...redisArgs(node, REPLICATED_PERSISTENCE),
      ...(cluster ? clusterArgs(node.extraPorts![0]!, nodeTimeoutMs) : []),
      ...(minReplicas
        ? [
            '--min-replicas-to-write',
            String(minReplicas.count),
            '--min-replicas-max-lag',
            String(minReplicas.maxLagS),
          ]
        : []),
    ],
    // A shared server the run did not start is one node, never a topology.
    runData: undefined,
    topology,
  };
}

export function redisArgs(node: NodePlacement, persistence: string[]): string[] {
  const bind = node.bindAddress ?? '127.0.0.1';
  return [
    '--port',
    String(node.port),
    '--bind',
    bind,
    // Loopback clients only and no password: protected mode stays on as a safety net.
    // Inside a container's own network (bind 0.0.0.0, only 127.0.0.1 published on the
    // host) the clients arrive from the bridge, which protected mode would refuse.
    '--protected-mode',
    bind === '127.0.0.1' ? 'yes' : 'no',
    '--dir',
    node.dataDir,
    '--daemonize',
    'no',
    '--logfile',
    '',
    ...persistence,
  ];
}

/** "Redis server v=7.0.15 sha=..." */
export function parseRedisVersion(output: string): { name: string; version: string } {
  const match = /^(\w+) server v=(\S+)/m.exec(output);
  return match ? { name: match[1]!, version: match[2]! } : { name: 'Redis', version: 'unknown' };
}

/** PING round trip; the ready check also waits until Redis has loaded its RDB/AOF. */
async function redisReady(endpoint: string): Promise<void> {
  const client = new Redis({
    ...hostPort(endpoint),
    lazyConnect: true,
    connectTimeout: 1_000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    const reply = await client.ping();
    if (reply !== 'PONG') throw new Error(`PING answered ${reply}`);
  } finally {
    client.disconnect();
  }
}

/**
 * Client-side sharding over independent servers: a stable hash (FNV-1a, 32 bit) of
 * the session id picks the node, so every app process agrees without talking.
 */
export function shardOf(sessionId: string, nodes: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < sessionId.length; i++) {
    hash ^= sessionId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % nodes;
}

/** Key prefix on a server the run started; a shared server gets one with the run id. */
const KEY_PREFIX = 'sess:';

/** In a Redis the user runs: keys `session-bench:<runId>:sess:<id>`, deleted at the end. */
const REDIS_RUN_DATA: RunData = {
  settings: (runId) => ({ keyPrefix: `${runKeyPrefix(runId)}${KEY_PREFIX}` }),
  remove: removeKeysWithPrefix,
};

/** Deletes every key under `settings.keyPrefix` on one node; SCAN, so Redis never blocks on it. */
async function removeKeysWithPrefix(
  endpoint: string,
  settings: Record<string, string>,
): Promise<string> {
  const prefix = settings.keyPrefix;
  if (!prefix) throw new Error('no key prefix: refusing to delete keys');
  const client = new Redis({
    ...hostPort(endpoint),
    lazyConnect: true,
    connectTimeout: 2_000,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    const match = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
    let cursor = '0';
    let removed = 0;
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', match, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) removed += await client.del(...keys);
    } while (cursor !== '0');
    return `removed ${removed} keys ${prefix}*`;
  } finally {
    client.disconnect();
  }
}

/** What the store talks to: one client per independent node, or one for the whole topology. */
type Client = Redis | Cluster;

class RedisStore implements SessionStore {
  constructor(
    private readonly clients: Client[],
    private readonly ttlMs: number,
    private readonly keyPrefix: string,
    /** redis:sentinel-wait: WAIT for this many replicas after each write. */
    private readonly wait?: { replicas: number; timeoutMs: number },
  ) {}

  private clientFor(id: string): Client {
    return this.clients[shardOf(id, this.clients.length)]!;
  }

  async get(token: string): Promise<Session | null> {
    if (!isSessionId(token)) return null;
    const raw = await this.clientFor(token).get(this.keyPrefix + token);
    return raw === null ? null : (JSON.parse(raw) as Session);
  }

  async set(session: Session): Promise<string> {
    const client = this.clientFor(session.id);
    await client.set(this.keyPrefix + session.id, JSON.stringify(session), 'PX', this.ttlMs);
    await this.waitForReplicas(client);
    return session.id;
  }

  async destroy(token: string): Promise<void> {
    if (!isSessionId(token)) return;
    const client = this.clientFor(token);
    await client.del(this.keyPrefix + token);
    await this.waitForReplicas(client);
  }

  /** Fewer replicas than asked within the timeout: the write fails (the app answers 503). */
  private async waitForReplicas(client: Client): Promise<void> {
    if (!this.wait) return;
    const acked = (await client.call('WAIT', this.wait.replicas, this.wait.timeoutMs)) as number;
    if (acked < this.wait.replicas) {
      throw new Error(`WAIT: ${acked} of ${this.wait.replicas} replicas acknowledged the write`);
    }
  }

  async close(): Promise<void> {
    await Promise.all(
      this.clients.map((c) =>
        c.quit().catch(() => {
          c.disconnect();
        }),
      ),
    );
  }
}

/** Reconnects quickly (a failover is seconds), capped so a dead node costs little. */
const reconnectDelay = (times: number) => Math.min(times * 50, 500);

function connect(endpoint: string): Redis {
  const client = new Redis({
    ...hostPort(endpoint),
    connectTimeout: 2_000,
    // While a node is down, a command waits in the offline queue for at most two
    // reconnect attempts, then fails: the app answers 503, never "not logged in".
    // (The app's own 2 s store timeout caps the wait anyway.)
    enableOfflineQueue: true,
    maxRetriesPerRequest: 1,
    retryStrategy: reconnectDelay,
    // Wait for a restarted Redis to finish loading its RDB/AOF before sending.
    enableReadyCheck: true,
  });
  // Failures reach the caller through the command's promise; an unheard 'error'
  // event would only print noise.
  client.on('error', () => {});
  return client;
}

/**
 * ioredis's Sentinel support: it asks the sentinels for the primary, checks its role,
 * and on a lost connection asks again (failoverDetector: also on +switch-master).
 */
function connectSentinel(settings: Record<string, string>): Redis {
  const client = new Redis({
    sentinels: (settings.sentinels ?? '').split(',').map(hostPort),
    name: settings.masterName!,
    connectTimeout: 2_000,
    enableOfflineQueue: true,
    maxRetriesPerRequest: 1,
    retryStrategy: reconnectDelay,
    sentinelRetryStrategy: reconnectDelay,
    failoverDetector: true,
    enableReadyCheck: true,
    // With peer links the sentinels name each node by its link: the app goes direct.
    ...(settings.natMap ? { natMap: JSON.parse(settings.natMap) as NatMap } : {}),
  });
  client.on('error', () => {});
  return client;
}

/** ioredis's Cluster client: slots from CLUSTER SLOTS, MOVED/ASK followed, refreshed on failover. */
function connectCluster(endpoints: string[], settings: Record<string, string>): Cluster {
  const client = new Cluster(endpoints.map(hostPort), {
    // With peer links the cluster names each node by its link: the app goes direct.
    ...(settings.natMap ? { natMap: JSON.parse(settings.natMap) as NatMap } : {}),
    enableOfflineQueue: true,
    maxRedirections: 16,
    retryDelayOnFailover: 100,
    retryDelayOnClusterDown: 100,
    retryDelayOnTryAgain: 100,
    clusterRetryStrategy: reconnectDelay,
    slotsRefreshTimeout: 1_000,
    redisOptions: { connectTimeout: 2_000, maxRetriesPerRequest: 1 },
  });
  client.on('error', () => {});
  return client;
}

const createStore: CreateStore = async (options) => {
  const endpoints = options.endpoints ?? [];
  const settings = options.settings ?? {};
  const keyPrefix = settings.keyPrefix ?? KEY_PREFIX;
  if (settings.topology === 'sentinel') {
    const wait = settings.waitReplicas
      ? { replicas: Number(settings.waitReplicas), timeoutMs: Number(settings.waitTimeoutMs) }
      : undefined;
    return new RedisStore([connectSentinel(settings)], options.ttlMs, keyPrefix, wait);
  }
  if (endpoints.length === 0) throw new Error('redis store needs at least one endpoint');
  if (settings.topology === 'cluster') {
    return new RedisStore([connectCluster(endpoints, settings)], options.ttlMs, keyPrefix);
  }
  return new RedisStore(endpoints.map(connect), options.ttlMs, keyPrefix);
};
export default createStore;
